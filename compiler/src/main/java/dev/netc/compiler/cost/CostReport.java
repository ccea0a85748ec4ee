package dev.netc.compiler.cost;

import dev.netc.compiler.emit.ClassPlan;
import dev.netc.compiler.emit.Planner;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The static cost of each public method of a network's generated class, for a batch of
 * {@code batch} examples: FLOPs per example ({@link Cost}), bytes of params read, workspace
 * bytes, and the ratio of the gradient's FLOPs to the loss's.
 *
 * <p>A method computes the DAG nodes its roots need, as the {@link Planner} decides:
 * {@code predict} the outputs, {@code loss} the loss, {@code lossAndGradient} the loss and every
 * param's gradient, {@code inputGradient} the loss and every input's gradient. A node that
 * depends on an input or a target is computed once per example; one that does not (a
 * regularizer of the params) once per call, so its FLOPs per example shrink with the batch. A
 * param gradient that depends on the examples is summed over the batch: 1 FLOP per element per
 * example. The workspace is the generated class's buffers at this batch (one workspace, which
 * any method's first call allocates whole, so it is the same for every method).
 */
public record CostReport(String network, long params, boolean isFloat, int batch, Map<String, Method> methods) {

  /**
   * One method: {@code batchFlops} for the whole batch ({@code flops()} is per example), the
   * params it reads ({@code paramValues}, {@code paramBytes}), its workspace.
   */
  public record Method(String name, long batchFlops, int batch, long paramValues, long paramBytes, long workspaceBytes) {
    public double flops() {
      return (double) batchFlops / batch;
    }
  }

  public CostReport {
    methods = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methods));
  }

  /** The report of the network of {@code dag} (optimized and differentiated), at {@code batch} >= 1. */
  public static CostReport of(Dag dag, boolean isFloat, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, not " + batch);
    }
    Network net = dag.network();
    int bytes = isFloat ? 4 : 8;
    long params = 0;
    for (Network.Param p : net.params()) {
      params += p.symbol().shape().size();
    }
    ClassPlan plan = Planner.plan(dag, isFloat, net.name(), net.source().name());
    long workspace = 0;
    for (ClassPlan.Buffer b : plan.buffers()) {
      workspace += (long) b.size() * (b.batched() ? batch : 1) * Math.max(1, b.steps()) * bytes;
    }
    Set<Node> batched = batched(dag);
    Map<String, Method> methods = new LinkedHashMap<>();
    methods.put("predict", method("predict", dag, new ArrayList<>(dag.outputs().values()), List.of(), batched, batch,
        bytes, workspace));
    if (dag.loss() != null) {
      methods.put("loss", method("loss", dag, List.of(dag.loss()), List.of(), batched, batch, bytes, workspace));
      List<Node> roots = new ArrayList<>(List.of(dag.loss()));
      roots.addAll(dag.paramGradients().values());
      methods.put("lossAndGradient", method("lossAndGradient", dag, roots,
          new ArrayList<>(dag.paramGradients().values()), batched, batch, bytes, workspace));
      roots = new ArrayList<>(List.of(dag.loss()));
      roots.addAll(dag.inputGradients().values());
      methods.put("inputGradient", method("inputGradient", dag, roots, List.of(), batched, batch, bytes, workspace));
    }
    return new CostReport(net.name(), params, isFloat, batch, methods);
  }

  /** The nodes that depend on an input or a target: computed once per example. */
  private static Set<Node> batched(Dag dag) {
    Set<Node> batched = new HashSet<>();
    for (Node n : dag.nodes()) {
      boolean b = n.op() == Op.INPUT || n.op() == Op.TARGET;
      for (Node in : n.inputs()) {
        b |= batched.contains(in);
      }
      if (b) {
        batched.add(n);
      }
    }
    return batched;
  }

  private static Method method(String name, Dag dag, List<Node> roots, List<Node> accumulated, Set<Node> batched,
      int batch, int bytes, long workspace) {
    long flops = 0;
    long paramValues = 0;
    Set<String> paramsRead = new HashSet<>();
    for (Node n : Dag.closure(dag.nodes(), roots)) {
      flops += Cost.flops(n) * (batched.contains(n) ? batch : 1);
      if (n.op() == Op.PARAM && paramsRead.add(n.name())) {
        paramValues += n.shape().size();
      }
    }
    for (Node g : new HashSet<>(accumulated)) {
      if (batched.contains(g)) {
        flops += (long) g.shape().size() * batch;
      }
    }
    return new Method(name, flops, batch, paramValues, paramValues * bytes, workspace);
  }

  /** FLOPs of {@code lossAndGradient} over FLOPs of {@code loss}; NaN without a loss (or a free one). */
  public double gradientRatio() {
    Method loss = methods.get("loss");
    Method grad = methods.get("lossAndGradient");
    return loss == null || loss.batchFlops() == 0 ? Double.NaN : (double) grad.batchFlops() / loss.batchFlops();
  }

  /** The method a budget applies to: {@code lossAndGradient}, or {@code predict} without a loss. */
  public Method budgeted() {
    return methods.getOrDefault("lossAndGradient", methods.get("predict"));
  }

  /**
   * {@code {"network": N, "params": n, "precision": ..., "batch": B, "gradientRatio": r,
   * "methods": {"predict": {"flops": f, "paramBytes": b, "workspaceBytes": w, ...}, ...}}}.
   */
  public String json() {
    StringBuilder s = new StringBuilder();
    s.append("{\n  \"network\": ").append(quote(network)).append(",\n  \"params\": ").append(params)
        .append(",\n  \"precision\": \"").append(isFloat ? "float" : "double").append("\",\n  \"batch\": ").append(batch);
    double r = gradientRatio();
    if (!Double.isNaN(r)) {
      s.append(",\n  \"gradientRatio\": ").append(String.format(Locale.ROOT, "%.4f", r));
    }
    s.append(",\n  \"methods\": {");
    String sep = "\n";
    for (Method m : methods.values()) {
      s.append(sep).append("    ").append(quote(m.name())).append(": {\"flops\": ").append(number(m.flops()))
          .append(", \"batchFlops\": ").append(m.batchFlops()).append(", \"paramBytes\": ").append(m.paramBytes())
          .append(", \"paramValues\": ").append(m.paramValues()).append(", \"workspaceBytes\": ")
          .append(m.workspaceBytes()).append('}');
      sep = ",\n";
    }
    return s.append("\n  }\n}").toString();
  }

  /** A table, one row per method, for people. */
  public String table() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%s: %,d params (%s, %d bytes each), batch %d%n", network, params,
        isFloat ? "float" : "double", isFloat ? 4 : 8, batch));
    s.append(String.format(Locale.ROOT, "  %-16s %16s %16s %16s%n", "method", "FLOPs/example", "param bytes",
        "workspace bytes"));
    for (Method m : methods.values()) {
      s.append(String.format(Locale.ROOT, "  %-16s %16s %,16d %,16d%n", m.name(), grouped(m.flops()), m.paramBytes(),
          m.workspaceBytes()));
    }
    double r = gradientRatio();
    if (!Double.isNaN(r)) {
      s.append(String.format(Locale.ROOT, "  lossAndGradient / loss FLOPs: %.2f%n", r));
    }
    return s.toString();
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String grouped(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v)
        : String.format(Locale.ROOT, "%,.1f", v);
  }

  /** A JSON string: network names are identifiers, but escape anyway. */
  private static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        q.append('\\').append(c);
      } else if (c < 0x20) {
        q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        q.append(c);
      }
    }
    return q.append('"').toString();
  }
}
