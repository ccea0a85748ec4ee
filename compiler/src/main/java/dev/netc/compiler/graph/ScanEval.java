package dev.netc.compiler.graph;

import dev.netc.compiler.graph.ix.ScanBody;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference meaning of {@code SCAN} (run the body once per step, t = 0 .. T - 1) and of
 * {@code SCAN_BACK} (run the reverse body once per step, t = T - 1 .. 0, from the states the
 * SCAN saved and the forward intermediates it reads, computed again from them): plain loops over {@link Eval#run}, the oracle the generated loops are checked against.
 */
final class ScanEval {
  private ScanEval() {}

  /** The leaves of step {@code t}: each slot's value, read from the inputs and the saved states. */
  private static Map<String, double[]> slots(ScanBody b, double[][] args, double[] states, int t) {
    Map<String, double[]> leaves = new HashMap<>();
    int width = b.stateWidth();
    for (int k = 0; k < b.slots().size(); k++) {
      ScanBody.Slot s = b.slots().get(k);
      int n = s.shape().size();
      double[] v = new double[n];
      switch (s.kind()) {
        case STATE -> System.arraycopy(states, t * width + b.stateOffset(k), v, 0, n);
        case SLICE -> System.arraycopy(args[s.arg()], t * n, v, 0, n);
        case WHOLE -> System.arraycopy(args[s.arg()], 0, v, 0, n);
        default -> throw new IllegalStateException();
      }
      leaves.put(ScanBody.slotName(k), v);
    }
    return leaves;
  }

  static double[] forward(Node n, double[][] in) {
    ScanBody b = (ScanBody) n.ix();
    double[] out = new double[b.valueSize()];
    int width = b.stateWidth();
    for (int i = 0; i < b.stateCount(); i++) {
      System.arraycopy(in[i], 0, out, b.stateOffset(i), b.stateSize(i));
    }
    List<Node> outputs = b.outputs();
    for (int t = 0; t < b.steps(); t++) {
      Map<Node, double[]> v = Eval.run(Dag.closure(b.nodes(), outputs), slots(b, in, out, t));
      for (int i = 0; i < b.stateCount(); i++) {
        System.arraycopy(v.get(b.newStates().get(i)), 0, out, (t + 1) * width + b.stateOffset(i), b.stateSize(i));
      }
      for (int r = 0; r < b.rows().size(); r++) {
        System.arraycopy(v.get(b.rows().get(r)), 0, out, b.rowsStart() + t * b.rowWidth() + b.rowOffset(r), b.rowSize(r));
      }
    }
    return out;
  }

  /** {@code in}: the SCAN's value, the adjoint of that value, then the SCAN's inputs. */
  static double[] backward(Node n, double[][] in) {
    return backward((ScanBody) n.ix(), in, new double[in.length - 2][]);
  }

  /** A SCAN_GRAD's value: its SCAN_BACK's loop run again, the summed adjoint of input {@code n.attr()}. */
  static double[] summed(Node n, Map<Node, double[]> values) {
    Node back = n.input(0);
    double[][] in = new double[back.inputs().size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = values.get(back.input(i));
    }
    double[][] sums = new double[in.length - 2][];
    backward((ScanBody) back.ix(), in, sums);
    int arg = (int) n.attr();
    return sums[arg] != null ? sums[arg] : new double[n.shape().size()];
  }

  /** The SCAN_BACK value; each summed input's adjoint into {@code sums}. */
  private static double[] backward(ScanBody b, double[][] in, double[][] sums) {
    double[] states = in[0];
    double[] g = in[1];
    double[][] args = java.util.Arrays.copyOfRange(in, 2, in.length);
    double[] out = new double[b.adjointSize()];
    double[][] carried = new double[b.stateCount()][];
    for (int i = 0; i < carried.length; i++) {
      carried[i] = new double[b.stateSize(i)];
    }
    List<Node> outputs = b.outputs();
    List<Node> needed = Dag.closure(b.nodes(), outputs);
    List<Node> saved = b.saved().stream().filter(java.util.Objects::nonNull).toList();
    List<Node> forwardNeeded = Dag.closure(b.forward().nodes(), saved);
    for (int t = b.steps() - 1; t >= 0; t--) {
      Map<String, double[]> leaves = slots(b, args, states, t);
      // the forward intermediates the reverse body reads: the step run again (the generated code keeps them)
      Map<Node, double[]> step = saved.isEmpty() ? Map.of() : Eval.run(forwardNeeded, leaves);
      for (int j = 0; j < b.saved().size(); j++) {
        if (b.saved().get(j) != null) {
          leaves.put(ScanBody.savedName(j), step.get(b.saved().get(j)));
        }
      }
      for (int i = 0; i < carried.length; i++) {
        leaves.put(ScanBody.stateAdjointName(i), carried[i].clone());
      }
      for (int r = 0; r < b.rows().size(); r++) {
        double[] dr = new double[b.rowSize(r)];
        System.arraycopy(g, b.rowsStart() + t * b.rowWidth() + b.rowOffset(r), dr, 0, dr.length);
        leaves.put(ScanBody.rowAdjointName(r), dr);
      }
      Map<Node, double[]> v = Eval.run(needed, leaves);
      for (int k = 0; k < b.slots().size(); k++) {
        ScanBody.Slot s = b.slots().get(k);
        Node a = b.adjoints().get(k);
        double[] d = a == null ? null : v.get(a);
        if (s.kind() == ScanBody.Kind.STATE) {
          carried[k] = d == null ? new double[s.shape().size()] : d.clone();
          continue;
        }
        if (d == null) {
          continue;
        }
        if (b.isSummed(s.arg())) {
          double[] sum = sums[s.arg()] == null ? sums[s.arg()] = new double[d.length] : sums[s.arg()];
          for (int j = 0; j < d.length; j++) {
            sum[j] += d[j];
          }
          continue;
        }
        int at = b.argOffset(s.arg()) + (s.kind() == ScanBody.Kind.SLICE ? t * d.length : 0);
        for (int j = 0; j < d.length; j++) {
          out[at + j] += d[j];
        }
      }
    }
    for (int i = 0; i < carried.length; i++) {
      int at = b.argOffset(b.slots().get(i).arg());
      for (int j = 0; j < carried[i].length; j++) {
        out[at + j] += carried[i][j];
      }
    }
    return out;
  }
}
