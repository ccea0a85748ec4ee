package dev.netc.compiler.graph;

import dev.netc.compiler.model.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A readable text dump of a DAG, one node per line:
 *
 * <pre>
 *   %4  matmul      [4]      %2 %0          ; line 12  (h)
 * </pre>
 *
 * then the roots: outputs, loss and gradients.
 */
public final class DagDump {
  private DagDump() {}

  public static String dump(Dag dag) {
    Map<Node, Integer> number = new HashMap<>();
    StringBuilder out = new StringBuilder();
    out.append("network ").append(dag.network().name()).append('\n');
    List<Node> nodes = dag.nodes();
    for (Node n : nodes) {
      number.put(n, number.size());
      out.append(String.format(Locale.ROOT, "  %%%-4d %-14s %-9s %-16s ; line %d%s%n",
          number.get(n), opText(n), n.shape(),
          n.inputs().stream().map(i -> "%" + number.get(i)).collect(Collectors.joining(" ")),
          n.pos().line(), n.label() != null && !n.isLeaf() ? "  (" + n.label() + ")" : ""));
    }
    dag.outputs().forEach((name, n) -> out.append("  output ").append(name).append(" = %").append(number.get(n)).append('\n'));
    if (dag.loss() != null) {
      out.append("  loss = %").append(number.get(dag.loss())).append('\n');
    }
    dag.paramGradients().forEach((name, n) -> out.append("  d loss/d ").append(name).append(" = %").append(number.get(n)).append('\n'));
    dag.inputGradients().forEach((name, n) -> out.append("  d loss/d ").append(name).append(" = %").append(number.get(n)).append('\n'));
    return out.toString();
  }

  private static String opText(Node n) {
    String op = n.op().name().toLowerCase(Locale.ROOT);
    if (n.op() == Op.CONST) {
      return "const " + n.attr();
    }
    if (n.name() != null) {
      return op + " " + n.name();
    }
    if (n.op() == Op.POW || n.op() == Op.LEAKY_RELU || n.op() == Op.LEAKY_STEP) {
      return op + " " + n.attr();
    }
    return op;
  }
}
