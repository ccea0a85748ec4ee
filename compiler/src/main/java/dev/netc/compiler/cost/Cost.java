package dev.netc.compiler.cost;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.model.Op;

/**
 * What one DAG node costs in floating-point operations (FLOPs), counted statically from its op
 * and shapes. The rules (docs/tools.md, "Cost report", states them for users):
 *
 * <ul>
 *   <li>a matrix product {@code [m, k] * [k, n]}: {@code 2 m k n} (a multiply-add is 2 FLOPs);
 *   <li>an elementwise op: 1 FLOP per output element, transcendentals ({@code exp}, {@code tanh},
 *       {@code sigmoid}, ...) and comparisons ({@code relu}, {@code max}) included;
 *   <li>a reduction ({@code sum}, max over all elements): 1 per input element; {@code dot} and
 *       {@code norm} 2 per element (and 1 for norm's square root); {@code outer} 1 per element;
 *   <li>the fused ops count the elementary operations of their definition in {@code graph.Eval}:
 *       {@code logsumexp} of n values {@code 4n + 2} (max, subtract, exp, add; log, add),
 *       {@code softmax} {@code 5n}, {@code log_softmax} {@code 5n + 2},
 *       {@code softmax_cross_entropy} {@code 7n + 2}, {@code sigmoid_binary_cross_entropy}
 *       {@code 8n}, {@code hinge} {@code 5n} and its derivative {@code 4n};
 *   <li>an index definition ({@code COMPUTE}, {@code WINNERS}): the scalar ops of its body, plus 1
 *       for the reducer's accumulation when it reduces, times the iteration count (the product of
 *       the ranges of its output and reduced indices); a {@code SCATTER} likewise over its domain;
 *       index arithmetic, guards and reads are free;
 *   <li>a recurrence ({@code SCAN}, {@code SCAN_BACK}): its body's FLOPs times the number of steps;
 *   <li>data movement is free: leaves, constants, broadcasts, transposes, reshapes, dropout masks.
 * </ul>
 */
public final class Cost {
  private Cost() {}

  /** The FLOPs of computing {@code n} once: for one example when it depends on one. */
  public static long flops(Node n) {
    long size = n.shape().size();
    long in = n.inputs().isEmpty() ? 0 : n.input(0).shape().size();
    return switch (n.op()) {
      case CONST, INPUT, TARGET, PARAM, BROADCAST, TRANSPOSE, RESHAPE, DROPOUT_MASK, STOP_GRADIENT, CUSTOM_VJP, HOLE, GRAD -> 0;
      case ADD, SUB, MUL, DIV, NEG, POW, SIGMOID, TANH, RELU, SOFTPLUS, EXP, LOG, SQRT, ABS, SQUARE, SIN, COS,
          LEAKY_RELU, STEP, SIGN, MAX2, MIN2, GE, LEAKY_STEP, DIV_NO_NAN, DROPOUT -> size;
      case MATMUL -> 2 * size * n.input(0).shape().cols();
      case OUTER -> size;
      case SUM, MAX_ALL, MIN_ALL, ARGMAX_MASK, ARGMIN_MASK, MAX, MIN -> in;
      case MEAN -> in + 1;
      case DOT, L2 -> 2 * in;
      case NORM -> 2 * in + 1;
      case LOGSUMEXP -> 4 * in + 2;
      case SOFTMAX -> 5 * in;
      case LOG_SOFTMAX -> 5 * in + 2;
      case SOFTMAX_CROSS_ENTROPY, CROSS_ENTROPY -> 7 * in + 2;
      case SIGMOID_BINARY_CROSS_ENTROPY, BINARY_CROSS_ENTROPY -> 8 * in;
      case MSE -> 3 * in;
      case HINGE -> 5 * in;
      case HINGE_GRAD -> 4 * in;
      case COMPUTE, WINNERS -> comprehension((Comprehension) n.ix());
      case SCATTER -> scatter((Scatter) n.ix());
      case SCAN, SCAN_BACK -> scan((dev.netc.compiler.graph.ix.ScanBody) n.ix());
      case STEP_IN, SCAN_GRAD -> 0;
    };
  }

  /** A recurrence: its body's FLOPs (those its outputs need) times the number of steps. */
  public static long scan(dev.netc.compiler.graph.ix.ScanBody b) {
    long perStep = 0;
    for (Node n : dev.netc.compiler.graph.Dag.closure(b.nodes(), b.outputs())) {
      perStep += flops(n);
    }
    return perStep * b.steps();
  }

  /** An index definition: (body ops + 1 if it reduces) times the iteration count. */
  public static long comprehension(Comprehension c) {
    long perPoint = ops(c.body()) + (c.reducer() == Comprehension.Reducer.NONE ? 0 : 1);
    return perPoint * iterations(c.domain());
  }

  /** An accumulation {@code out[target] += value}: (value ops + 1) per point of its domain. */
  public static long scatter(Scatter s) {
    return (ops(s.value()) + 1) * iterations(s.domain());
  }

  /** The product of the ranges of {@code dims}. */
  static long iterations(java.util.List<Comprehension.Dim> dims) {
    long n = 1;
    for (Comprehension.Dim d : dims) {
      n *= d.extent();
    }
    return n;
  }

  /**
   * The scalar ops of a body: 1 per applied op, 1 per comparison of values, and the dearer branch
   * of a select; reads, constants and index values are free.
   */
  public static long ops(IExpr e) {
    if (e instanceof IExpr.Apply a) {
      return 1 + a.args().stream().mapToLong(Cost::ops).sum();
    }
    if (e instanceof IExpr.Select s) {
      return ops(s.cond()) + Math.max(ops(s.then()), ops(s.otherwise()));
    }
    return 0; // a read, a constant, an index value
  }

  private static long ops(Cond c) {
    return c instanceof Cond.OnValues v ? 1 + ops(v.left()) + ops(v.right()) : 0;
  }
}
