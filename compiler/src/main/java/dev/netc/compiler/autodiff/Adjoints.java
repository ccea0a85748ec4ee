package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The adjoint (d loss / d value) of <em>every</em> node of a forward DAG, not only of its params
 * and inputs: for pictures of backpropagation, where every edge shows its gradient. The walk is
 * {@link ReverseMode}'s (same rules, same order, a missing adjoint is a symbolic zero), except that
 * targets count as active too, and that an op without a rule does not fail: the nodes it feeds get
 * no known adjoint ({@link Result#unknown()}). Nothing is optimized; {@link ReverseMode} is
 * untouched and remains what the compiler uses.
 */
public final class Adjoints {
  private Adjoints() {}

  /**
   * @param nodes every node: the copied forward nodes first (ids below {@code forwardCount}),
   *     then the adjoint computations, in topological order, ready for {@code Eval.run}
   * @param copy each node of the given forward DAG to its copy in {@code nodes}
   * @param adjoint each copied forward node with a nonzero adjoint to that adjoint's node
   * @param unknown copied forward nodes whose adjoint could not be built (an op without a rule)
   * @param loss the copied loss, null if the network has none
   */
  public record Result(
      List<Node> nodes, int forwardCount, Map<Node, Node> copy, Map<Node, Node> adjoint, Set<Node> unknown, Node loss) {

    /** Whether {@code n} (a node of {@link #nodes()}) is part of the forward computation. */
    public boolean isForward(Node n) {
      return n.id() < forwardCount;
    }
  }

  /** The adjoints of every node of {@code dag} (forward only, as {@code Lowering.lower} gives it). */
  public static Result of(Dag dag, Rules rules) {
    GraphBuilder b = new GraphBuilder(true);
    Map<Node, Node> copy = new HashMap<>();
    for (Node n : dag.nodes()) {
      copy.put(n, b.copy(n, n.inputs().stream().map(copy::get).toList()));
    }
    int forwardCount = b.nodes().size();
    Map<Node, Node> adjoint = new HashMap<>();
    Set<Node> unknown = new HashSet<>();
    if (dag.loss() == null) {
      return new Result(b.nodes(), forwardCount, copy, adjoint, unknown, null);
    }
    Node loss = copy.get(dag.loss());
    List<Node> forward = Dag.closure(b.nodes(), List.of(loss));
    Set<Node> active = new HashSet<>();
    for (Node n : forward) {
      if (n.op() == Op.PARAM || n.op() == Op.INPUT || n.op() == Op.TARGET
          || n.inputs().stream().anyMatch(active::contains)) {
        active.add(n);
      }
    }
    adjoint.put(loss, b.constant(1, loss.pos()));
    for (int k = forward.size() - 1; k >= 0; k--) {
      Node y = forward.get(k);
      if (y.isLeaf()) {
        continue;
      }
      Optional<Rule> rule = rules.rule(y.op());
      if (unknown.contains(y) || (rule.isEmpty() && adjoint.containsKey(y))) {
        y.inputs().stream().filter(active::contains).forEach(unknown::add);
        continue;
      }
      Node g = adjoint.get(y);
      if (g == null) {
        continue;
      }
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
    unknown.forEach(adjoint::remove);
    return new Result(new ArrayList<>(b.nodes()), forwardCount, copy, adjoint, unknown, loss);
  }
}
