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
import java.util.Set;

/**
 * The adjoint (d loss / d value) of <em>every</em> node of a forward DAG, not only of its params
 * and inputs: for pictures of backpropagation, where every edge shows its gradient. The walk is
 * {@link ReverseMode}'s ({@link BackwardWalk}: same rules, same order, a missing adjoint is a symbolic zero), except that
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
    Map<Node, Node> walked = BackwardWalk.adjoints(b, forward, loss, active, rules, new BackwardWalk.Gaps() {
      @Override
      public void noRule(Node y) {
        y.inputs().stream().filter(active::contains).forEach(unknown::add);
      }

      @Override
      public boolean skip(Node y) {
        if (unknown.contains(y)) {
          y.inputs().stream().filter(active::contains).forEach(unknown::add);
          return true;
        }
        return false;
      }
    });
    adjoint.putAll(walked);
    unknown.forEach(adjoint::remove);
    return new Result(new ArrayList<>(b.nodes()), forwardCount, copy, adjoint, unknown, loss);
  }
}
