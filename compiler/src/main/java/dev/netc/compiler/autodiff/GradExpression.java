package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code grad(f, v)} inside a network: reverse mode run while the forward DAG is being built,
 * from the scalar {@code f} down to the node {@code v}, in the same builder. The adjoint nodes it
 * makes are ordinary nodes of the forward DAG, so the compiler's own reverse pass later
 * differentiates them like any other (reverse-over-reverse): every op a rule can emit has a rule
 * of its own ({@link Rules#standard()}).
 *
 * <p>Only the nodes on a path from {@code v} to {@code f} are active, so the result is the total
 * derivative of f with respect to v through every path, as {@code torch.autograd.grad(f, v)}
 * gives for an intermediate tensor; a v that f does not depend on gets zeros (as in JAX).
 */
public final class GradExpression {
  private GradExpression() {}

  /** Told of a node that has no derivative rule (the walk goes on without it). */
  public interface NoRule {
    void at(Node y);
  }

  /** The nodes of {@code df/dv} in {@code b}, shaped as {@code v}; {@code f} is a scalar node of {@code b}. */
  public static Node of(GraphBuilder b, Node f, Node v, Rules rules, NoRule noRule) {
    List<Node> forward = Dag.closure(b.nodes(), List.of(f));
    Set<Node> active = new HashSet<>();
    for (Node n : forward) {
      if (n.equals(v) || n.inputs().stream().anyMatch(active::contains)) {
        active.add(n);
      }
    }
    Node result = null;
    if (active.contains(f)) {
      Map<Node, Node> adjoint = BackwardWalk.adjoints(b, forward, f, active, rules, noRule::at);
      result = adjoint.get(v);
    }
    return result != null ? result : b.filled(0, v.shape(), v.pos());
  }
}
