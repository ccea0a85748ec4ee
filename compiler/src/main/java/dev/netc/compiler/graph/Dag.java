package dev.netc.compiler.graph;

import dev.netc.compiler.model.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network as an expression DAG: its nodes in topological order and its roots: the outputs
 * by name, the loss (may be null), and, once differentiated, the gradient of the loss with
 * respect to each param and each input (a missing gradient is a symbolic zero).
 */
public record Dag(
    Network network,
    List<Node> nodes,
    Map<String, Node> outputs,
    Node loss,
    Map<String, Node> paramGradients,
    Map<String, Node> inputGradients) {

  public Dag {
    nodes = List.copyOf(nodes);
    outputs = unmodifiable(outputs);
    paramGradients = unmodifiable(paramGradients);
    inputGradients = unmodifiable(inputGradients);
  }

  private static Map<String, Node> unmodifiable(Map<String, Node> m) {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  public boolean hasGradients() {
    return !paramGradients.isEmpty() || !inputGradients.isEmpty();
  }

  /** Every root: outputs, loss, gradients, in that order, without repeats. */
  public List<Node> roots() {
    List<Node> roots = new ArrayList<>(outputs.values());
    if (loss != null) {
      roots.add(loss);
    }
    roots.addAll(paramGradients.values());
    roots.addAll(inputGradients.values());
    return roots.stream().distinct().toList();
  }

  /** The nodes that {@code roots} depend on (including themselves), in topological order. */
  public static List<Node> closure(List<Node> all, List<Node> roots) {
    Set<Node> needed = new HashSet<>(all.size() * 4 / 3 + 1);
    List<Node> stack = new ArrayList<>(roots);
    while (!stack.isEmpty()) {
      Node n = stack.remove(stack.size() - 1);
      if (needed.add(n)) {
        stack.addAll(n.inputs());
      }
    }
    List<Node> closure = new ArrayList<>(needed.size());
    for (Node n : all) {
      if (needed.contains(n)) {
        closure.add(n);
      }
    }
    return java.util.Collections.unmodifiableList(closure);
  }

  /** A copy with the given gradients. */
  public Dag withGradients(List<Node> nodes, Map<String, Node> paramGradients, Map<String, Node> inputGradients) {
    return new Dag(network, nodes, outputs, loss, paramGradients, inputGradients);
  }
}
