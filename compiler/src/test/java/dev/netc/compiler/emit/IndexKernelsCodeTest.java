package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shape of the loops IndexKernels prints (their values: IndexGradientPropertiesTest). */
class IndexKernelsCodeTest {
  /**
   * A row that sums three reads along the last axis (a residual connection, {@code x[t, d] + b[d]
   * + y[t, d]}) is computed in double and rounded once, through the generated class: rows of 40
   * and of 5, cancellation, overflow, NaN, infinities and signed zeros. Here {@code b} is an input,
   * batched, so it stays the generated loop. (With a param for a bias, the Vector API build takes
   * {@code activateResidual} instead, in float: KernelDispatchTest. A runtime kernel in double for
   * it, WideKernels.sumRuns, dropped, widened with the Vector API's conversions, which C2 on JDK 17
   * left unintrinsified inside the transformer's compiled {@code lossAndGradient}, allocating 1 MB
   * per step: docs/performance.md.)
   */
  @Test
  void aRowSummingThreeRunsIsTheLoopInDoubleRoundedOnce() {
    String src = "network R {\n input x[3, 40], y[3, 40], b[40], u[3, 5], v[3, 5], w[3, 5]\n"
        + " s[t, d] = x[t, d] + b[d] + y[t, d]\n r[t, d] = u[t, d] + v[t, d] + w[t, d]\n"
        + " q[t, d] = x[t, d] + y[t, d]\n output s, r, q\n}\n";
    String java = Codegen.generate("r.net", src, true).get(0).content();
    assertTrue(!java.contains("sumRuns") && java.contains("(double) x["), java);
    dev.netc.runtime.Model model = Codegen.model(src, true, 1L);
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
        -Float.MAX_VALUE, 1.0e-30f, 1f, -1f};
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    int batch = 16;
    double[][] in = {new double[batch * 120], new double[batch * 120], new double[batch * 40], new double[batch * 15],
        new double[batch * 15], new double[batch * 15]};
    for (double[] v : in) {
      for (int i = 0; i < v.length; i++) {
        v[i] = rnd.nextInt(5) == 0 ? special[rnd.nextInt(special.length)]
            : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
      }
    }
    double[][] out = {new double[batch * 120], new double[batch * 15], new double[batch * 120]};
    model.predictBatch(batch, in, out);
    for (int i = 0; i < batch * 120; i++) {
      float s = (float) ((in[0][i] + in[2][i / 120 * 40 + i % 40]) + in[1][i]);
      assertTrue(Float.floatToIntBits(s) == Float.floatToIntBits((float) out[0][i]), "s at " + i + ": " + out[0][i] + " but " + s);
    }
    for (int i = 0; i < batch * 15; i++) {
      float r = (float) ((in[3][i] + in[4][i]) + in[5][i]);
      assertTrue(Float.floatToIntBits(r) == Float.floatToIntBits((float) out[1][i]), "r at " + i + ": " + out[1][i] + " but " + r);
    }
  }

  /** Each {@code compute...} method of a generated class, with its body. */
  static Matcher methods(String source) {
    return Pattern.compile("private void (compute\\w+)\\(int batch\\) \\{(.*?)\\n    }\\n", Pattern.DOTALL).matcher(source);
  }

  static int count(String text, String what) {
    int n = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
      n++;
    }
    return n;
  }

  /**
   * A division by a power of two (attention's {@code / 4}) is printed as a multiplication by its
   * reciprocal, which rounds to the same double; other divisors stay divisions.
   */
  @Test
  void aDivisionByAPowerOfTwoIsAMultiplication() {
    String src = "network A {\n input q[16, 16], k[16, 16]\n target y[16, 16], z[16]\n"
        + " s[t, u] = sum(c) q[t, c] * k[u, c] / 4\n r[t] = sum(c) q[t, c] / 3\n output s, r\n"
        + " loss = mse(s, y) + mse(r, z)\n}\n";
    String java = Codegen.generate("a.net", src, false).get(0).content();
    assertTrue(java.contains(" * 0.25") && !java.contains("/ 4.0"), java);
    assertTrue(java.contains("/ 3.0"), java);
    assertTrue(IndexKernels.isPowerOfTwo(4) && IndexKernels.isPowerOfTwo(0.25) && IndexKernels.isPowerOfTwo(-8)
        && IndexKernels.isPowerOfTwo(Math.scalb(1.0, 1022)) && IndexKernels.isPowerOfTwo(Math.scalb(1.0, -1022)));
    assertTrue(!IndexKernels.isPowerOfTwo(3) && !IndexKernels.isPowerOfTwo(0) && !IndexKernels.isPowerOfTwo(-0.0)
        && !IndexKernels.isPowerOfTwo(Math.scalb(1.0, 1023)) && !IndexKernels.isPowerOfTwo(Double.MIN_VALUE)
        && !IndexKernels.isPowerOfTwo(Double.NaN) && !IndexKernels.isPowerOfTwo(Double.POSITIVE_INFINITY));
  }

  /**
   * In a float build an index definition whose body is one operation of two floats (or a select,
   * or a select inside the operation) is computed in float (a loop C2 vectorizes), which is exact:
   * the number the double computation rounds to once. Checked through the generated class on numbers that round (random ones, their
   * quotients), overflow, underflow to subnormals and zero, and NaN, infinities and signed zeros.
   */
  @Test
  void oneOperationOfFloatsIsComputedInFloatAndIsTheDoubleResultRoundedOnce() {
    String src = "network F {\n input a[4, 8], b[4, 8], m[4]\n"
        + " s[t, d] = a[t, d] - m[t]\n p[t, d] = a[t, d] + b[t, d]\n q[t, d] = a[t, d] * b[t, d]\n"
        + " r[t, d] = a[t, d] / b[t, d]\n h[t, d] = a[t, d] * 0.5\n c[t, d] = select(d <= t, a[t, d], -1e9)\n"
        + " g[t, d] = b[t, d] * select(d <= t, 1, 0)\n u[t, d] = a[t, d] * b[t, d] + m[t]\n output s, p, q, r, h, c, g, u\n}\n";
    String java = Codegen.generate("f.net", src, true).get(0).content();
    assertTrue(java.contains("= a[p0 + (k0) * 8 + k1] - m[p1 + k0];") && java.contains("* 0.5f;")
        && java.contains(" : (-1.0E9f)"), java);
    // two roundings in float would not be one in double: a * b + m stays in double, rounded once
    assertTrue(java.contains("= (float) (((double) a[p0 + (k0) * 8 + k1] * (double) b[p1 + (k0) * 8 + k1]) + (double) m["), java);
    dev.netc.runtime.Model model = Codegen.model(src, true, 1L);
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 3.0e38f, 1.0e-30f, -1.0e-30f, 1f, 3f};
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    int batch = 64;
    double[] a = new double[batch * 32];
    double[] b = new double[batch * 32];
    double[] m = new double[batch * 4];
    for (double[] x : new double[][] {a, b, m}) {
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextInt(4) == 0 ? special[rnd.nextInt(special.length)]
            : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
      }
    }
    double[][] out = new double[8][batch * 32];
    model.predictBatch(batch, new double[][] {a, b, m}, out);
    for (int i = 0; i < batch * 32; i++) {
      double x = a[i];
      double y = b[i];
      boolean lower = i % 8 <= i % 32 / 8;
      double[] want = {x - m[i / 8], x + y, x * y, x / y, x * 0.5, lower ? x : -1e9, y * (lower ? 1 : 0), x * y + m[i / 8]};
      for (int o = 0; o < 8; o++) {
        assertTrue(Float.floatToIntBits((float) want[o]) == Float.floatToIntBits((float) out[o][i]),
            "output " + o + " at " + i + " of " + x + ", " + y + ": " + out[o][i] + " but " + (float) want[o]);
      }
    }
  }

  /**
   * In a float build with the Vector API, a row that is a read along the last axis times, or
   * over, a value computed once per row (layer norm's division by its square root) is one call of
   * {@code WideKernels.scaleRun} per row, which gives the loop's numbers: checked through the
   * generated class on rows of 40 (two vectors of 16 and one overlapping, or five of 8) and of 5
   * (under a vector), with overflow, subnormals, NaN, infinities and signed zeros. The double build
   * keeps its loops.
   */
  @Test
  void aRowScaledByANumberOfTheRowIsOneWideKernelCallWithTheLoopsNumbers() {
    String src = "network W {\n input a[3, 40], b[3, 5], m[3]\n"
        + " s[t, d] = a[t, d] / sqrt(m[t] + 1)\n r[t, d] = a[t, d] * (1 / (m[t] + 3))\n"
        + " w[t, d] = (2 / m[t]) * b[t, d]\n output s, r, w\n}\n";
    String java = Codegen.generate("w.net", src, true).get(0).content();
    assertTrue(java.contains("WideKernels.scaleRun(a, p0 + (k0) * 40 + k1, s_, ob + (k0) * 40 + k1, 40, rw0, true);")
        && java.contains(", 40, rw0, false);") && java.contains(", 5, rw0, false);"), java);
    assertTrue(!Codegen.generate("w.net", src, false).get(0).content().contains("WideKernels"), "double keeps the loops");
    dev.netc.runtime.Model model = Codegen.model(src, true, 1L);
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
        Float.MIN_VALUE, -Float.MIN_VALUE, 3.0e38f, 1.0e-30f, -1f};
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    int batch = 16;
    double[] a = new double[batch * 120];
    double[] b = new double[batch * 15];
    double[] m = new double[batch * 3];
    for (double[] v : new double[][] {a, b, m}) {
      for (int i = 0; i < v.length; i++) {
        v[i] = rnd.nextInt(5) == 0 ? special[rnd.nextInt(special.length)]
            : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
      }
    }
    double[][] out = new double[3][];
    out[0] = new double[batch * 120];
    out[1] = new double[batch * 120];
    out[2] = new double[batch * 15];
    model.predictBatch(batch, new double[][] {a, b, m}, out);
    for (int i = 0; i < batch * 120; i++) {
      double mt = (float) m[i / 40];
      double x = (float) a[i];
      float s = (float) (x / Math.sqrt(mt + 1));
      float r = (float) (x * (1 / (mt + 3)));
      assertTrue(Float.floatToIntBits(s) == Float.floatToIntBits((float) out[0][i]), "s at " + i + ": " + out[0][i] + " but " + s);
      assertTrue(Float.floatToIntBits(r) == Float.floatToIntBits((float) out[1][i]), "r at " + i + ": " + out[1][i] + " but " + r);
    }
    for (int i = 0; i < batch * 15; i++) {
      float w = (float) ((2 / (double) (float) m[i / 5]) * (float) b[i]);
      assertTrue(Float.floatToIntBits(w) == Float.floatToIntBits((float) out[2][i]), "w at " + i + ": " + out[2][i] + " but " + w);
    }
  }

  /**
   * A max or min without winners keeps four running extremes over its innermost index (and the
   * points past the last four after the loop), which gives the loop's result whatever the order:
   * NaN where any number is NaN, +0 over -0 for max and -0 for min. Checked through generated
   * classes in double and float against {@code Math.max} / {@code Math.min} in order.
   */
  @Test
  void aMaxOrMinKeepsFourRunningExtremesAndGivesTheLoopsResult() {
    String src = "network X {\n input a[3, 30], b[3, 8]\n"
        + " p[t] = max(d) a[t, d]\n q[t] = min(d) a[t, d]\n r[t] = max(d) b[t, d]\n output p, q, r\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("x.net", src, isFloat).get(0).content();
      assertTrue(java.contains("best3 = Math.max(best3, ") && java.contains("best1 = Math.min(best1, ")
          && java.contains("best = Math.max(Math.max(best, best1), Math.max(best2, best3));"), java);
      dev.netc.runtime.Model model = Codegen.model(src, isFloat, 1L);
      double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1, -1};
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
      for (int round = 0; round < 20; round++) {
        int batch = 4;
        double[] a = new double[batch * 90];
        double[] b = new double[batch * 24];
        for (double[] x : new double[][] {a, b}) {
          for (int i = 0; i < x.length; i++) {
            // mostly signed zeros in some rows, so that their order matters; a NaN now and then
            x[i] = round % 3 == 0 ? (rnd.nextBoolean() ? 0.0 : -0.0)
                : rnd.nextInt(30) == 0 ? special[rnd.nextInt(special.length)] : (float) rnd.nextGaussian();
          }
        }
        double[][] out = new double[3][batch * 3];
        model.predictBatch(batch, new double[][] {a, b}, out);
        for (int row = 0; row < batch * 3; row++) {
          double max = Double.NEGATIVE_INFINITY;
          double min = Double.POSITIVE_INFINITY;
          double maxB = Double.NEGATIVE_INFINITY;
          for (int d = 0; d < 30; d++) {
            max = Math.max(max, a[row * 30 + d]);
            min = Math.min(min, a[row * 30 + d]);
          }
          for (int d = 0; d < 8; d++) {
            maxB = Math.max(maxB, b[row * 8 + d]);
          }
          double[] want = {max, min, maxB};
          for (int o = 0; o < 3; o++) {
            assertTrue(Double.doubleToLongBits(want[o]) == Double.doubleToLongBits(out[o][row]),
                (isFloat ? "float" : "double") + " output " + o + " row " + row + ": " + out[o][row] + " but " + want[o]);
          }
        }
      }
    }
  }

  /**
   * gelu's derivative, {@code s + x s (1 - s) u'} with {@code s = sigmoid(u)}, names s three
   * times; the kernels of its gradient compute it once per element.
   */
  @Test
  void aRepeatedCallIsComputedOncePerElement() {
    String src = "network G {\n input x[4, 8]\n target y[4, 8]\n param b[8]\n"
        + " f[t, j] = gelu(b[j] + x[t, j])\n output f\n loss = mse(f, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("g.net", src, isFloat).get(0).content();
      Matcher m = methods(java);
      int kernels = 0;
      while (m.find()) {
        int calls = count(m.group(2), "Ops.sigmoid(");
        assertTrue(calls <= 1, m.group(1) + " calls sigmoid " + calls + " times:\n" + m.group(2));
        kernels += calls;
      }
      assertTrue(kernels >= 1, "the gradient's kernels compute sigmoid (" + kernels + " calls):\n" + java);
      assertTrue(java.contains("double sh0 = Ops.sigmoid("), java);
    }
  }

  /**
   * Attention's projection {@code q[h, t, c] = sum(d) W[h, c, d] * a[t, d]}: the output axes
   * interleave W's (h, c) and a's (t); it is still a packed matrix product (rows (h, c), column
   * t stored at stride 16), not a dot product per element.
   */
  @Test
  void anInterleavedContractionIsAPackedProduct() {
    String src = "network Q {\n input a[16, 64]\n target y[4, 16, 16]\n param W[4, 16, 64]\n"
        + " q[h, t, c] = sum(d) W[h, c, d] * a[t, d]\n output q\n loss = mse(q, y)\n}\n";
    String java = Codegen.generate("q.net", src, true).get(0).content();
    Matcher m = methods(java);
    boolean found = false;
    while (m.find()) {
      if (m.group(1).equals("computeQ")) {
        found = true;
        assertTrue(m.group(2).contains("pk[") && m.group(2).contains("j * 16"), m.group(2));
        assertTrue(!m.group(2).contains("double acc"), m.group(2));
      }
    }
    assertTrue(found, java);
  }

  /**
   * A convolution's product: with the Vector API there, one call of the runtime's packedProduct
   * with the image itself as {@code B'} (a direct convolution: no copy of the windows) and the
   * output's rows copied out of its wide rows; the param's weight gradient by windowGradient over
   * the batch, and a weight gradient per example (of {@code 2 * K}) by matmulRows over the image in
   * place; without it, a row of the image's window is packed by one System.arraycopy.
   * {@code --kernels scalar} keeps the loops of eight terms.
   */
  @Test
  void aConvolutionIsOnePackedProductCallAndArrayCopies() {
    String src = "network C {\n input img[1, 20, 20]\n param K[8, 1, 3, 3]\n target y[8, 18, 18]\n"
        + " c = conv2d(img, K)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("c.net", src, isFloat).get(0).content();
      // the Vector API side makes no copy of the image's windows: the forward's rows of B' are
      // the image itself from each kernel point's offset (pi, po), its 18 rows of 18 outputs laid
      // out 20 wide (17 x 20 + 18 = 358 columns), copied out by copyRuns; the weight gradient is
      // summed over the batch by windowGradient, straight into K's gradient (no sums per example)
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".packedProduct(pa, pi, po, cr, 8, 358, 9)"), java);
      assertTrue(java.contains("if (dev.netc.runtime.Vectorized.ENABLED)"), java);
      assertTrue(java.contains("pi[q] = img;\n"), java);
      assertTrue(java.contains("po[q] = p1 + (k0) * 400 + (k1 + k3) * 20 + k4 + k2;\n"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".copyRuns(cr, i * 358, 20, c_, ob + ro, 18, 18)"),
          java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".windowGradient(t13, img, g, 8, 1, 20, 20, 3, 3, "
          + "batch, inv, true, t14RowsPacked, t14WindowsPacked, t14ChunkSums, ws.packAt);"), java);
      assertTrue(java.contains("dev.netc.runtime.ScalarKernels" + k + ".windowGradient(t13, img, g, 8, 1, 20, 20, 3, 3, "),
          java);
      assertTrue(!java.contains(".matmulRows(img, "), java);
      // a weight gradient that is not summed straight into a param's (here that of 2 * K, which
      // the chain rule then doubles) is one sum per example: dot products of the output's
      // gradient packed 20 wide with the image read in place from each window's offset (sums of
      // 18 x 18 = 324 terms), by matmulRows into pk's first row
      String doubled = Codegen.generate("c.net", src.replace("conv2d(img, K)", "conv2d(img, 2 * K)"), isFloat).get(0)
          .content();
      assertTrue(doubled.contains(".copyRunsPadded(t"), doubled);
      assertTrue(doubled.contains(", p0 + (k0) * 324 + (k1) * 18 + k2, 18, pa, (k0) * 358, 18, 20, 18)"), doubled);
      assertTrue(doubled.contains("dev.netc.runtime.VectorKernels" + k + ".matmulRows(img, po, pa, pk[0], 9, 358, 8)"),
          doubled);
      assertTrue(doubled.contains("System.arraycopy(pk[0], co, "), doubled);
      assertTrue(!doubled.contains(".copyRuns(img, ") && !doubled.contains(".copyRun(img, "), doubled);
      assertTrue(doubled.contains("System.arraycopy(img, "), doubled); // the plain Java side's packing
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("c.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("packedProduct") && !scalar.contains("Vectorized"), scalar);
      assertTrue(scalar.contains("System.arraycopy(img, ") && scalar.contains("u7 * q7[j]"), scalar);
    }
  }

  /**
   * LeNet's second convolution (6 channels of 12 x 12, 16 kernels of 5 x 5): its forward pass,
   * whose direct product would compute 92 columns for 64 outputs, is one windowProduct call for
   * the batch; its weight gradient one windowGradient call into K's gradient; its input gradient
   * one windowInputGradient call. With the window kernels turned off, the per-example direct
   * product and full correlation come back. The plain Java side keeps its loops.
   */
  @Test
  void aConvolutionOfShortRowsIsOneCallPerPassForTheBatch() {
    String src = "network C {\n input x[6, 12, 12]\n param K[16, 6, 5, 5]\n target y[16, 8, 8]\n"
        + " c = conv2d(x, K)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("c.net", src, isFloat).get(0).content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".windowProduct(K, x, c_, 16, 6, 12, 12, 5, 5, batch, "),
          java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".windowGradient(t13, x, g, 16, 6, 12, 12, 5, 5, batch, "),
          java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".windowInputGradient(K, t13, "), java);
      assertTrue(!java.contains("packedProduct(pa, pi, po, cr, 16, 92, 150)"), java);
      assertTrue(java.contains("u7 * q7[j]"), java); // the plain Java side's product
      IndexKernels.windowKernels = false;
      try {
        String perExample = Codegen.generate("c.net", src, isFloat).get(0).content();
        assertTrue(perExample.contains("packedProduct(pa, pi, po, cr, 16, 92, 150)"), perExample);
        assertTrue(perExample.contains("packedProduct(pa, pi, po, cr, 6, 144, 400)"), perExample);
        assertTrue(!perExample.contains(".windowProduct(") && !perExample.contains(".windowInputGradient("), perExample);
      } finally {
        IndexKernels.windowKernels = true;
      }
    }
  }

  /**
   * The weight gradient of a convolution whose sums are short (8 x 8 = 64 terms) and whose 8
   * channels are half a float vector: {@code B'} as it is, one row per point of the sum, each the
   * window's 3 rows of 3 numbers an image row apart, packed by one copyRun statement per row on
   * the Vector API side (no loop over them for C2 to leave rolled); with
   * {@code IndexKernels.transposedMinK} at 0 the same gradient is dot products over the image in
   * place.
   */
  @Test
  void aShortWeightGradientPacksTheWindowsRowsOneStatementEach() {
    String src = "network C {\n input img[1, 10, 10]\n param K[8, 1, 3, 3]\n target y[8, 8, 8]\n"
        + " c = conv2d(img, K)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      // the weight gradient of 2 * K: one sum per example (K's own would be windowGradient's)
      String java = Codegen.generate("c.net", src.replace("conv2d(img, K)", "conv2d(img, 2 * K)"), isFloat).get(0)
          .content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".copyRun(img, rs, rq, rd, 3);\n"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".copyRun(img, rs + 10, rq, rd + 3, 3);\n"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".copyRun(img, rs + 20, rq, rd + 6, 3);\n"), java);
      assertTrue(!java.contains("rd + 9, 3)") && !java.contains("matmulRows(cr, pa, pk[0]"), java);
      int min = IndexKernels.transposedMinK;
      IndexKernels.transposedMinK = 0;
      try {
        // sums of 64 taken as dot products: the image read in place (9 x 10 + 8 = 78 wide)
        String transposed = Codegen.generate("c.net", src.replace("conv2d(img, K)", "conv2d(img, 2 * K)"), isFloat)
            .get(0).content();
        assertTrue(transposed.contains(".matmulRows(img, po, pa, pk[0], 9, 78, 8)"), transposed);
        assertTrue(transposed.contains(", p0 + (k0) * 64 + (k1) * 8 + k2, 8, pa, (k0) * 78, 8, 10, 8)"),
            transposed);
      } finally {
        IndexKernels.transposedMinK = min;
      }
    }
  }

  /**
   * A convolution's bias gradient, the sum of the output's gradient over each channel's 18 x 18
   * positions: in a float build with the Vector API one WideKernels.sumRun per channel (the sum
   * in double, as the loops', a vector at a time), the loops beside it; a double build keeps the
   * loops (they convert nothing).
   */
  @Test
  void aConvolutionsBiasGradientIsOneSumRunPerChannelInFloat() {
    String src = "network C {\n input img[1, 20, 20]\n param K[8, 1, 3, 3]\n param b[8, 1, 1]\n"
        + " target y[8, 18, 18]\n c = conv2d(img, K) + b\n output c\n loss = mse(c, y)\n}\n";
    String java = Codegen.generate("c.net", src, true).get(0).content();
    assertTrue(java.contains("= dev.netc.runtime.WideKernels.sumRun(t"), java);
    assertTrue(java.contains(", 324);"), java);
    assertTrue(java.contains("acc += (double) t"), java);
    String plain = Codegen.generate("c.net", src, false).get(0).content();
    assertTrue(!plain.contains("sumRun") && plain.contains("acc += t"), plain);
  }

  /**
   * The gradient of a convolution with respect to an input of 5 channels: with the Vector API,
   * one windowInputGradient call for the batch (16 output channels, 9 x 12 input planes, 3 x 3
   * kernel); without it, the scattered product. With that call turned off, the per-example full
   * correlation: one product of the output's gradient padded with zeros (rows 12 wide as the
   * input's, 2 x 12 + 2 = 26 zeros before each plane of 134) by the kernel's 16 x 3 x 3 = 144
   * points per input channel, the input's 9 x 12 = 108 numbers each one sum, copied out whole.
   */
  @Test
  void aConvolutionsInputGradientOverFourOrMoreChannelsIsAFullCorrelation() {
    String src = "network C {\n input img[5, 9, 12]\n param K[16, 5, 3, 3]\n target y[16, 7, 10]\n"
        + " c = conv2d(img, K)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String batched = Codegen.generate("c.net", src, isFloat).get(0).content();
      assertTrue(batched.contains("dev.netc.runtime.VectorKernels" + k + ".windowInputGradient(K, t13, t15, 16, 5, 9, 12, 3, 3, "
          + "batch, t15Weights, t15RowsPacked, t15Row, ws.packIn, ws.packAt);"), batched);
      assertTrue(batched.contains("+= cr[co + "), batched); // the plain Java side's scatter
      assertTrue(!batched.contains("po[kk] = "), batched);
      IndexKernels.windowKernels = false;
      String java;
      try {
        java = Codegen.generate("c.net", src, isFloat).get(0).content();
      } finally {
        IndexKernels.windowKernels = true;
      }
      assertTrue(java.contains("po[kk] = (k0) * 134 + 26 - k1 * 12 - k2;"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k
          + ".copyRunsPadded(t13, p0 + (k0) * 70 + (k1) * 10 + k2, 10, dp, (k0) * 134 + 26, 10, 12, 7)"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".packedProduct(pa, pi, po, cr, 5, 108, 144)"), java);
      assertTrue(java.contains("System.arraycopy(cr, 0, "), java);
      assertTrue(java.contains("+= cr[co + "), java); // the plain Java side's scatter
    }
  }

  /**
   * The gradient of a convolution with respect to its input, {@code dx[i, y, x] = sum(o, p, q)
   * K[o, i, p, q] * d[o, y - p, x - q]} (guarded): scattered, not gathered. The product runs over
   * {@code o} alone, {@code Z[(i, p, q), (r, c)]} = 2 x 3 x 3 rows of d's 18 x 18 = 324 columns
   * (the gather would have the input's 400, most of each packed row zeros), and each row of Z is
   * added into dx at its shift. With the Vector API, d's rows are packed 20 wide, as the input's
   * (18 x 20 = 360 columns, 368 with the padding), so that each row of Z is one run of adds.
   */
  @Test
  void aConvolutionsInputGradientIsScattered() {
    String src = "network C {\n input img[2, 20, 20]\n param K[8, 2, 3, 3]\n target y[8, 18, 18]\n"
        + " c = conv2d(img, K)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("c.net", src, isFloat).get(0).content();
      assertTrue(java.contains("+= cr[co + "), java);          // without the Vector API
      assertTrue(java.contains(".copyRunsPadded("), java);     // with it
      assertTrue(java.contains(".packedProduct(pa, pk, cr, 18, 368, 8)"), java);
      assertTrue(java.contains("int cn = (18 - k3 - 1) * 20 + 18"), java);
      assertTrue(java.contains(".addInto(cr, co + "), java);
    }
  }

  /**
   * A factor of a sum's terms that does not depend on the summed indices multiplies the sum once:
   * softmax's gradient through its sum, {@code sum(u) g[t, u] * -(p[t, u] / s[t])}, adds
   * {@code g * p} and multiplies by {@code -(1 / s[t])} after the loop (it divided per term); a
   * constant factor (a mean's {@code 1 / 8}) likewise, and a factor of -1 negates the sum.
   */
  @Test
  void aSumsInvariantFactorMultipliesItOnce() {
    String src = "network F {\n input x[4, 8]\n target y[4, 8]\n p = softmax(x, axis=1)\n"
        + " m[t] = sum(u) x[t, u] / 8\n z[t, u] = p[t, u] + m[t]\n output z\n loss = mse(z, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("f.net", src, isFloat).get(0).content();
      String store = isFloat ? "(float) (acc * (-(1.0 / (double) " : "acc * (-(1.0 / ";
      assertTrue(java.contains(store), java);
      assertTrue(java.contains(isFloat ? "(float) (acc * 0.125)" : "acc * 0.125;"), java);
      for (String line : java.split("\n")) {
        if (line.contains("acc += ")) {
          assertTrue(!line.contains(" / ") && !line.contains("0.125"), line);
        }
      }
    }
  }

  /**
   * Softmax over rows of 16 in a float build: its row maximum is one WideKernels.extremeRun per
   * row and its division by the row's sum one WideKernels.scaleRun (the divisor read once per
   * row), a vector at a time, where the loops (their scalar side) are too short for C2 to
   * vectorize; a double build keeps the loops.
   */
  @Test
  void softmaxsRowMaximumAndDivisionAreVectorsInAFloatBuild() {
    String src = "network S {\n input x[4, 16]\n target y[4, 16]\n p = softmax(x, axis=1)\n output p\n"
        + " loss = mse(p, y)\n}\n";
    String f = Codegen.generate("s.net", src, true).get(0).content();
    assertTrue(f.contains("dev.netc.runtime.WideKernels.extremeRun(x, p0 + (k0) * 16 + k1, 16, true)"), f);
    assertTrue(f.contains("dev.netc.runtime.WideKernels.scaleRun(t"), f);
    assertTrue(f.contains(", 16, (double) t"), f);
    String d = Codegen.generate("s.net", src, false).get(0).content();
    assertTrue(!d.contains("WideKernels"), d);
  }

  /**
   * Attention's scores, {@code s[h, t, u] = sum(c) q[h, t, c] * k[h, u, c] / 4}: the head is read
   * by both operands, so each head is a packed product of its own (16 x 16 by 16 x 16), its sums
   * scaled by 0.25 as they are copied out (a vector at a time, in double as the loops compute
   * it: WideKernels.scaleRun, one call for the head's block); it was a scalar dot product per
   * element.
   */
  @Test
  void attentionScoresAreOnePackedProductPerHead() {
    String src = "network S {\n input q[4, 16, 16], k[4, 16, 16]\n target y[4, 16, 16]\n"
        + " s[h, t, u] = sum(c) q[h, t, c] * k[h, u, c] / 4\n output s\n loss = mse(s, y)\n}\n";
    String java = Codegen.generate("s.net", src, true).get(0).content();
    Matcher m = methods(java);
    boolean found = false;
    while (m.find()) {
      if (m.group(1).equals("computeS_")) {       // the buffer is s_, as s is one of the kernels' locals
        found = true;
        assertTrue(m.group(2).contains(".packedProduct(pa, pk, cr, 16, 16, 16)"), m.group(2));
        assertTrue(m.group(2).contains("for (int k0 = 0; k0 < 4; k0++)"), m.group(2));
        // the head's 16 rows of 16 lie end to end in s as in cr: one copy of 256, scaled
        assertTrue(m.group(2).contains("WideKernels.scaleRun(cr, 0, s_, ob + ro, 256, 0.25, false)"), m.group(2));
        assertTrue(!m.group(2).contains("double acc"), m.group(2));
      }
    }
    assertTrue(found, java);
  }

  /**
   * A dense layer at each position, {@code f[t, j] = gelu(b1[j] + sum(d) W1[j, d] * a[t, d])} and
   * back: the default class calls the runtime's matmulRows for the whole batch's positions (and
   * matmulCols for the input's gradient), its activate for the gelu, geluBackward for the gradient
   * through it and outerAccumulate for W1's and W2's gradients (sums over the batch's positions),
   * when the Vector API is there, and keeps the loops otherwise;
   * {@code --kernels scalar} has only the loops (and the plain Java outerAccumulate).
   */
  @Test
  void aMatrixAtEveryPositionIsOneKernelCallForTheBatch() {
    String src = "network P {\n input a[16, 64]\n param W1[256, 64]\n param b1[256]\n param W2[64, 256]\n target y[16, 64]\n"
        + " f[t, j] = gelu(b1[j] + sum(d) W1[j, d] * a[t, d])\n"
        + " z[t, d] = sum(j) W2[d, j] * f[t, j]\n output z\n loss = mse(z, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("p.net", src, isFloat).get(0).content();
      // one product over the batch's positions (which the runtime packs where that pays)
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".matmulRows(W1, a, "), java);
      assertTrue(java.contains(", 256, 64, batch * 16);"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".matmulRows(W2, "), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".activate(dev.netc.runtime.VectorKernels" + k
          + ".GELU, "), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".matmulCols(W2, "), java);
      // the gradient through gelu, and W1's and W2's gradients summed over the batch's positions
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".geluBackward("), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".outerAccumulate("), java);
      assertTrue(java.contains(", g, 256, 64, batch * 16, inv, true)"), java);
      assertTrue(java.contains(", g, 64, 256, batch * 16, inv, true)"), java);
      assertTrue(java.contains("if (dev.netc.runtime.Vectorized.ENABLED)"), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("p.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("matmulRows") && !scalar.contains("matmulCols") && !scalar.contains("activate")
          && !scalar.contains("ws.pack)")
          && !scalar.contains("geluBackward") && !scalar.contains("VectorKernels"), scalar);
      // the weight gradients' sums go to the runtime's plain Java outerAccumulate, as a dense layer's do
      assertTrue(scalar.contains("dev.netc.runtime.ScalarKernels" + k + ".outerAccumulate("), scalar);
    }
  }

  /**
   * A max pooling's gradient reads where each window's max is (one winners tensor per axis of the
   * window): the gradient's schedule computes the max and every winner in one pass, the forward
   * pass's, instead of the max there and one search of every window per axis later; predict,
   * which needs no winners, keeps the max's own kernel. Windows of 2 x 2 at stride 2 are the
   * runtime's {@code maxPool2x2} on the Vector API side.
   */
  @Test
  void aMaxPoolingFindsItsWinnersInTheMaxsOwnPass() {
    String src = "network P {\n input x[2, 8, 8]\n param w[2, 8, 8]\n target y[2, 4, 4]\n"
        + " p = max_pool2d(x .* w, 2)\n output p\n loss = mse(p, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("p.net", src, isFloat).get(0).content();
      assertTrue(!java.contains("[winners "), "a winners kernel of its own: " + java);
      Matcher m = methods(java);
      int withWinners = 0;
      while (m.find()) {
        if (m.group(1).endsWith("AndWinners")) {
          withWinners++;
          assertTrue(count(m.group(2), "boolean hot = ") == 1 && m.group(2).contains("win1 = hot ? "), m.group(2));
        }
      }
      assertTrue(withWinners == 1, java);
      String predict = java.substring(java.indexOf("public void predict("), java.indexOf("public double loss("));
      assertTrue(predict.contains("computeP(") && !predict.contains("AndWinners"), predict);
      String gradient = java.substring(java.indexOf("public double lossAndGradient(int batch"));
      gradient = gradient.substring(0, gradient.indexOf("return total / batch;"));
      assertTrue(gradient.contains("computePAndWinners(batch);") && !gradient.contains("computeP(batch);"), gradient);
      // 2 x 2 windows of stride 2: with the Vector API the runtime's maxPool2x2, several windows at a time
      String k = isFloat ? "F" : "D";
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".maxPool2x2(t"), java);
      assertTrue(java.contains(", 2, 8, 8, batch);"), java);
      // predict's pooling, without winners: the same call, the max alone
      assertTrue(java.contains(".maxPool2x2(t") && java.contains(", p, null, null, 2, 8, 8, batch);"), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("p.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("maxPool2x2"), scalar);
    }
  }

  /**
   * layer_norm's {@code c[t, d] / sqrt(var[t] + eps)}: the square root does not change along
   * {@code d}, so it is computed once per {@code t}, before {@code d}'s loop, and the loop divides
   * by the local.
   */
  @Test
  void aValueConstantAlongTheLastAxisIsComputedOncePerRow() {
    String src = "network N {\n input x[16, 64]\n target y[16, 64]\n n = layer_norm(x)\n output n\n loss = mse(n, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String java = Codegen.generate("n.net", src, isFloat).get(0).content();
      // in float with the Vector API, the row is one call of WideKernels (the loops beside it)
      String row = isFloat
          ? "if \\(dev\\.netc\\.runtime\\.Vectorized\\.ENABLED\\) \\{\\n\\s*int k1 = 0;\\n"
              + "\\s*dev\\.netc\\.runtime\\.WideKernels\\.scaleRun\\([^\\n]*, 64, rw0, true\\);\\n\\s*\\} else \\{\\n\\s*"
          : "";
      Matcher m = Pattern.compile("double rw0 = Ops\\.sqrt\\(([^\\n]*)\\);\\n\\s*" + row + "for \\(int k1 = 0; k1 < 64; k1\\+\\+\\) \\{\\n"
          + "[^\\n]*/ rw0\\)?;").matcher(java);
      assertTrue(m.find(), java);
      assertTrue(!m.group(1).contains("k1"), m.group(1));
    }
  }

  /**
   * A sum whose innermost loop runs 8 or more (a multiple of 4) keeps four accumulators, one term
   * into each per step of 4, added pairwise at the end; each term's shared subexpressions in a
   * scope of its own. A sum of 10 keeps one accumulator.
   */
  @Test
  void aLongSumKeepsFourAccumulators() {
    String src = "network S {\n input x[3, 32], z[3, 10]\n target y[3], w[3]\n"
        + " s[i] = sum(j) exp(x[i, j]) * exp(x[i, j])\n u[i] = sum(j) z[i, j]\n output s, u\n"
        + " loss = mse(s, y) + mse(u, w)\n}\n";
    String java = Codegen.generate("s.net", src, false).get(0).content();
    String s = java.substring(java.indexOf("private void computeS_("), java.indexOf("private void computeU("));
    assertTrue(s.contains("for (int k1 = 0; k1 < 32; k1 += 4) {"), s);
    for (int a = 1; a < 4; a++) {
      assertTrue(s.contains("double acc" + a + " = 0;"), s);
      assertTrue(s.contains("double sh0 = Ops.exp(x[p0 + (k0) * 32 + (k1 + " + a + ")]);\n"), s);
      assertTrue(s.contains("acc" + a + " += sh0 * sh0;"), s);
    }
    assertTrue(s.contains("acc = (acc + acc1) + (acc2 + acc3);"), s);
    String u = java.substring(java.indexOf("private void computeU("));
    u = u.substring(0, u.indexOf("\n    }\n"));
    assertTrue(u.contains("for (int k1 = 0; k1 < 10; k1++) {") && !u.contains("acc1"), u);
  }

  /**
   * A sum over positions accumulated a row at a time whose body is a read or a product of two
   * (a layer norm's scale and shift gradients, {@code sum(t) d[t, c] * n[t, c]}): with the Vector
   * API one fmaInto or addInto call per row; {@code --kernels scalar} keeps the loops.
   */
  @Test
  void aSumOverPositionsOfAProductIsOneFmaIntoCallPerRow() {
    String src = "network S {\n input x[16, 32], y[16, 32]\n target w[32], z[32]\n"
        + " g[c] = sum(t) x[t, c] * y[t, c]\n e[c] = sum(t) x[t, c]\n output g, e\n"
        + " loss = mse(g, w) + mse(e, z)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("s.net", src, isFloat).get(0).content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".fmaInto(x, p0 + (k0) * 32 + k1, y, p1 + (k0) * 32 + k1, g_, ob + k1, 32);"), java);
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".addInto(x, p0 + (k0) * 32 + k1, e_, ob + k1, 32);"), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("s.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("fmaInto(") && !scalar.contains("addInto("), scalar);
    }
  }

  /**
   * A layer norm's scale and shift written out, {@code a[t, d] = n[t, d] * g[d] + e[d]}: with the
   * Vector API one scaleShift call for the batch's positions, and the gradient through the scale
   * ({@code da[t, d] * g[d]}) one without a shift; {@code --kernels scalar} keeps the loops.
   */
  @Test
  void aScaleAndShiftPerColumnIsOneScaleShiftCall() {
    String src = "network S {\n input n[16, 32]\n param g[32]\n param e[32]\n target y[16, 32]\n"
        + " a[t, d] = n[t, d] * g[d] + e[d]\n output a\n loss = mse(tanh(a), y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("s.net", src, isFloat).get(0).content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".scaleShift(n, g_, e_, a, 32, batch * 16);"), java);
      assertTrue(java.contains(", g_, null, "), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("s.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("scaleShift("), scalar);
    }
  }

  /**
   * softmax along an axis computes {@code e = exp(x - max)} as a tensor of its own: with the
   * Vector API one {@code activate(EXP, ...)} call for the batch; {@code --kernels scalar} keeps
   * the loop of {@code Ops.exp}.
   */
  @Test
  void softmaxsExponentialIsOneActivateCall() {
    String src = "network S {\n input x[4, 16, 16]\n target y[4, 16, 16]\n p = softmax(x, axis=2)\n output p\n"
        + " loss = mse(p, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("s.net", src, isFloat).get(0).content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".activate(dev.netc.runtime.VectorKernels" + k
          + ".EXP, "), java);
      assertTrue(java.contains(", 16, batch * 64)"), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("s.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("activate(") && scalar.contains("Ops.exp("), scalar);
    }
  }

  /**
   * A convolution's bias per channel, {@code conv2d(img, K) + b} with {@code b[8, 1, 1]}: one
   * activateRows call for the batch (8 rows of 18 x 18 per example) where the Vector API is
   * there; {@code --kernels scalar} keeps the loops.
   */
  @Test
  void aBiasPerChannelIsOneActivateRowsCall() {
    String src = "network C {\n input img[1, 20, 20]\n param K[8, 1, 3, 3]\n param b[8, 1, 1]\n target y[8, 18, 18]\n"
        + " c = relu(conv2d(img, K) + b)\n output c\n loss = mse(c, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      String k = isFloat ? "F" : "D";
      String java = Codegen.generate("c.net", src, isFloat).get(0).content();
      assertTrue(java.contains("dev.netc.runtime.VectorKernels" + k + ".activateRows(dev.netc.runtime.VectorKernels" + k
          + ".IDENTITY, "), java);
      assertTrue(java.contains(", b, ") && java.contains(", 8, 324, batch)"), java);
      String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("c.net", src)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat, KernelChoice.SCALAR)).files().get(0).content();
      assertTrue(!scalar.contains("activateRows"), scalar);
    }
  }
}
