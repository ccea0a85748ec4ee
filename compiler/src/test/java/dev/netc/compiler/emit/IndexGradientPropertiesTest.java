package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Kinks;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Property tests of the gradients of index notation, with random shapes and values: the library's
 * convolution (stride 1 and 2, padding 0 and 1), pooling, axis ops, softmax family, layer_norm,
 * reshape, flatten, concat and pad, broadcasting up to rank 4, a LeNet-like chain (conv, tanh,
 * max pool, strided conv, flatten, dense, softmax cross-entropy), and user-written definitions
 * (a transposed read, a rank-4 transpose, a sum over an index, a contraction over two, windows
 * and shifted reads bounded by {@code where}, a guard, a strided read, overlapping max windows,
 * a min with an empty range, a mean, nested reductions, a select, a const offset, a scalar).
 * Each example is a small {@code .net} source whose shapes QuickTheories draws (fixed seed); it
 * goes through the front end and reverse mode to the optimized DAG, and then:
 * <ul>
 *   <li>the reference evaluator's gradient of the loss with respect to every param and input
 *       equals central finite differences of the evaluator's loss (testing.GradCheck: step
 *       1e-6 scaled by {@code max(1, |x|)}, in double) to {@code |analytic - numeric| <=}
 *       {@value #FD_TOL}{@code  (1 + |numeric|)}; the largest error seen is printed (about
 *       1e-9: the rounding of the loss divided by the step);</li>
 *   <li>the generated Java class (compiled in-process) computes the same outputs, loss, param
 *       gradients and input gradients as the evaluator, for one example and for a batch of 2 or
 *       3 (against the mean of the evaluator's), to {@value #GEN_REL} of
 *       {@code max(1, |evaluator|)} (both are double; only the order of summation differs);
 *       the float class, on the same values rounded to float, to {@value #FLOAT_REL} of
 *       {@code max(1, largest |evaluator| of the tensor)}.</li>
 * </ul>
 * Values are uniform in [-1, 1]; a tensor that a max or min reduces holds distinct values at
 * least {@code 2/size} apart (far more than the step), so that no tie or kink is crossed, and
 * every point is checked by testing.Kinks. Per property, the examples are first drawn once and
 * compiled in a single javac run; the property itself then runs on the same (seeded) examples,
 * and any example not compiled yet (a shrunk one) is compiled alone.
 */
class IndexGradientPropertiesTest {
  static final double FD_TOL = 1e-6;
  static final double GEN_REL = 1e-10;
  static final double FLOAT_REL = 1e-4;
  static final double POOL_GAP = 1e-4;
  /** Examples per property: 40, or {@code -Dnetc.indexProperties=N} for a longer search. */
  static final int EXAMPLES = Integer.getInteger("netc.indexProperties", 40);
  static final long SEED = 20_261_205L;

  /**
   * A network's source (its name a hash of its body), which tensors need distinct values, the
   * values' seed, and the outputs that a max pooling of window k reads (output name to k): an
   * example where two values of one window are within {@value #POOL_GAP} is skipped.
   */
  record Case(String source, Set<String> distinct, long values, Map<String, Integer> pooled) {
    Case(String source, Set<String> distinct, long values) {
      this(source, distinct, values, Map.of());
    }

    @Override
    public String toString() {
      return "\n" + source + "values seed " + values + (distinct.isEmpty() ? "" : ", distinct: " + distinct);
    }
  }

  /** The optimized DAG and the generated classes (double and float) of one source. */
  record Built(Dag dag, Model model, Model floatModel) {}

  private final Map<String, Built> built = new HashMap<>();
  /** Which kernels the generated classes call (the default class chooses at run time). */
  private KernelChoice kernels = KernelChoice.AUTO;
  /** The largest |evaluator - central difference| / (1 + |central difference|) seen, and the entries checked. */
  private double worst;
  private int entries;
  private int checked;
  private int skipped;

  // ---- the properties

  @Test
  void conv2dGradients() {
    property(in -> {
      int ch = between(in, 1, 3);
      int out = between(in, 1, 4);
      int kh = between(in, 1, 4);
      int kw = between(in, 1, 4);
      int stride = between(in, 1, 2);
      int pad = between(in, 0, 1);
      int h = between(in, Math.max(1, kh - 2 * pad), kh + 4);
      int w = between(in, Math.max(1, kw - 2 * pad), kw + 9);
      int oh = (h + 2 * pad - kh) / stride + 1;
      int ow = (w + 2 * pad - kw) / stride + 1;
      String body = "input x" + dims(ch, h, w) + "\n"
          + "param K" + dims(out, ch, kh, kw) + "\n"
          + "param b" + dims(out, 1, 1) + "\n"
          + "target t" + dims(out, oh, ow) + "\n"
          + "y = conv2d(x, K, stride=" + stride + ", pad=" + pad + ") + b\n"
          + "output y\n"
          + "loss = sum(tanh(y) .* t)\n";
      return new Case(net(body), Set.of(), longs().all().generate(in));
    });
  }

  /**
   * Convolutions with 16 or 17 output channels (a float vector's lanes on AVX-512, and one
   * more) and 4 or 5 input channels, padded or not: with the Vector API the forward pass reads
   * the image in place as {@code B'} (docs/codegen.md, "Direct products"), with more rows than
   * the 6 or 4 of a tile, and the gradient with respect to the image is a full correlation over
   * the output's gradient padded with zeros, 4 or 5 rows of {@code 16 x k x k} terms.
   */
  void manyChannelConvGradients() {
    property(in -> {
      int ch = between(in, 4, 5);
      int out = between(in, 16, 17);
      int k = between(in, 1, 3);
      int pad = between(in, 0, 1);
      int h = between(in, Math.max(1, k - 2 * pad), k + 3);
      int w = between(in, Math.max(1, k - 2 * pad), k + 9);
      int oh = h + 2 * pad - k + 1;
      int ow = w + 2 * pad - k + 1;
      String body = "input x" + dims(ch, h, w) + "\n"
          + "param K" + dims(out, ch, k, k) + "\n"
          + "target t" + dims(out, oh, ow) + "\n"
          + "y = conv2d(x, K, pad=" + pad + ")\n"
          + "output y\n"
          + "loss = sum(tanh(y) .* t)\n";
      return new Case(net(body), Set.of(), longs().all().generate(in));
    }, EXAMPLES / 4);
  }

  /**
   * The convolutions, the LeNet-like chain and the user-written contractions again with every
   * contraction, however small, lowered to a packed matrix product
   * ({@code IndexKernels.contractionMinWork} at 0; by default only those of 4,096 multiply-adds
   * or more are).
   */
  @Test
  void packedContractionGradients() {
    int min = IndexKernels.contractionMinWork;
    IndexKernels.contractionMinWork = 0;
    try {
      conv2dGradients();
      manyChannelConvGradients();
      lenetLikeChainGradients();
      userWrittenDefinitionGradients();
      moreUserWrittenDefinitionGradients();
      interleavedContractionGradients();
      batchedContractionGradients();
    } finally {
      IndexKernels.contractionMinWork = min;
    }
  }

  /**
   * {@link #packedContractionGradients} with {@code --kernels scalar}: the loops of eight terms
   * that a JVM without the Vector API runs (this test JVM has it, so the default class would take
   * the Vector API's side), for the gathered and the scattered products alike.
   */
  /**
   * {@link #packedContractionGradients} with every contraction that may pack {@code B'}
   * transposed doing so ({@code IndexKernels.transposedMinK} at 0; by default only sums of 256
   * terms or more do): the weight gradients of the convolutions, whose runs along the image's
   * rows are longer than the window's, by matmulRows.
   */
  @Test
  void transposedContractionGradients() {
    int min = IndexKernels.transposedMinK;
    IndexKernels.transposedMinK = 0;
    try {
      packedContractionGradients();
    } finally {
      IndexKernels.transposedMinK = min;
    }
  }

  @Test
  void packedContractionGradientsInPlainJava() {
    kernels = KernelChoice.SCALAR;
    packedContractionGradients();
  }

  /**
   * Attention's per-head products: an output index both operands read (the head {@code h}) is a
   * batch of products, one per head, and constant factors ({@code / 3}, {@code * 0.5}) scale
   * each sum: {@code s[h, t, u] = sum(c) q[h, t, c] * k[h, u, c] / 3} and
   * {@code o[h, t, c] = sum(u) p[h, t, u] * v[h, u, c] * 0.5}, a softmax between them (a causal
   * mask's select is a kink to testing.Kinks);
   * the batch index also leads the output or sits between its other axes ({@code w[t, h, c]}).
   */
  @Test
  void batchedContractionGradients() {
    property(in -> {
      int h = between(in, 1, 3);
      int t = between(in, 1, 4);
      int c = between(in, 1, 3);
      String body = "input q" + dims(h, t, c) + ", k" + dims(h, t, c) + ", v" + dims(h, t, c) + "\n"
          + "target y" + dims(h, t, c) + ", z" + dims(t, h, c) + "\n"
          + "s[i, j, l] = sum(m) q[i, j, m] * k[i, l, m] / 3\n"
          + "p = softmax(s, axis=2)\n"
          + "o[i, j, m] = sum(l) p[i, j, l] * v[i, l, m] * 0.5\n"
          + "w[j, i, m] = sum(l) v[i, l, m] * p[i, j, l]\n"
          + "output o, w\n"
          + "loss = sum(tanh(o) .* y) + sum(w .* z)\n";
      return new Case(net(body), Set.of(), longs().all().generate(in));
    });
  }

  /**
   * Contractions whose output axes interleave the two operands' (attention's projections,
   * {@code q[h, t, c] = sum(d) W[h, c, d] * a[t, d]}): the product's rows are (h, c), its
   * column t lands at a stride. The backward pass has more of them (the gradient of q's input).
   */
  @Test
  void interleavedContractionGradients() {
    property(in -> {
      int h = between(in, 1, 3);
      int t = between(in, 1, 4);
      int c = between(in, 1, 3);
      int e = between(in, 1, 4);
      String body = "input a" + dims(t, e) + "\n"
          + "param W" + dims(h, c, e) + "\n"
          + "param V" + dims(e, h, c) + "\n"
          + "target y" + dims(h, t, c) + ", z" + dims(t, e) + "\n"
          + "q[i, j, k] = sum(l) W[i, k, l] * a[j, l]\n"
          + "g = tanh(q)\n"
          + "r[j, l] = sum(i, k) V[l, i, k] * g[i, j, k]\n"
          + "output q, r\n"
          + "loss = sum(q .* y) + sum(tanh(r) .* z)\n";
      return new Case(net(body), Set.of("a"), longs().all().generate(in));
    });
  }

  /**
   * A function of a broadcast read plus a read at the point ({@code f[t, j] = gelu(b[j] + h[t, j])}):
   * {@code b}'s gradient is the sum of {@code h}'s pointwise adjoint, one node shared by both
   * (IndexRules.throughShared); beside it, broadcast reads whose partials differ from the point's
   * ({@code tanh(b[j] * c[t] + h[t, j])}), a guard, and a cheap body, which keep their own sums.
   */
  @Test
  void sharedPointwiseAdjointGradients() {
    String[] fns = {"gelu", "tanh", "sigmoid", "softplus", "exp"};
    property(in -> {
      int t = between(in, 1, 4);
      int j = between(in, 1, 5);
      int e = between(in, 1, 3);
      String fn = fns[between(in, 0, fns.length - 1)];
      String arg = fn.equals("exp") ? "0.3 * (b[k] + h[i, k])" : "b[k] + h[i, k]";
      String body = "input x" + dims(t, e) + "\n"
          + "param W" + dims(j, e) + "\n"
          + "param b" + dims(j) + "\n"
          + "param c" + dims(t) + "\n"
          + "target y" + dims(t, j) + "\n"
          + "h[i, k] = sum(l) W[k, l] * x[i, l]\n"
          + "f[i, k] = " + fn + "(" + arg + ")\n"
          + "g[i, k] = tanh(b[k] * c[i] + h[i, k])\n"
          + "s[i, k] = sigmoid(c[i] + f[i, k]) where i >= 1\n"
          + "u[i, k] = b[k] + f[i, k]\n"
          + "output f\n"
          + "loss = sum(f .* y) + sum(g .* y) + sum(square(s)) + sum(u .* y)\n";
      return new Case(net(body), Set.of("x"), longs().all().generate(in));
    });
  }

  /**
   * Attention's projections, {@code q[h, t, c] = sum(d) Wq[h, c, d] * x[t, d]} and
   * {@code z[t, d] = sum(h, c) Wo[d, h, c] * o[h, t, c]}: their weight gradients are sums over the
   * positions of outer products whose one operand is read in another order ({@code dq[h, t, c]},
   * {@code o[h, t, c]}), which the generated class copies into that order and sums over the batch's
   * positions in one outerAccumulate (Planner.IndexOuter; every size, with the thresholds at 1).
   */
  @Test
  void projectionWeightGradients() {
    int minElements = Planner.vectorMinElements;
    int minLength = Planner.vectorMinLength;
    int ragged = Planner.floatVectorRaggedMinLength;
    Planner.vectorMinElements = 1;
    Planner.vectorMinLength = 1;
    Planner.floatVectorRaggedMinLength = 1;
    try {
      property(in -> {
        int h = between(in, 1, 3);
        int t = between(in, 1, 4);
        int c = between(in, 1, 4);
        int d = between(in, 1, 6);
        String body = "input x" + dims(t, d) + "\n"
            + "param Wq" + dims(h, c, d) + "\n"
            + "param Wo" + dims(d, h, c) + "\n"
            + "target y" + dims(t, d) + "\n"
            + "q[h, t, c] = sum(d) Wq[h, c, d] * x[t, d]\n"
            + "o = tanh(q)\n"
            + "z[t, d] = sum(h, c) Wo[d, h, c] * o[h, t, c]\n"
            + "output z\n"
            + "loss = sum(tanh(z) .* y)\n";
        return new Case(net(body), Set.of("x"), longs().all().generate(in));
      }, EXAMPLES / 2);
    } finally {
      Planner.vectorMinElements = minElements;
      Planner.vectorMinLength = minLength;
      Planner.floatVectorRaggedMinLength = ragged;
    }
  }

  /**
   * A matrix applied at every position of a batch (IndexKernels.positionWise), over one or two
   * position axes: {@code h[i, j, r] = sum(c) W[r, c] * x[i, j, c]} (the runtime's matmulRows) and
   * {@code o[i, j, c] = sum(r) V[r, c] * g[i, j, r]} (matmulCols), whose input gradients are the
   * other kernel, and {@code g[i, j, r] = tanh|sigmoid|gelu(b[r] + h[i, j, r])} (the runtime's
   * activate); with the Vector API module (the default test run) and the Planner's thresholds
   * at 1, every size goes to the Vector API kernels, a JVM without the module runs the loops.
   */
  @Test
  void positionWiseProductGradients() {
    int minElements = Planner.vectorMinElements;
    int minLength = Planner.vectorMinLength;
    int ragged = Planner.floatVectorRaggedMinLength;
    Planner.vectorMinElements = 1;
    Planner.vectorMinLength = 1;
    Planner.floatVectorRaggedMinLength = 1;
    try {
      property(in -> {
        boolean two = between(in, 0, 1) == 1;
        int s = between(in, 1, 3);
        int t = between(in, 1, 4);
        int k = between(in, 1, 20);
        int m = between(in, 1, 20);
        String p = two ? "i, j, " : "j, ";
        int[] lead = two ? new int[] {s, t} : new int[] {t};
        String fn = new String[] {"tanh", "sigmoid", "gelu"}[between(in, 0, 2)];
        String body = "input x" + dims(concat(lead, k)) + "\n"
            + "param W" + dims(m, k) + "\n"
            + "param V" + dims(m, k) + "\n"
            + "param b" + dims(m) + "\n"
            + "target y" + dims(concat(lead, m)) + ", z" + dims(concat(lead, k)) + "\n"
            + "h[" + p + "r] = sum(c) W[r, c] * x[" + p + "c]\n"
            + "g[" + p + "r] = " + fn + "(b[r] + h[" + p + "r])\n"
            + "o[" + p + "c] = sum(r) V[r, c] * g[" + p + "r]\n"
            + "output h, o\n"
            + "loss = sum(g .* y) + sum(tanh(o) .* z)\n";
        return new Case(net(body), Set.of("x"), longs().all().generate(in));
      }, EXAMPLES / 2);
    } finally {
      Planner.vectorMinElements = minElements;
      Planner.vectorMinLength = minLength;
      Planner.floatVectorRaggedMinLength = ragged;
    }
  }

  private static int[] concat(int[] a, int b) {
    int[] r = Arrays.copyOf(a, a.length + 1);
    r[a.length] = b;
    return r;
  }

  @Test
  void poolingGradients() {
    property(in -> {
      int ch = between(in, 1, 3);
      int k = between(in, 2, 3);
      int k2 = between(in, 1, 3);
      int h = between(in, Math.max(k, k2), 9);
      int w = between(in, Math.max(k, k2), 9);
      boolean param = between(in, 0, 1) == 1;
      String body = (param ? "param" : "input") + " x" + dims(ch, h, w) + "\n"
          + "target t" + dims(ch, h / k, w / k) + ", u" + dims(ch, h / k2, w / k2) + "\n"
          + "m = max_pool2d(x, " + k + ")\n"
          + "a = avg_pool2d(x, " + k2 + ")\n"
          + "output m, a\n"
          + "loss = sum(m .* t) + sum(square(a) .* u)\n";
      return new Case(net(body), Set.of("x"), longs().all().generate(in));
    });
  }

  @Test
  void axisReductionGradients() {
    property(in -> {
      int[] d = shape(in);
      int axis = between(in, -d.length, d.length - 1);
      int[] r = without(d, axis < 0 ? axis + d.length : axis);
      boolean param = between(in, 0, 1) == 1;
      String body = (param ? "param" : "input") + " x" + dims(d) + "\n"
          + "target t1" + dims(r) + ", t2" + dims(r) + ", t3" + dims(r) + ", t4" + dims(r) + "\n"
          + "s = sum(x, axis=" + axis + ")\n"
          + "output s\n"
          + "loss = sum(s .* t1) + sum(mean(x, axis=" + axis + ") .* t2) + sum(max(x, axis=" + axis + ") .* t3)"
          + " + sum(min(x, axis=" + axis + ") .* t4)\n";
      return new Case(net(body), Set.of("x"), longs().all().generate(in));
    });
  }

  @Test
  void softmaxFamilyAndLayerNormGradients() {
    property(in -> {
      int[] d = shape(in);
      int axis = between(in, -d.length, d.length - 1);
      int[] r = without(d, axis < 0 ? axis + d.length : axis);
      boolean param = between(in, 0, 1) == 1;
      String eps = List.of("", ", eps=0.1", ", eps=1e-3").get(between(in, 0, 2));
      String body = (param ? "param" : "input") + " x" + dims(d) + "\n"
          + "target t" + dims(d) + ", u" + dims(d) + ", v" + dims(r) + ", w" + dims(d) + "\n"
          + "p = softmax(x, axis=" + axis + ")\n"
          + "n = layer_norm(x" + eps + ")\n"
          + "output p, n\n"
          + "loss = sum(p .* t) + sum(log_softmax(x, axis=" + axis + ") .* u)"
          + " + sum(logsumexp(x, axis=" + axis + ") .* v) + sum(n .* w)\n";
      return new Case(net(body), Set.of(), longs().all().generate(in));
    });
  }

  @Test
  void shapeFunctionGradients() {
    property(in -> {
      int[] d = shape(in);
      int rank = d.length;
      int axis = between(in, -rank, rank - 1);
      int a = axis < 0 ? axis + rank : axis;
      int[] bd = d.clone();
      bd[a] = between(in, 1, 3);
      int[] cd = d.clone();
      cd[a] += bd[a];
      // reshape to the reversed sizes with a 1 put in somewhere (when the rank allows)
      List<Integer> re = new ArrayList<>();
      for (int k = rank - 1; k >= 0; k--) {
        re.add(d[k]);
      }
      if (rank < 4) {
        re.add(between(in, 0, rank), 1);
      }
      int[] pads = new int[rank];
      int[] pd = new int[rank];
      for (int k = 0; k < rank; k++) {
        pads[k] = between(in, 0, 2);
        pd[k] = d[k] + 2 * pads[k];
      }
      int n = between(in, 0, 2);
      int[] qd = bd.clone();
      if (rank >= 2) {
        qd[rank - 1] += 2 * n;
        qd[rank - 2] += 2 * n;
      }
      String body = "param x" + dims(d) + "\n"
          + "input b" + dims(bd) + "\n"
          + "target t1" + dims(re.stream().mapToInt(Integer::intValue).toArray()) + ", t2" + dims(size(d))
          + ", t3" + dims(cd) + ", t4" + dims(pd) + (rank >= 2 ? ", t5" + dims(qd) : "") + "\n"
          + "c = concat(x, b, axis=" + axis + ")\n"
          + "output c\n"
          + "loss = sum(tanh(reshape(x, " + re + ")) .* t1) + sum(square(flatten(x)) .* t2) + sum(sin(c) .* t3)"
          + " + sum(square(pad(x, " + Arrays.toString(pads) + ")) .* t4)"
          + (rank >= 2 ? " + sum(exp(pad(b, " + n + ")) .* t5)" : "") + "\n";
      return new Case(net(body), Set.of(), longs().all().generate(in));
    });
  }

  @Test
  void userWrittenDefinitionGradients() {
    property(in -> {
      int m = between(in, 2, 5);
      int n = between(in, 2, 10);
      int k = between(in, 1, 5);
      int w = between(in, 1, n);
      int s = between(in, 1, 2);
      String body = "input A" + dims(m, k) + ", x" + dims(n) + "\n"
          + "param B" + dims(k, n) + "\n"
          + "target t1" + dims(k, m) + ", t2" + dims(m, n) + ", t3" + dims(n - w + 1) + ", t4" + dims(n - 1)
          + ", t5" + dims(m, n) + ", t6" + dims((n - 1) / s + 1) + ", t7" + dims(m) + ", t8" + dims(m)
          + ", t9" + dims(n, n) + "\n"
          // a transposed read
          + "T[j, i] = A[i, j] * A[i, j] + sin(A[i, j])\n"
          // a sum over an index
          + "P[i, j] = sum(q) A[i, q] * exp(B[q, j])\n"
          // a window: j bounded by where, i by the read x[i + j]
          + "W[i] = sum(j) x[i + j] * tanh(x[i + j] + j) where j < " + w + "\n"
          // a shifted read, bounded by where
          + "D[i] = x[i + 1] * x[i] where i < " + (n - 1) + "\n"
          // a guard (elements where it fails are 0)
          + "C[i, j] = P[i, j] * x[j] where j <= i\n"
          // a strided read
          + "S[i] = cos(x[" + s + "*i]) * B[0, " + s + "*i]\n"
          // a max over an index
          + "M[i] = max(j) A[i, j] + 1\n"
          // nested reductions, the inner one using the outer index as a number
          + "N[i] = mean(p) x[p] * (min(q) A[i, q] - p)\n"
          // a select on indices: only the chosen branch is read and gets gradient
          + "R[i, j] = select(i < j, x[i] * x[j], 0.5)\n"
          + "output T, P\n"
          + "loss = sum(T .* t1) + sum(P .* t2) + sum(W .* t3) + sum(D .* t4) + sum(C .* t5) + sum(S .* t6)"
          + " + sum(M .* t7) + sum(N .* t8) + sum(R .* t9)\n";
      return new Case(net(body), Set.of("A"), longs().all().generate(in));
    });
  }

  @Test
  void moreUserWrittenDefinitionGradients() {
    property(in -> {
      int[] d = new int[4];
      for (int k = 0; k < 4; k++) {
        d[k] = between(in, 1, 3);
      }
      int n = between(in, 2, 8);
      int w = between(in, 1, Math.min(3, n));
      int c = between(in, 0, n - 1);
      String body = "const c = " + c + "\n"
          + "input X" + dims(d) + ", x" + dims(n) + "\n"
          + "param s\n"
          + "param K" + dims(d[3], d[2]) + "\n"
          + "target t1" + dims(d[3], d[2], d[1], d[0]) + ", t2" + dims(n - w + 1) + ", t3" + dims(n) + ", t4" + dims(n - w + 1)
          + ", t5" + dims(d[0], d[1], d[3]) + ", t6" + dims(n - c) + ", t7" + dims(n + c) + ", t8" + dims(n - w + 1) + "\n"
          // (inputs X and x: their gradient parameters were both gradX, which javac rejected, before 863b8e1)
          // a rank-4 transpose, a scalar read by its name, indices used as numbers
          + "Q[a, b, e, f] = X[f, e, b, a] * s + sin(a / 3 + f)\n"
          // overlapping max windows: a value may win several windows
          + "O[i] = max(j) x[i + j] where j < " + w + "\n"
          // a min whose guard leaves the last element no point at all (0 there)
          + "E[i] = min(j) x[j] + s * x[i] where j > i\n"
          // a mean over a window
          + "F[i] = mean(j) exp(x[i + j] * s) where j < " + w + "\n"
          // a contraction of a rank-4 input with a param over two indices
          + "G[a, b, f] = sum(e) X[a, b, e, f] * K[f, e]\n"
          // a read shifted by a const
          + "H[i] = x[i + c] - s\n"
          // a read shifted back, in bounds only where its guard holds (0 elsewhere; i runs to n + c - 1)
          + "L[i] = exp(x[i - c] * s) where i >= c\n"
          // the same for a reduced index: j from 1, i + j - 1 in bounds
          + "U[i] = sum(j) x[i + j - 1] * x[i + j - 1] where j > 0, j < " + (w + 1) + "\n"
          + "output Q, G\n"
          + "loss = sum(Q .* t1) + sum(O .* t2) + sum(E .* t3) + sum(F .* t4) + sum(tanh(G) .* t5) + sum(square(H) .* t6)"
          + " + sum(L .* t7) + sum(U .* t8)\n";
      return new Case(net(body), Set.of("X", "x", "s"), longs().all().generate(in));
    });
  }

  @Test
  void lenetLikeChainGradients() {
    property(in -> {
      int ch = between(in, 1, 2);
      int o1 = between(in, 2, 3);
      int o2 = between(in, 1, 3);
      int k1 = between(in, 2, 3);
      int k2 = between(in, 1, 3);
      int pad = between(in, 0, 1);
      int s2 = between(in, 1, 2);
      int least = 2 * k2 + k1 - 1 - 2 * pad;
      int h = between(in, least, least + 5);
      int w = between(in, least, least + 5);
      int ph = (h + 2 * pad - k1 + 1) / 2;
      int pw = (w + 2 * pad - k1 + 1) / 2;
      int n = o2 * ((ph - k2) / s2 + 1) * ((pw - k2) / s2 + 1);
      String body = "input x" + dims(ch, h, w) + "\n"
          + "param K1" + dims(o1, ch, k1, k1) + "\n"
          + "param b1" + dims(o1, 1, 1) + "\n"
          + "param K2" + dims(o2, o1, k2, k2) + "\n"
          + "param W" + dims(4, n) + "\n"
          + "param b" + dims(4) + "\n"
          + "target y" + dims(4) + "\n"
          + "h1 = tanh(conv2d(x, K1, pad=" + pad + ") + b1)\n"
          + "h2 = tanh(conv2d(max_pool2d(h1, 2), K2, stride=" + s2 + "))\n"
          + "z = W * flatten(h2) + b\n"
          + "output h1, z\n"
          + "loss = softmax_cross_entropy(z, y)\n";
      return new Case(net(body), Set.of(), longs().all().generate(in), Map.of("h1", 2));
    }, EXAMPLES / 2);
  }

  @Test
  void broadcastGradients() {
    property(in -> {
      int[] r = shape(in);
      int[] a = r.clone();
      int[] b = r.clone();
      for (int k = 0; k < r.length; k++) {
        switch (between(in, 0, 2)) {
          case 0 -> a[k] = 1;
          case 1 -> b[k] = 1;
          default -> { }
        }
      }
      int drop = between(in, 0, r.length - 1);
      boolean swap = between(in, 0, 1) == 1;
      int[] bs = Arrays.copyOfRange(b, drop, b.length);
      for (int k = 0; k < drop; k++) {
        r[k] = a[k];
      }
      String body = "input x" + dims(swap ? bs : a) + "\n"
          + "param y" + dims(swap ? a : bs) + "\n"
          + "target t" + dims(r) + ", u" + dims(r) + "\n"
          + "loss = sum((x .* y + x / (square(y) + 1) - y) .* t) + sum(max(x, y) .* u) + sum(min(y, x) .* square(u))\n";
      return new Case(net(body), Set.of("x", "y"), longs().all().generate(in));
    });
  }

  // ---- the check

  private void property(Gen<Case> gen) {
    property(gen, EXAMPLES);
  }

  /** Draws the examples once, compiles them in one javac run, then runs the property on them. */
  private void property(Gen<Case> gen, int examples) {
    List<Case> cases = new ArrayList<>();
    qt().withExamples(examples).withFixedSeed(SEED).forAll(gen).checkAssert(cases::add);
    build(cases);
    qt().withExamples(examples).withFixedSeed(SEED).withShrinkCycles(30).forAll(gen).checkAssert(this::check);
    System.out.printf("%d networks, %d examples checked, %d skipped (a near tie in a pooling window), %d gradient entries,"
        + " largest finite-difference error %.2g (of 1 + |numeric|)%n", built.size(), checked, skipped, entries, worst);
    assertTrue(skipped * 10 <= checked + skipped, "too many skipped: " + skipped);
  }

  private void build(List<Case> cases) {
    Map<String, Dag> dags = new LinkedHashMap<>();
    List<Emitter.GeneratedFile> files = new ArrayList<>();
    List<Emitter.GeneratedFile> floatFiles = new ArrayList<>();
    for (Case k : cases) {
      if (built.containsKey(k.source()) || dags.containsKey(k.source())) {
        continue;
      }
      Compilation c = Compilation.of(List.of(new SourceFile("test.net", k.source())), "");
      assertTrue(!c.hasErrors(), () -> "does not compile:" + k + c.diagnostics().all());
      Dag dag = c.dags().get(0);
      dags.put(k.source(), dag);
      files.add(Emitter.emit(dag, false, kernels, "test.net"));
      floatFiles.add(Emitter.emit(dag, true, kernels, "test.net"));
    }
    if (files.isEmpty()) {
      return;
    }
    InMemoryCompiler.Compiled compiled = Codegen.javac(files);
    InMemoryCompiler.Compiled floatCompiled = Codegen.javac(floatFiles);
    int f = 0;
    for (Map.Entry<String, Dag> e : dags.entrySet()) {
      String name = files.get(f++).qualifiedName();
      built.put(e.getKey(), new Built(e.getValue(), Codegen.newModel(compiled, name, 0), Codegen.newModel(floatCompiled, name, 0)));
    }
  }

  private void check(Case k) {
    if (!built.containsKey(k.source())) {
      build(List.of(k));
    }
    Built b = built.get(k.source());
    Dag dag = b.dag();
    Model m = b.model();
    Map<String, double[]> v = values(k, m);
    assertTrue(Kinks.safe(dag, v, 1e-3), () -> "near a kink: " + Kinks.unsafeNode(dag, v, 1e-3) + k);
    Set<String> differentiated = new LinkedHashSet<>(dag.paramGradients().keySet());
    differentiated.addAll(dag.inputGradients().keySet());
    Set<String> all = new LinkedHashSet<>();
    m.params().forEach(t -> all.add(t.name()));
    m.inputs().forEach(t -> all.add(t.name()));
    assertEquals(all, differentiated, "a gradient for every param and input" + k);
    if (nearTie(dag, v, k)) {
      skipped++;
      return;
    }
    checked++;

    // 1. the evaluator's gradients against central differences of its loss
    Map<Node, double[]> want = Eval.run(dag.nodes(), v);
    List<Node> lossNodes = Dag.closure(dag.nodes(), List.of(dag.loss()));
    for (String name : all) {
      Node gn = dag.paramGradients().containsKey(name) ? dag.paramGradients().get(name) : dag.inputGradients().get(name);
      double[] symbolic = want.get(gn);
      for (int i = 0; i < symbolic.length; i++) {
        double numeric = GradCheck.numericPartial(lossNodes, dag.loss(), v, name, i);
        double err = Math.abs(symbolic[i] - numeric) / (1 + Math.abs(numeric));
        worst = Math.max(worst, err);
        entries++;
        if (!(err <= FD_TOL)) {
          throw new AssertionError("d loss / d " + name + "[" + i + "]: evaluator " + symbolic[i] + ", central difference "
              + numeric + k);
        }
      }
    }

    // 2. the generated classes against the evaluator, one example and a batch
    agrees(dag, b.model(), v, false, k);
    agrees(dag, b.floatModel(), v, true, k);
  }

  /**
   * The generated class's outputs, loss, param and input gradients against the evaluator's on
   * {@code v} (rounded to float for float code), then its batched loss and param gradients on a
   * batch of 2 or 3 examples (the same params) against the mean of the evaluator's.
   */
  private static void agrees(Dag dag, Model m, Map<String, double[]> values, boolean isFloat, Case k) {
    String code = isFloat ? " (float code)" : "";
    Map<String, double[]> v = isFloat ? rounded(values) : values;
    for (int i = 0; i < m.params().size(); i++) {
      double[] p = v.get(m.params().get(i).name());
      Object data = m.paramData(i);
      for (int j = 0; j < p.length; j++) {
        if (data instanceof double[] d) {
          d[j] = p[j];
        } else {
          ((float[]) data)[j] = (float) p[j];
        }
      }
    }
    Map<Node, double[]> want = Eval.run(dag.nodes(), v);
    double[][] in = arrays(m.inputs(), v);
    double[][] tg = arrays(m.targets(), v);
    double[][] out = new double[m.outputs().size()][];
    for (int o = 0; o < out.length; o++) {
      out[o] = new double[m.outputs().get(o).size()];
    }
    m.predictBatch(1, in, out);
    for (int o = 0; o < out.length; o++) {
      String name = m.outputs().get(o).name();
      close(want.get(dag.outputs().get(name)), out[o], isFloat, "output " + name + code, k);
    }
    double loss = want.get(dag.loss())[0];
    Gradient g = m.newGradient();
    close(new double[] {loss}, new double[] {m.lossAndGradientBatch(1, in, tg, g)}, isFloat, "loss" + code, k);
    for (int i = 0; i < m.params().size(); i++) {
      String name = m.params().get(i).name();
      close(want.get(dag.paramGradients().get(name)), toDouble(g.data(i)), isFloat, "d loss / d " + name + code, k);
    }
    double[][] ig = new double[m.inputs().size()][];
    for (int i = 0; i < ig.length; i++) {
      ig[i] = new double[m.inputs().get(i).size()];
      Arrays.fill(ig[i], Double.NaN);
    }
    close(new double[] {loss}, new double[] {m.inputGradient(in, tg, ig)}, isFloat, "loss of inputGradient" + code, k);
    for (int i = 0; i < ig.length; i++) {
      String name = m.inputs().get(i).name();
      close(want.get(dag.inputGradients().get(name)), ig[i], isFloat, "d loss / d " + name + code, k);
    }

    int batch = 2 + (int) (k.values() & 1);
    double meanLoss = 0;
    double[][] meanGrad = new double[m.params().size()][];
    List<Map<String, double[]>> examples = new ArrayList<>();
    for (int e = 0; e < batch; e++) {
      Map<String, double[]> ve = e == 0 ? v : values(new Case(k.source(), k.distinct(), k.values() + e), m);
      ve = isFloat ? rounded(ve) : ve;
      for (TensorInfo p : m.params()) {
        ve.put(p.name(), v.get(p.name()));
      }
      examples.add(ve);
      Map<Node, double[]> we = e == 0 ? want : Eval.run(dag.nodes(), ve);
      meanLoss += we.get(dag.loss())[0] / batch;
      for (int i = 0; i < meanGrad.length; i++) {
        double[] gi = we.get(dag.paramGradients().get(m.params().get(i).name()));
        meanGrad[i] = meanGrad[i] == null ? new double[gi.length] : meanGrad[i];
        for (int j = 0; j < gi.length; j++) {
          meanGrad[i][j] += gi[j] / batch;
        }
      }
    }
    double[][] bin = new double[m.inputs().size()][];
    double[][] btg = new double[m.targets().size()][];
    for (int i = 0; i < bin.length; i++) {
      bin[i] = concat(examples, m.inputs().get(i).name());
    }
    for (int t = 0; t < btg.length; t++) {
      btg[t] = concat(examples, m.targets().get(t).name());
    }
    Gradient bg = m.newGradient();
    close(new double[] {meanLoss}, new double[] {m.lossAndGradientBatch(batch, bin, btg, bg)}, isFloat,
        "batch " + batch + " loss" + code, k);
    for (int i = 0; i < meanGrad.length; i++) {
      close(meanGrad[i], toDouble(bg.data(i)), isFloat, "batch " + batch + " d loss / d " + m.params().get(i).name() + code, k);
    }
  }

  private static Map<String, double[]> rounded(Map<String, double[]> v) {
    Map<String, double[]> r = new HashMap<>();
    v.forEach((name, a) -> {
      double[] b = new double[a.length];
      for (int i = 0; i < a.length; i++) {
        b[i] = (float) a[i];
      }
      r.put(name, b);
    });
    return r;
  }

  private static double[] toDouble(Object a) {
    if (a instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) a;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static double[] concat(List<Map<String, double[]>> examples, String name) {
    int n = examples.get(0).get(name).length;
    double[] a = new double[n * examples.size()];
    for (int e = 0; e < examples.size(); e++) {
      System.arraycopy(examples.get(e).get(name), 0, a, e * n, n);
    }
    return a;
  }

  /**
   * Double code: each entry to {@value #GEN_REL} of {@code max(1, |want|)}. Float code: to
   * {@value #FLOAT_REL} of {@code max(1, largest |want| of the tensor)}.
   */
  private static void close(double[] want, double[] got, boolean isFloat, String what, Case k) {
    assertEquals(want.length, got.length, what + k);
    double largest = 0;
    for (double w : want) {
      largest = Math.max(largest, Math.abs(w));
    }
    for (int i = 0; i < want.length; i++) {
      double tol = isFloat ? FLOAT_REL * Math.max(1, largest) : GEN_REL * Math.max(1, Math.abs(want[i]));
      if (!(Math.abs(want[i] - got[i]) <= tol)) {
        throw new AssertionError(what + "[" + i + "]: evaluator " + want[i] + ", generated " + got[i] + k);
      }
    }
  }

  /** Whether two values of a window of a max pooling in {@code k.pooled()} are within {@value #POOL_GAP}. */
  private static boolean nearTie(Dag dag, Map<String, double[]> v, Case k) {
    if (k.pooled().isEmpty()) {
      return false;
    }
    Map<Node, double[]> values = Eval.run(dag.nodes(), v);
    for (Map.Entry<String, Integer> e : k.pooled().entrySet()) {
      Node n = dag.outputs().get(e.getKey());
      double[] a = values.get(n);
      int[] d = n.shape().dims();
      int w = e.getValue();
      for (int c = 0; c < d[0]; c++) {
        for (int r = 0; r + w <= d[1]; r += w) {
          for (int q = 0; q + w <= d[2]; q += w) {
            List<Double> window = new ArrayList<>();
            for (int i = 0; i < w * w; i++) {
              window.add(a[(c * d[1] + r + i / w) * d[2] + q + i % w]);
            }
            Collections.sort(window);
            if (window.get(w * w - 1) - window.get(w * w - 2) < POOL_GAP) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /**
   * Uniform values in [-1, 1]; the tensors of {@code k.distinct()} share a shuffled even grid of
   * [-1, 1), so that no two of their values are closer than 2 / (their total size).
   */
  private static Map<String, double[]> values(Case k, Model m) {
    Random rnd = new Random(k.values());
    Map<String, double[]> v = new HashMap<>();
    int total = 0;
    for (List<TensorInfo> group : List.of(m.inputs(), m.params(), m.targets())) {
      for (TensorInfo t : group) {
        total += k.distinct().contains(t.name()) ? t.size() : 0;
      }
    }
    List<Double> grid = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      grid.add(-1 + 2.0 * i / total);
    }
    Collections.shuffle(grid, rnd);
    for (List<TensorInfo> group : List.of(m.inputs(), m.params(), m.targets())) {
      for (TensorInfo t : group) {
        double[] a = new double[t.size()];
        if (k.distinct().contains(t.name())) {
          for (int i = 0; i < a.length; i++) {
            a[i] = grid.remove(grid.size() - 1);
          }
        } else {
          for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextDouble() * 2 - 1;
          }
        }
        v.put(t.name(), a);
      }
    }
    return v;
  }

  private static double[][] arrays(List<TensorInfo> infos, Map<String, double[]> v) {
    double[][] a = new double[infos.size()][];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(infos.get(i).name());
    }
    return a;
  }

  // ---- drawing shapes

  private static int between(RandomnessSource in, int lo, int hi) {
    return integers().between(lo, hi).generate(in);
  }

  /** A shape of rank 1 to 4, sizes 1 to 5, at most 80 elements. */
  private static int[] shape(RandomnessSource in) {
    int rank = between(in, 1, 4);
    int[] d = new int[rank];
    int left = 80;
    for (int k = 0; k < rank; k++) {
      d[k] = between(in, 1, Math.max(1, Math.min(5, left / (1 << (rank - k - 1)))));
      left /= d[k];
    }
    return d;
  }

  private static int[] without(int[] d, int axis) {
    int[] r = new int[d.length - 1];
    for (int k = 0, j = 0; k < d.length; k++) {
      if (k != axis) {
        r[j++] = d[k];
      }
    }
    return r;
  }

  private static int size(int[] d) {
    int n = 1;
    for (int x : d) {
      n *= x;
    }
    return n;
  }

  /** {@code [a, b, c]}, or nothing for a scalar. */
  private static String dims(int... d) {
    if (d.length == 0) {
      return "";
    }
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (int x : d) {
      j.add(Integer.toString(x));
    }
    return j.toString();
  }

  /** A network named after a hash of its body, so that equal bodies share a class and different ones do not clash. */
  private static String net(String body) {
    return "network P" + Integer.toHexString(body.hashCode()) + " {\n" + body.indent(4) + "}\n";
  }
}
