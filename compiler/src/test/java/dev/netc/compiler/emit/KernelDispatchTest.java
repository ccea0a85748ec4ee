package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.Vectorized;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The run-time choice of kernels. The build runs this class twice (compiler/pom.xml): in the
 * ordinary test JVM, which has {@code --add-modules jdk.incubator.vector}, and in a second surefire
 * execution without it; {@code netc.test.expectKernels} says which kernels each should find. A
 * class compiled with the default {@code --kernels auto} must take that path, print nothing, and
 * agree with the same network compiled with {@code --kernels scalar}.
 */
class KernelDispatchTest {
  static final String MLP = """
      network Mlp {
          input  x[64]
          target y[10]
          param  W1[32, 64] init xavier
          param  b1[32]
          param  W2[10, 32] init xavier
          param  b2[10]
          h = tanh(W1 * x + b1)
          z = W2 * h + b2
          output z
          loss = softmax_cross_entropy(z, y)
      }
      """;

  /** The kernels this JVM should run: from the surefire execution, else from the module's presence. */
  static String expected() {
    String p = System.getProperty("netc.test.expectKernels");
    return p != null ? p : Vectorized.available() ? "vector" : "scalar";
  }

  static String source(boolean isFloat, KernelChoice kernels) {
    return source(MLP, isFloat, kernels);
  }

  static String source(String text, boolean isFloat, KernelChoice kernels) {
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile("mlp.net", text)),
        new NetcCompiler.Options("", isFloat, kernels));
    assertFalse(r.hasErrors(), r.diagnostics().all().toString());
    return r.files().get(0).content();
  }

  static Model model(boolean isFloat, KernelChoice kernels) {
    return model(MLP, isFloat, kernels);
  }

  static Model model(String text, boolean isFloat, KernelChoice kernels) {
    List<Emitter.GeneratedFile> files = List.of(new Emitter.GeneratedFile("Mlp", "Mlp.java", source(text, isFloat, kernels)));
    return Codegen.newModel(Codegen.javac(files), "Mlp", 7L);
  }

  /**
   * The gradient through relu, {@code g * step(t)}: with the Vector API one reluBackward call for
   * the batch, which agrees with the plain loop (a product of {@code g} and 0 or 1, so exactly,
   * up to the other kernels' rounding) in both precisions and at batches around a vector.
   */
  @Test
  void theGradientThroughReluIsOneReluBackwardCallThatAgreesWithTheLoop() {
    String relu = MLP.replace("tanh(", "relu(");
    String auto = source(relu, true, KernelChoice.AUTO);
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.reluBackward("), auto);
    assertTrue(auto.contains("* Ops.step("), auto);
    assertFalse(source(relu, true, KernelChoice.SCALAR).contains("reluBackward"));
    for (boolean isFloat : new boolean[] {false, true}) {
      Model a = model(relu, isFloat, KernelChoice.AUTO);
      Model b = model(relu, isFloat, KernelChoice.SCALAR);
      for (int batch : new int[] {1, 3, 16}) {
        agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
      }
    }
  }

  /**
   * A bias's gradient, the mean over the batch of its deltas: with the Vector API one sumRows call
   * for a bias of at least 16 numbers ({@code b1}, 32), whose sums the runtime holds in registers
   * across the examples in the loop's order (VectorKernelsTest checks it against the loop to the
   * bit); a shorter one ({@code b2}, 10) stays the loop. The gradients agree with the plain Java
   * class's in both precisions, the first example assigning and the rest adding.
   */
  @Test
  void aBiasGradientIsOneSumRowsCallThatAgreesWithTheLoop() {
    String auto = source(true, KernelChoice.AUTO);
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.sumRows("), auto);
    assertTrue(auto.matches("(?s).*VectorKernelsF\\.sumRows\\(t\\d+, g, 32, batch, inv, true\\).*"), auto);
    assertFalse(auto.matches("(?s).*sumRows\\([^)]*, 10, batch.*"), auto);
    assertFalse(source(false, KernelChoice.SCALAR).contains("sumRows"));
    for (boolean isFloat : new boolean[] {false, true}) {
      Model a = model(isFloat, KernelChoice.AUTO);
      Model b = model(isFloat, KernelChoice.SCALAR);
      for (int batch : new int[] {1, 3, 16}) {
        agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
      }
    }
  }

  /**
   * An embedding's gradient, the scatter {@code dE[tok[t], d] += dx[t, d]}: with the Vector API one
   * addInto per position (a row of 32 numbers added where its token says, in the loop's order;
   * VectorKernelsTest checks addInto against the loop), the loop beside it for a JVM without the
   * module. With every token drawn from 5 ids over 8 positions, rows repeat: their sums must
   * accumulate. The gradients agree with the plain Java class's in both precisions.
   */
  @Test
  void anEmbeddingsGradientIsOneAddIntoPerPositionThatAgreesWithTheLoop() {
    String embedding = "network Mlp {\n  input tok[8] int\n  target y[8] int\n  param E[5, 32]\n  param W[6, 32]\n"
        + "  x[t, d] = E[tok[t], d]\n  h = tanh(x)\n  z[t, w] = sum(d) W[w, d] * h[t, d]\n  output z\n"
        + "  loss = softmax_cross_entropy(z, y)\n}\n";
    String auto = source(embedding, true, KernelChoice.AUTO);
    assertTrue(auto.matches("(?s).*VectorKernelsF\\.addInto\\(t\\d+, [^;]*\\(\\(int\\) tok\\[[^;]*, 32\\);.*"), auto);
    assertFalse(source(embedding, true, KernelChoice.SCALAR).contains("addInto"));
    for (boolean isFloat : new boolean[] {false, true}) {
      Model a = model(embedding, isFloat, KernelChoice.AUTO);
      Model b = model(embedding, isFloat, KernelChoice.SCALAR);
      for (int batch : new int[] {1, 3, 16}) {
        Random rnd = new Random(batch);
        double[][] tok = {new double[batch * 8]};
        double[][] y = {new double[batch * 8]};
        for (int i = 0; i < tok[0].length; i++) {
          tok[0][i] = rnd.nextInt(5);
          y[0][i] = rnd.nextInt(6);
        }
        agree(a, b, batch, isFloat ? 2e-5 : 1e-10, tok, y);
      }
    }
  }

  /**
   * The weight gradients of attention's projections, {@code dWq[h, c, d] = sum(t) dq[h, t, c] *
   * x[t, d]} and {@code dWo[d, h, c] = sum(t) dz[t, d] * o[h, t, c]}: with the Vector API the
   * batch is a part of the sum, one outerAccumulate over the batch's positions, the operand read
   * in another order ({@code dq}, {@code o}) first copied into the order of its outer products
   * (a run of a head's numbers at a time);
   * the gradients agree with the plain Java kernels' class ({@code IndexGradientPropertiesTest.
   * projectionWeightGradients} checks them against the evaluator and finite differences).
   */
  @Test
  void aProjectionsWeightGradientIsOneOuterAccumulateOverTheBatchsPositions() {
    String attention = "network Mlp {\n  input x[16, 32]\n  target y[16, 32]\n  param Wq[4, 8, 32]\n  param Wo[32, 4, 8]\n"
        + "  q[h, t, c] = sum(d) Wq[h, c, d] * x[t, d]\n  o = tanh(q)\n"
        + "  z[t, d] = sum(h, c) Wo[d, h, c] * o[h, t, c]\n  output z\n  loss = mse(z, y)\n}\n";
    String auto = source(attention, true, KernelChoice.AUTO);
    // each head's 8 numbers of dq[h, t, c] and o[h, t, c] are a run: one copy each
    assertTrue(auto.contains("RowsPacked, ob, 8)"), auto);
    assertTrue(auto.contains("ColsPacked, ob, 8)"), auto);
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.outerAccumulate(t"), auto);
    // q itself, and dq from dz, one product each over the batch's positions, laid out as heads
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.matmulRowsHeads(Wq, x, q, 32, 32, batch, 16, 8)"), auto);
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.matmulColsHeads(Wo, "), auto);
    for (boolean isFloat : new boolean[] {false, true}) {
      Model a = model(attention, isFloat, KernelChoice.AUTO);
      Model b = model(attention, isFloat, KernelChoice.SCALAR);
      for (int batch : new int[] {1, 3, 16}) {
        agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
      }
    }
  }

  /**
   * A max pooling of 2 x 2 windows with its winners (the gradient's schedule): with the Vector API
   * the runtime's maxPool2x2, whose max and winners are the loops' (the gradients agree with the
   * plain Java class's; rows of 8 windows, a vector's worth on AVX2, and of 3, fewer). Its
   * gradient is the runtime's unpool2x2, through the relu before it in the same pass
   * ({@code ScatterFusion}) or, after a tanh, alone (output rows of 32 and 16 numbers, one and
   * two vectors of floats on AVX-512; of 8 and 4, half a vector of floats and of doubles, two
   * rows a vector; and of 6, fewer).
   */
  @Test
  void aTwoByTwoMaxPoolingIsOneMaxPool2x2CallThatAgreesWithTheLoops() {
    for (int side : new int[] {34, 18, 10, 8, 6}) {
      for (String act : new String[] {"relu", "tanh"}) {
        int pooled = (side - 2) / 2;
        String cnn = "network Mlp {\n  input x[1, " + side + ", " + side + "]\n  target y[10]\n  param K[4, 1, 3, 3]\n"
            + "  param W[10, " + 4 * pooled * pooled + "]\n  h = max_pool2d(" + act + "(conv2d(x, K)), 2)\n"
            + "  z = W * flatten(h)\n  output z\n  loss = softmax_cross_entropy(z, y)\n}\n";
        String auto = source(cnn, true, KernelChoice.AUTO);
        assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.maxPool2x2("), auto);
        assertTrue(auto.matches("(?s).*VectorKernelsF\\.unpool2x2\\(t\\d+, t\\d+, t\\d+, "
            + (act.equals("relu") ? "t\\d+" : "null") + ", t\\d+, 4, " + (side - 2) + ", " + (side - 2) + ", batch\\);.*"), auto);
        assertFalse(auto.contains("reluBackward"), auto);   // relu's gradient is in the unpooling's pass
        for (boolean isFloat : new boolean[] {false, true}) {
          Model a = model(cnn, isFloat, KernelChoice.AUTO);
          Model b = model(cnn, isFloat, KernelChoice.SCALAR);
          for (int batch : new int[] {1, 3, 16}) {
            agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
          }
        }
      }
    }
  }

  /**
   * A convolution's gradient with respect to its input, a scattered product whose rows land in
   * the input's planes: with the Vector API the output's gradient packed in rows as wide as the
   * input's ({@code copyRunsPadded}), so that each row of the product is one {@code addInto}
   * (rows of 10 and of 22, within a vector of floats on AVX-512 and beyond it), in agreement with
   * the plain Java class.
   */
  @Test
  void aConvolutionsInputGradientAddsEachRowOfItsProductAsOneRun() {
    for (int side : new int[] {12, 24}) {
      int out = side - 4;
      String cnn = "network Mlp {\n  input x[2, " + side + ", " + side + "]\n  target y[10]\n  param K1[3, 2, 3, 3]\n"
          + "  param K2[4, 3, 3, 3]\n  param W[10, " + 4 * out * out + "]\n  h = tanh(conv2d(x, K1))\n"
          + "  g = tanh(conv2d(h, K2))\n  z = W * flatten(g)\n  output z\n  loss = softmax_cross_entropy(z, y)\n}\n";
      String auto = source(cnn, true, KernelChoice.AUTO);
      assertTrue(auto.contains("VectorKernelsF.copyRunsPadded(") && auto.contains(", " + out + ", " + (out + 2) + ", " + out + ");"),
          auto);
      assertTrue(auto.matches("(?s).*int cn = \\(" + out + " - k\\d+ - 1\\) \\* " + (out + 2) + " \\+ " + out + ";.*"), auto);
      assertFalse(source(cnn, true, KernelChoice.SCALAR).contains("copyRunsPadded"));
      for (boolean isFloat : new boolean[] {false, true}) {
        Model a = model(cnn, isFloat, KernelChoice.AUTO);
        Model b = model(cnn, isFloat, KernelChoice.SCALAR);
        for (int batch : new int[] {1, 3, 16}) {
          agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
        }
      }
    }
  }

  /**
   * Sums of three terms at every position, two batched and a bias: a residual after a bias,
   * {@code x + b + W x} ({@code (t + b) + r}), is one {@code activateResidual} call, and
   * {@code tanh((W h) + h + c)} ({@code (t + t2) + b}) one {@code activate} with two batched terms,
   * where the loops convert each element to double and back; both agree with the plain Java class
   * (rows of 32 numbers, two vectors of floats on AVX-512, and of 20, the last vector
   * overlapping), exactly in double up to the other kernels' rounding.
   */
  @Test
  void aResidualAfterABiasIsOneActivateResidualCall() {
    for (int d : new int[] {32, 20}) {
      String net = "network Mlp {\n  input x[5, " + d + "]\n  target y[5, " + d + "]\n  param W[" + d + ", " + d + "]\n"
          + "  param b[" + d + "]\n  param c[" + d + "]\n"
          + "  h[t, i] = x[t, i] + b[i] + sum(j) W[i, j] * x[t, j]\n"
          + "  g[t, i] = tanh((sum(j) W[i, j] * h[t, j]) + h[t, i] + c[i])\n  output g\n  loss = mse(g, y)\n}\n";
      String auto = source(net, true, KernelChoice.AUTO);
      assertTrue(auto.matches("(?s).*VectorKernelsF\\.activateResidual\\(dev\\.netc\\.runtime\\.VectorKernelsF\\.IDENTITY, x, b, t\\d+, h, "
          + d + ", batch \\* 5\\);.*"), auto);
      assertTrue(auto.matches("(?s).*VectorKernelsF\\.activate\\(dev\\.netc\\.runtime\\.VectorKernelsF\\.TANH, t\\d+, h, c_, g_, "
          + d + ", batch \\* 5\\);.*"), auto);
      assertFalse(source(net, true, KernelChoice.SCALAR).contains("activateResidual"));
      for (boolean isFloat : new boolean[] {false, true}) {
        Model a = model(net, isFloat, KernelChoice.AUTO);
        Model b = model(net, isFloat, KernelChoice.SCALAR);
        for (int batch : new int[] {1, 3, 16}) {
          agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
        }
      }
    }
  }

  /**
   * A layer norm's gradient with respect to its variance (the sum over a row of what the rules of
   * division and square root write for {@code c / sqrt(v + eps)}): with the Vector API one
   * {@code normVarianceGradient} call for the batch's rows, in agreement with the plain Java class
   * (rows of 32, two vectors of floats on AVX-512, and of 20, a vector and a scalar rest; a second
   * eps).
   */
  @Test
  void aLayerNormsVarianceGradientIsOneNormVarianceGradientCall() {
    for (int d : new int[] {32, 20}) {
      for (String norm : new String[] {"layer_norm(a)", "layer_norm(a, eps=0.01)"}) {
        String net = "network Mlp {\n  input x[5, " + d + "]\n  target y[5, " + d + "]\n  param W[" + d + ", " + d + "]\n"
            + "  a[t, i] = tanh(sum(j) W[i, j] * x[t, j])\n  n = " + norm + "\n"
            + "  g[t, i] = sum(j) W[i, j] * n[t, j]\n  output g\n  loss = mse(g, y)\n}\n";
        String auto = source(net, true, KernelChoice.AUTO);
        assertTrue(auto.matches("(?s).*VectorKernelsF\\.normVarianceGradient\\(t\\d+, n, t\\d+, "
            + (norm.contains("eps") ? "0\\.01" : "1\\.0E-5") + ", t\\d+, " + d + ", batch \\* 5\\);.*"), auto);
        assertFalse(source(net, true, KernelChoice.SCALAR).contains("normVarianceGradient"));
        for (boolean isFloat : new boolean[] {false, true}) {
          Model a = model(net, isFloat, KernelChoice.AUTO);
          Model b = model(net, isFloat, KernelChoice.SCALAR);
          for (int batch : new int[] {1, 3, 16}) {
            agree(a, b, batch, isFloat ? 2e-5 : 1e-10);
          }
        }
      }
    }
  }

  @Test
  void theDefaultClassRunsTheKernelsOfThisJvmAndAgreesWithTheScalarOnes() {
    String want = expected();
    assertEquals(want.equals("vector"), Vectorized.available(), "jdk.incubator.vector in this JVM");
    assertEquals(want.equals("vector"), Vectorized.ENABLED);
    assertEquals(want, Vectorized.kernels());

    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      for (boolean isFloat : new boolean[] {false, true}) {
        Model auto = model(isFloat, KernelChoice.AUTO);
        Model scalar = model(isFloat, KernelChoice.SCALAR);
        for (int batch : new int[] {1, 3, 16}) {
          agree(auto, scalar, batch, isFloat ? 2e-5 : 1e-10);
        }
      }
    } finally {
      System.setErr(err);
    }
    assertEquals("", printed.toString(StandardCharsets.UTF_8), "the kernels' choice prints nothing");

    if (want.equals("scalar")) {
      // the JVM really lacks the module: touching the vector kernels fails, so the runs above never did
      assertThrows(LinkageError.class, () -> Class.forName("dev.netc.runtime.VectorKernelsD"));
    }
  }

  @Test
  void theDefaultClassHasBothCallsAndTheForcedOnesOne() {
    String auto = source(true, KernelChoice.AUTO);
    assertTrue(auto.contains("if (dev.netc.runtime.Vectorized.ENABLED) {\n"), auto);
    assertTrue(auto.contains("dev.netc.runtime.VectorKernelsF.matmulRows(W1, x, "), auto);
    assertTrue(auto.contains("dev.netc.runtime.ScalarKernelsF.outerAccumulate("), auto);
    assertTrue(auto.contains("Vectorized.check(\"Mlp\")"), auto);
    String scalar = source(false, KernelChoice.SCALAR);
    assertFalse(scalar.contains("VectorKernels"), scalar);
    assertFalse(scalar.contains("Vectorized"), scalar);
    assertTrue(scalar.contains("dev.netc.runtime.ScalarKernelsD.outerAccumulate("), scalar);
    String vector = source(false, KernelChoice.VECTOR);
    assertFalse(vector.contains("ScalarKernels"), vector);
    assertTrue(vector.contains("Vectorized.require(\"Mlp\")"), vector);
  }

  /** Loss, gradient and outputs of the two models at {@code batch}, from the same params and data. */
  /** As the MLP's: one input, one target, one output, each of the sizes the models declare. */
  static void agree(Model a, Model b, int batch, double tol) {
    Random rnd = new Random(batch);
    int in = a.inputs().get(0).size();
    int classes = a.targets().get(0).size();
    double[][] x = {new double[batch * in]};
    double[][] y = {new double[batch * classes]};
    for (int i = 0; i < x[0].length; i++) {
      x[0][i] = rnd.nextGaussian();
    }
    for (int e = 0; e < batch; e++) {
      y[0][e * classes + rnd.nextInt(classes)] = 1;
    }
    agree(a, b, batch, tol, x, y);
  }

  /** {@link #agree(Model, Model, int, double)} on the given inputs and targets. */
  static void agree(Model a, Model b, int batch, double tol, double[][] x, double[][] y) {
    int out = a.outputs().get(0).size();
    Gradient ga = a.newGradient();
    Gradient gb = b.newGradient();
    double la = a.lossAndGradientBatch(batch, x, y, ga);
    double lb = b.lossAndGradientBatch(batch, x, y, gb);
    assertEquals(lb, la, tol * Math.max(1, Math.abs(lb)), "loss at batch " + batch);
    assertTrue(la > 0, "a loss was computed");
    for (int p = 0; p < a.params().size(); p++) {
      double[] da = toDouble(ga.data(p));
      double[] db = toDouble(gb.data(p));
      double scale = 0;
      for (double v : db) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertTrue(scale > 0, "param " + p + " has a gradient");
      for (int i = 0; i < da.length; i++) {
        assertEquals(db[i], da[i], tol * Math.max(1, scale), "gradient of param " + p + " [" + i + "] at batch " + batch);
      }
    }
    double[][] oa = {new double[batch * out]};
    double[][] ob = {new double[batch * out]};
    a.predictBatch(batch, x, oa);
    b.predictBatch(batch, x, ob);
    for (int i = 0; i < oa[0].length; i++) {
      assertEquals(ob[0][i], oa[0][i], tol * Math.max(1, Math.abs(ob[0][i])), "output " + i + " at batch " + batch);
    }
  }

  static double[] toDouble(Object data) {
    if (data instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) data;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
