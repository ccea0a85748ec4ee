package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WideKernelsTest {
  /**
   * scaleRun against the loop a float build generates, {@code (float) ((double) x * s)} (or
   * {@code / s}), to the bit: every length around the vector's (whole vectors, a last vector
   * overlapping the one before, the scalar rest where the run is in place or shorter than a
   * vector), with numbers that round, overflow to infinity, underflow to subnormals and zero,
   * NaN, infinities and signed zeros (a NaN as any NaN: Java's arithmetic does not define the sign
   * and payload of the NaN that 0 times infinity gives, and the Vector API's interpreted and
   * compiled code differ there), and nothing outside the run written.
   */
  @Test
  void scaleRunGivesTheLoopsNumbersToTheBit() {
    SplittableRandom rnd = new SplittableRandom(31);
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 3.0e38f, 1.0e-30f};
    double[] scales = {0.3, 1 / Math.sqrt(0.7 + 1e-5), 1e30, 1e-30, -2.5, 0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
        Math.sqrt(2)};
    for (int n = 0; n <= 50; n++) {
      for (boolean divide : new boolean[] {false, true}) {
        for (boolean inPlace : new boolean[] {false, true}) {
          double s = scales[rnd.nextInt(scales.length)];
          float[] x = new float[n + 9];
          for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(4) == 0 ? special[rnd.nextInt(special.length)]
                : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
          }
          float[] y = inPlace ? x : new float[n + 9];
          if (!inPlace) {
            java.util.Arrays.fill(y, -7f);
          }
          float[] before = y.clone();
          float[] xs = x.clone();
          int from = 3;
          int to = inPlace ? 3 : 5;
          WideKernels.scaleRun(x, from, y, to, n, s, divide);
          for (int i = 0; i < y.length; i++) {
            float want = i >= to && i < to + n
                ? (float) (divide ? (double) xs[from + i - to] / s : (double) xs[from + i - to] * s) : before[i];
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(y[i]),
                "n " + n + (divide ? " / " : " * ") + s + (inPlace ? " in place" : "") + " at " + i + ": " + y[i] + " but " + want);
          }
        }
      }
    }
  }
}
