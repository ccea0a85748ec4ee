package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The skeleton the passes share: copy a DAG node by node, in topological order, into a new
 * builder, letting a rewrite replace each node given its already-rewritten inputs; then map the
 * roots.
 */
final class Rebuild {
  private Rebuild() {}

  /** Replaces one node; returns {@code b.copy(n, inputs)} to keep it. */
  @FunctionalInterface
  interface Rewrite {
    Node apply(GraphBuilder b, Node n, List<Node> inputs);
  }

  static Dag run(Dag dag, List<Node> nodes, GraphBuilder b, Rewrite rewrite) {
    Map<Node, Node> map = new HashMap<>();
    for (Node n : nodes) {
      Node[] inputs = new Node[n.inputs().size()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = map.get(n.input(i));
      }
      map.put(n, rewrite.apply(b, n, List.of(inputs)));
    }
    return new Dag(dag.network(), b.nodes(), mapAll(dag.outputs(), map), dag.loss() == null ? null : map.get(dag.loss()),
        mapAll(dag.paramGradients(), map), mapAll(dag.inputGradients(), map));
  }

  private static Map<String, Node> mapAll(Map<String, Node> roots, Map<Node, Node> map) {
    Map<String, Node> out = new LinkedHashMap<>();
    roots.forEach((k, v) -> out.put(k, map.get(v)));
    return out;
  }
}
