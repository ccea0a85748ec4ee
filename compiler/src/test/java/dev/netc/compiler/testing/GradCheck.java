package dev.netc.compiler.testing;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Central finite differences in double against a DAG's symbolic gradients, evaluated by the
 * reference evaluator. Passes an entry when the absolute error is under {@code absTol} or the
 * relative error under {@code relTol}.
 */
public final class GradCheck {
  public static final double STEP = 1e-6;

  private GradCheck() {}

  /** The first disagreement, or null if every gradient entry agrees. */
  public static String firstMismatch(Dag dag, Map<String, double[]> values, double absTol, double relTol) {
    Map<Node, double[]> v = Eval.run(dag.nodes(), values);
    List<Node> lossNodes = Dag.closure(dag.nodes(), List.of(dag.loss()));
    Map<String, Node> all = new HashMap<>(dag.paramGradients());
    all.putAll(dag.inputGradients());
    for (Map.Entry<String, Node> e : all.entrySet()) {
      double[] symbolic = v.get(e.getValue());
      double[] x = values.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        double numeric = numericPartial(lossNodes, dag.loss(), values, e.getKey(), i);
        double err = Math.abs(numeric - symbolic[i]);
        double rel = err / Math.max(Math.abs(numeric), Math.abs(symbolic[i]));
        if (!(err <= absTol || rel <= relTol)) {
          return String.format("d loss/d %s[%d]: symbolic %.12g, numeric %.12g (abs %.3g, rel %.3g)",
              e.getKey(), i, symbolic[i], numeric, err, rel);
        }
      }
    }
    return null;
  }

  /** Central difference of the loss along one entry, with a step scaled to the entry's size. */
  public static double numericPartial(List<Node> lossNodes, Node loss, Map<String, double[]> values, String name, int i) {
    double[] x = values.get(name);
    double saved = x[i];
    double h = STEP * Math.max(1, Math.abs(saved));
    try {
      x[i] = saved + h;
      double up = Eval.run(lossNodes, values).get(loss)[0];
      x[i] = saved - h;
      double down = Eval.run(lossNodes, values).get(loss)[0];
      return (up - down) / (2 * h);
    } finally {
      x[i] = saved;
    }
  }
}
