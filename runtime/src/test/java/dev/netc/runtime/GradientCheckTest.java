package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GradientCheckTest {
  static double[][][] batch(SoftmaxRegression m, int n) {
    Dataset d = SoftmaxRegression.blobs(n, m.d, m.k, 9);
    return new double[][][] {{d.inputData(0)}, {d.targetData(0)}};
  }

  @Test
  void correctGradientsPass() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = new SoftmaxRegression(3, 4, p);
      m.initialize(1);
      double[][][] b = batch(m, 5);
      Object before = p == Precision.DOUBLE ? ((double[]) m.w).clone() : ((float[]) m.w).clone();
      GradientCheck.Report r = GradientCheck.params(m, 5, b[0], b[1]);
      assertTrue(r.passed(), r.toString());
      assertEquals(16, r.checked());
      assertEquals(0, r.failed());
      if (p == Precision.DOUBLE) {
        assertArrayEquals((double[]) before, (double[]) m.w, "params restored exactly");
      } else {
        assertArrayEquals((float[]) before, (float[]) m.w, "params restored exactly");
      }
      assertTrue(r.toString().startsWith("gradient check PASSED: 16 entries checked, 0 failed"),
          r.toString());

      double[][] x = {java.util.Arrays.copyOf(b[0][0], 3)};
      double[][] y = {java.util.Arrays.copyOf(b[1][0], 4)};
      GradientCheck.Report ri = GradientCheck.inputs(m, x, y);
      assertTrue(ri.passed(), ri.toString());
      assertEquals(3, ri.checked());
      assertEquals("x", ri.worstTensor());
    }
  }

  @Test
  void wrongGradientIsDetected() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = new SoftmaxRegression(3, 4, p);
      m.initialize(1);
      m.wrongGradient = true; // the gradient of b is 1% off (10% for float: looser tolerances)
      m.wrongFactor = p == Precision.DOUBLE ? 1.01 : 1.1;
      double[][][] b = batch(m, 5);
      GradientCheck.Report r = GradientCheck.params(m, 5, b[0], b[1]);
      assertFalse(r.passed(), r.toString());
      assertEquals("b", r.worstTensor());
      assertTrue(r.failed() >= 1 && r.failed() <= 4, r.toString());
      assertEquals(m.wrongFactor - 1, r.worstRelError(), (m.wrongFactor - 1) / 2);
      assertTrue(r.toString().contains("FAILED") && r.toString().contains("worst b["), r.toString());
    }
    SoftmaxRegression m = new SoftmaxRegression(3, 4, Precision.DOUBLE);
    m.initialize(1);
    m.wrongGradient = true;
    double[][][] b = batch(m, 1);
    GradientCheck.Report ri = GradientCheck.inputs(m, b[0], b[1]);
    assertFalse(ri.passed(), ri.toString());
  }

  @Test
  void entriesCanBeSampled() {
    SoftmaxRegression m = new SoftmaxRegression(10, 4, Precision.DOUBLE);
    m.initialize(1);
    double[][][] b = batch(m, 3);
    GradientCheck.Report r = GradientCheck.params(m, 3, b[0], b[1],
        new GradientCheck.Options(1e-6, 1e-7, 1e-5, 5));
    assertTrue(r.passed(), r.toString());
    assertEquals(5 + 4, r.checked());
    assertThrows(IllegalArgumentException.class, () -> new GradientCheck.Options(0, 1, 1, 0));
  }
}
