package dev.netc.compiler.autodiff;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reverse-mode differentiation as a DAG-to-DAG transformation: the gradient of the loss with
 * respect to every param and every input, built as nodes of the same IR (so it can be
 * optimized, emitted, and differentiated again).
 *
 * <p>The walk is micrograd's: visit the nodes in reverse topological order, keep a map from
 * node to adjoint where a missing entry is a symbolic zero, and ADD when a node is used more
 * than once. Nodes that do not depend on a param or input get no adjoint at all, so dead
 * branches cost nothing.
 */
public final class ReverseMode {
  private final Rules rules;

  public ReverseMode(Rules rules) {
    this.rules = rules;
  }

  /**
   * {@code dag} with gradients for every param and input (a zero gradient is a broadcast 0), or
   * empty if an op on the way has no rule (reported as {@link DiagCode#NO_DERIVATIVE}).
   */
  public Optional<Dag> differentiate(Dag dag, Diagnostics diagnostics) {
    if (dag.loss() == null) {
      return Optional.of(dag);
    }
    GraphBuilder b = new GraphBuilder(true);
    Map<Node, Node> copy = new HashMap<>();
    for (Node n : dag.nodes()) {
      Node[] inputs = new Node[n.inputs().size()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = copy.get(n.input(i));
      }
      copy.put(n, b.copy(n, List.of(inputs)));
    }
    Node loss = copy.get(dag.loss());
    List<Node> forward = Dag.closure(b.nodes(), List.of(loss));
    Set<Node> active = activeNodes(forward);

    boolean[] ok = {true};
    Map<Node, Node> adjoint = BackwardWalk.adjoints(b, forward, loss, active, rules, y -> {
      diagnostics.report(DiagCode.NO_DERIVATIVE, dag.network().source(), y.pos(), opName(y.op()));
      ok[0] = false;
    });
    if (!ok[0]) {
      return Optional.empty();
    }
    Map<String, Node> paramGradients = gradients(dag, b, copy, adjoint, Op.PARAM);
    Map<String, Node> inputGradients = gradients(dag, b, copy, adjoint, Op.INPUT);
    Map<String, Node> outputs = new LinkedHashMap<>();
    dag.outputs().forEach((name, n) -> outputs.put(name, copy.get(n)));
    return Optional.of(new Dag(dag.network(), b.nodes(), outputs, loss, paramGradients, inputGradients));
  }

  private static Map<String, Node> gradients(Dag dag, GraphBuilder b, Map<Node, Node> copy, Map<Node, Node> adjoint, Op kind) {
    Map<String, Node> result = new LinkedHashMap<>();
    for (Node n : dag.nodes()) {
      if (n.op() == kind) {
        Node leaf = copy.get(n);
        Node g = adjoint.get(leaf);
        result.put(n.name(), g != null ? g : b.filled(0, leaf.shape(), leaf.pos()));
      }
    }
    return result;
  }

  /** Nodes that depend on a param or an input: the only ones that need an adjoint. */
  private static Set<Node> activeNodes(List<Node> topological) {
    Set<Node> active = new HashSet<>();
    for (Node n : topological) {
      boolean isActive = n.op() == Op.PARAM || n.op() == Op.INPUT;
      for (Node in : n.inputs()) {
        isActive |= active.contains(in);
      }
      if (isActive) {
        active.add(n);
      }
    }
    return active;
  }

  private static String opName(Op op) {
    return op.functionName() != null ? op.functionName() : op.name().toLowerCase(java.util.Locale.ROOT);
  }
}
