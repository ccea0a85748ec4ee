package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import org.junit.jupiter.api.Test;

/** Emitter bugs found by the random networks, each as a small case. */
class EmitterRegressionTest {
  /** A network without inputs, targets or outputs printed {@code loss(1, )}: it did not compile. */
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
}
