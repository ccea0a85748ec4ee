package dev.netc.compiler.testing;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import java.util.Map;

/**
 * Whether a point is safely away from every kink and edge of the domain in a DAG (relu at 0,
 * max ties, hinge margins at 0, log near 0, ...), so that finite differences are meaningful.
 */
public final class Kinks {
  private Kinks() {}

  public static boolean safe(Dag dag, Map<String, double[]> values, double margin) {
    return unsafeNode(dag, values, margin) == null;
  }

  /** The first node whose inputs are within {@code margin} of a kink or whose value is huge, or null. */
  public static Node unsafeNode(Dag dag, Map<String, double[]> values, double margin) {
    Map<Node, double[]> v = Eval.run(dag.nodes(), values);
    for (Node n : dag.nodes()) {
      double[] a = n.inputs().isEmpty() ? null : v.get(n.input(0));
      double[] b = n.inputs().size() > 1 ? v.get(n.input(1)) : null;
      double[] out = v.get(n);
      for (double x : out) {
        if (!Double.isFinite(x) || Math.abs(x) > 1e6) {
          return n;
        }
      }
      switch (n.op()) {
        case RELU, ABS, STEP, SIGN, LEAKY_RELU, LEAKY_STEP -> {
          for (double x : a) {
            if (Math.abs(x) < margin) {
              return n;
            }
          }
        }
        case LOG, SQRT -> {
          for (double x : a) {
            if (x < margin) {
              return n;
            }
          }
        }
        case DIV -> {
          for (double x : b) {
            if (Math.abs(x) < margin) {
              return n;
            }
          }
        }
        case POW -> {
          if (n.attr() != Math.rint(n.attr()) || n.attr() < 0) {
            for (double x : a) {
              if (x < margin) {
                return n;
              }
            }
          }
        }
        case MAX2, MIN2, GE -> {
          for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) < margin) {
              return n;
            }
          }
        }
        case MAX_ALL, MIN_ALL, ARGMAX_MASK, ARGMIN_MASK -> {
          if (a.length > 1 && gapAtExtremum(a, n.op() == dev.netc.compiler.model.Op.MAX_ALL
              || n.op() == dev.netc.compiler.model.Op.ARGMAX_MASK) < margin) {
            return n;
          }
        }
        case NORM -> {
          if (out[0] < margin) {
            return n;
          }
        }
        case HINGE, HINGE_GRAD -> {
          int hot = 0;
          for (int i = 1; i < b.length; i++) {
            if (b[i] > b[hot]) {
              hot = i;
            }
          }
          for (int j = 0; j < a.length; j++) {
            if (j != hot && Math.abs(a[j] - a[hot] + 1) < margin) {
              return n;
            }
            if (j != hot && Math.abs(b[j] - b[hot]) < margin) {
              return n;
            }
          }
        }
        default -> { }
      }
    }
    return null;
  }

  private static double gapAtExtremum(double[] a, boolean max) {
    double best = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    for (double x : a) {
      best = max ? Math.max(best, x) : Math.min(best, x);
    }
    double gap = Double.POSITIVE_INFINITY;
    boolean seen = false;
    for (double x : a) {
      if (x == best && !seen) {
        seen = true;
        continue;
      }
      gap = Math.min(gap, Math.abs(x - best));
    }
    return gap;
  }
}
