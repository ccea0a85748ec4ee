package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The reverse walk itself, shared by {@link ReverseMode} (the compiler) and {@link Adjoints}
 * (pictures): visit the forward nodes in reverse topological order, apply each node's rule to its
 * adjoint, and ADD the contributions of a node used several times. A missing entry is a symbolic
 * zero; only {@code active} nodes receive adjoints. New nodes carry the position of the forward
 * op they differentiate.
 */
final class BackwardWalk {
  private BackwardWalk() {}

  /** What to do where the walk cannot go on: a node without a rule, or one to pass over. */
  interface Gaps {
    /** Called for a node with a nonzero adjoint and no rule; the walk goes on without it. */
    void noRule(Node y);

    /** Whether to pass over {@code y}, asked before its adjoint is looked at (e.g. it is unknown). */
    default boolean skip(Node y) {
      return false;
    }
  }

  /** The adjoint of each active forward node that has a nonzero one; {@code forward} is topological. */
  static Map<Node, Node> adjoints(GraphBuilder b, List<Node> forward, Node loss, Set<Node> active, Rules rules, Gaps gaps) {
    Map<Node, Node> adjoint = new HashMap<>();
    adjoint.put(loss, b.constant(1, loss.pos()));
    for (int k = forward.size() - 1; k >= 0; k--) {
      Node y = forward.get(k);
      if (y.isLeaf() || gaps.skip(y)) {
        continue;
      }
      Node g = adjoint.get(y);
      if (g == null) {
        continue;
      }
      Optional<Rule> rule = rules.rule(y.op());
      if (rule.isEmpty()) {
        gaps.noRule(y);
        continue;
      }
      b.at(y.pos());
      for (int i = 0; i < y.inputs().size(); i++) {
        Node x = y.input(i);
        if (!active.contains(x)) {
          continue;
        }
        Node contribution = rule.get().adjoint(b, y, i, g);
        if (contribution != null) {
          Node before = adjoint.get(x);
          adjoint.put(x, before == null ? contribution : b.add(before, contribution));
        }
      }
    }
    b.at(null);
    return adjoint;
  }
}
