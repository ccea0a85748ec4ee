package dev.netc.compiler.graph;

import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.IxEval;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.graph.ix.Tensor;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.ops.Scalar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference evaluator: runs any DAG on double arrays, one plain loop per op. It is
 * deliberately simple, the oracle that generated code and passes are checked against, and what
 * {@code netc eval} can use to debug. Every op's numeric meaning is defined here; generated code
 * must agree with it.
 */
public final class Eval {
  private Eval() {}

  /**
   * The value of every node in {@code nodes} (topological order), given the values of the
   * inputs, targets and params by name (row-major).
   */
  public static Map<Node, double[]> run(List<Node> nodes, Map<String, double[]> leaves) {
    Map<Node, double[]> v = new HashMap<>();
    for (Node n : nodes) {
      double[] out;
      if (n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.PARAM) {
        double[] given = leaves.get(n.name());
        if (given == null || given.length != n.shape().size()) {
          throw new IllegalArgumentException("need " + n.shape().size() + " values for '" + n.name() + "'");
        }
        out = given.clone();
      } else if (n.op() == Op.SCAN_GRAD) {
        out = ScanEval.summed(n, v);
      } else {
        double[][] in = new double[n.inputs().size()][];
        for (int i = 0; i < in.length; i++) {
          in[i] = v.get(n.input(i));
        }
        out = apply(n, in);
      }
      v.put(n, out);
    }
    return v;
  }

  /** The value of {@code n} given its inputs' values. */
  public static double[] apply(Node n, double[][] in) {
    if (n.op() == Op.SCAN) {
      return ScanEval.forward(n, in);
    }
    if (n.op() == Op.SCAN_BACK) {
      return ScanEval.backward(n, in);
    }
    if (n.ix() != null) {
      return indexNotation(n, in);
    }
    Shape s = n.shape();
    double[] o = new double[s.size()];
    double[] a = in.length > 0 ? in[0] : null;
    double[] b = in.length > 1 ? in[1] : null;
    double c = n.attr();
    switch (n.op()) {
      case CONST -> o[0] = c;
      case DROPOUT_MASK -> java.util.Arrays.fill(o, 1); // evaluation mode: dropout is the identity
      case STOP_GRADIENT, CUSTOM_VJP -> System.arraycopy(a, 0, o, 0, o.length); // their first input's value
      case HOLE -> { } // a custom derivative's incoming gradient: only its substitutes are computed
      case BROADCAST -> java.util.Arrays.fill(o, a[0]);
      case ADD -> each(o, i -> a[i] + b[i]);
      case SUB -> each(o, i -> a[i] - b[i]);
      case MUL -> each(o, i -> a[i] * b[i]);
      case DIV -> each(o, i -> a[i] / b[i]);
      case NEG -> each(o, i -> -a[i]);
      case POW -> each(o, i -> Math.pow(a[i], c));
      case LEAKY_RELU -> each(o, i -> a[i] > 0 ? a[i] : c * a[i]);
      case LEAKY_STEP -> each(o, i -> a[i] > 0 ? 1 : c);
      case MAX2 -> each(o, i -> a[i] >= b[i] ? a[i] : b[i]);
      case MIN2 -> each(o, i -> a[i] <= b[i] ? a[i] : b[i]);
      case GE -> each(o, i -> a[i] >= b[i] ? 1 : 0);
      case DIV_NO_NAN -> each(o, i -> b[i] == 0 ? 0 : a[i] / b[i]);
      case SUM -> o[0] = sum(a);
      case MAX_ALL -> o[0] = a[argMax(a)];
      case MIN_ALL -> o[0] = a[argMin(a)];
      case ARGMAX_MASK -> o[argMax(a)] = 1;
      case ARGMIN_MASK -> o[argMin(a)] = 1;
      case NORM -> {
        double ss = 0;
        for (double x : a) {
          ss += x * x;
        }
        o[0] = Math.sqrt(ss);
      }
      case RESHAPE -> System.arraycopy(a, 0, o, 0, o.length);
      case TRANSPOSE -> {
        int rows = s.rows();
        int cols = s.cols();
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < cols; j++) {
            o[i * cols + j] = a[j * rows + i];
          }
        }
      }
      case MATMUL -> {
        Shape as = n.input(0).shape();
        int m = as.rows();
        int k = as.cols();
        int cols = s.cols();
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < cols; j++) {
            double acc = 0;
            for (int p = 0; p < k; p++) {
              acc += a[i * k + p] * b[p * cols + j];
            }
            o[i * cols + j] = acc;
          }
        }
      }
      case OUTER -> {
        int cols = s.cols();
        for (int i = 0; i < s.rows(); i++) {
          for (int j = 0; j < cols; j++) {
            o[i * cols + j] = a[i] * b[j];
          }
        }
      }
      case SOFTMAX -> softmax(a, o);
      case LOG_SOFTMAX -> {
        double lse = logSumExp(a);
        each(o, i -> a[i] - lse);
      }
      case LOGSUMEXP -> o[0] = logSumExp(a);
      case SOFTMAX_CROSS_ENTROPY -> {
        double lse = logSumExp(a);
        double acc = 0;
        for (int i = 0; i < a.length; i++) {
          acc -= b[i] * (a[i] - lse);
        }
        o[0] = acc;
      }
      case SIGMOID_BINARY_CROSS_ENTROPY -> {
        double acc = 0;
        for (int i = 0; i < a.length; i++) {
          acc += Math.max(a[i], 0) - a[i] * b[i] + Math.log1p(Math.exp(-Math.abs(a[i])));
        }
        o[0] = acc;
      }
      case HINGE -> {
        int hot = argMax(b);
        double acc = 0;
        for (int j = 0; j < a.length; j++) {
          if (j != hot) {
            acc += Math.max(0, a[j] - a[hot] + 1);
          }
        }
        o[0] = acc;
      }
      case HINGE_GRAD -> {
        int hot = argMax(b);
        double count = 0;
        for (int j = 0; j < a.length; j++) {
          if (j != hot && a[j] - a[hot] + 1 > 0) {
            o[j] = 1;
            count++;
          }
        }
        o[hot] = -count;
      }
      default -> {
        // the elementwise functions (sigmoid, exp, ...): their values come from ops.Scalar
        Scalar f = Scalar.of(n.op())
            .orElseThrow(() -> new IllegalArgumentException("the evaluator has no meaning for " + n.op()));
        each(o, i -> f.apply(a[i]));
      }
    }
    return o;
  }

  /** A {@code COMPUTE}, {@code WINNERS} or {@code SCATTER} node, by {@link IxEval}'s loops. */
  private static double[] indexNotation(Node n, double[][] in) {
    List<Tensor> slots = new java.util.ArrayList<>();
    for (int i = 0; i < in.length; i++) {
      slots.add(new Tensor(n.input(i).shape().dims(), in[i]));
    }
    return switch (n.op()) {
      case COMPUTE -> IxEval.evaluate((Comprehension) n.ix(), slots).data();
      case WINNERS -> IxEval.winners((Comprehension) n.ix(), slots, (int) n.attr()).data();
      case SCATTER -> IxEval.scatter((Scatter) n.ix(), slots, n.shape().dims()).data();
      default -> throw new IllegalArgumentException("no index definition in " + n);
    };
  }

  private static void softmax(double[] z, double[] out) {
    double m = z[argMax(z)];
    double total = 0;
    for (int i = 0; i < z.length; i++) {
      out[i] = Math.exp(z[i] - m);
      total += out[i];
    }
    for (int i = 0; i < z.length; i++) {
      out[i] /= total;
    }
  }

  private static double logSumExp(double[] z) {
    double m = z[argMax(z)];
    double total = 0;
    for (double x : z) {
      total += Math.exp(x - m);
    }
    return m + Math.log(total);
  }

  private static double sum(double[] a) {
    double acc = 0;
    for (double x : a) {
      acc += x;
    }
    return acc;
  }

  /** The first index attaining the maximum (the spec's tie rule). */
  static int argMax(double[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) {
      if (a[i] > a[best]) {
        best = i;
      }
    }
    return best;
  }

  static int argMin(double[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) {
      if (a[i] < a[best]) {
        best = i;
      }
    }
    return best;
  }

  private interface IndexFn {
    double at(int i);
  }

  private static void each(double[] o, IndexFn f) {
    for (int i = 0; i < o.length; i++) {
      o[i] = f.at(i);
    }
  }
}
