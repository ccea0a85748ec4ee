package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import org.junit.jupiter.api.Test;

/** Emitter bugs found by the random networks, each as a small case. */
class EmitterRegressionTest {
  /** A network without inputs, targets or outputs printed {@code loss(1, )}: it did not compile. */
  /**
   * Found by FrontendFuzzTest's long run: an unused param of 65,536 elements has a constant zero
   * gradient, which cost nothing in Straight's estimate, so the network went straight-line and
   * its gradient method was "code too large" for javac.
   */
  @Test
  void aLargeUnusedParamDoesNotMakeCodeTooLarge() {
    String src = "network Unused {\n input x[2]\n target y[1]\n param W[1, 2]\n param spare[65536]\n"
        + " a = W * x\n output a\n loss = mse(a, y)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.newModel(Codegen.javac(Codegen.generate("unused.net", src, isFloat)), "Unused", 1);
      Gradient g = m.newGradient();
      Object spare = g.data(1);
      assertEquals(65_536, java.lang.reflect.Array.getLength(spare));
      for (int i = 0; i < 65_536; i++) {
        java.lang.reflect.Array.set(spare, i, isFloat ? (Object) 7f : (Object) 7.0);
      }
      m.lossAndGradientBatch(1, new double[][] {{1, 2}}, new double[][] {{3}}, g);
      for (int i = 0; i < 65_536; i += 4_099) {
        assertEquals(0.0, ((Number) java.lang.reflect.Array.get(spare, i)).doubleValue(), "element " + i);
      }
    }
  }

  @Test
  void networkWithOnlyParamsAndALoss() {
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model("network P {\n param W[2] init ones\n loss = l2(W)\n}\n", isFloat, 1);
      assertEquals(1.0, m.lossBatch(3, new double[0][], new double[0][]), 1e-12);
      Gradient g = m.newGradient();
      assertEquals(1.0, m.lossAndGradientBatch(2, new double[0][], new double[0][], g), 1e-12);
      assertEquals(1.0, ((Number) java.lang.reflect.Array.get(g.data(0), 1)).doubleValue(), 1e-12);
      assertEquals(1.0, m.inputGradient(new double[0][], new double[0][], new double[0][]), 1e-12);
    }
  }

  /** The float model's predictBatch did not copy its inputs in (they read as zeros). */
  @Test
  void floatPredictBatchReadsItsInputs() {
    String src = "network F {\n input x[2]\n param W[2, 2] init ones\n h = W * x\n output h\n}\n";
    double[][] in = {{1, 2, 3, 4}};
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(src, isFloat, 1);
      double[][] out = {new double[4]};
      m.predictBatch(2, in, out);
      assertArrayEquals(new double[] {3, 3, 7, 7}, out[0], 0, isFloat ? "float" : "double");
    }
  }

  /**
   * With a regularizer, {@code dW = outer(delta, x) + lambda * W} is split into terms, and the outer
   * product term was materialized per example (a {@code batch * 2048} buffer for Digits' W1) instead
   * of being accumulated straight into the gradient.
   */
  @Test
  void outerProductTermsOfASplitGradientAreAccumulatedDirectly() throws Exception {
    String src = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/resources/examples/digits.net"));
    String java = Codegen.generate("digits.net", src, false).get(0).content();
    org.junit.jupiter.api.Assertions.assertFalse(java.contains("[batch * 2048]"), "a per-example dW1 buffer");
    org.junit.jupiter.api.Assertions.assertFalse(java.contains("[batch * 320]"), "a per-example dW2 buffer");
    GeneratedCodeTest.check(src, false, 3);
  }

  /**
   * q's gradient is minus p's: decompose split p's gradient root while splitting q's, and p's
   * one term then had no storage (a NullPointerException in Kernels$Access.array).
   */
  @Test
  void aGradientThatIsMinusAnothersKeepsItsStorage() throws Exception {
    String src = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/resources/regressions/npe_accumulate.net"));
    GeneratedCodeTest.check(src, false, 5);
    GeneratedCodeTest.check(src, true, 5);
  }

  /** A param named {@code index} compiled, but paramData then returned its int argument (ClassCastException). */
  @Test
  void aParamNamedIndexIsReturnedByParamData() {
    String src = "network I {\n input x[2]\n param index[2] init ones\n h = index .* x\n output h\n loss = l2(h)\n}\n";
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(src, isFloat, 1);
      assertEquals(isFloat ? float[].class : double[].class, m.paramData(0).getClass());
      assertEquals(isFloat ? float[].class : double[].class, m.newGradient().data(0).getClass());
    }
  }
}
