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
  /**
   * sumRun against the sum in double of the run, in the kernel's order and in the loops' (four
   * accumulators, as the generated code adds): within a double's rounding of the exact sum, and
   * the same float as the loops' for every length around the vector's (whole pairs of vectors, one
   * more vector, the scalar rest) with random numbers of mixed magnitudes; an infinity or a NaN in
   * the run gives the loops' infinity or NaN.
   */
  @Test
  void sumRunIsTheSumInDoubleRoundedOnce() {
    SplittableRandom rnd = new SplittableRandom(33);
    for (int n = 0; n <= 700; n += n < 70 ? 1 : 37) {
      float[] x = new float[n + 7];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
      }
      int from = 4;
      double[] acc = new double[4];
      for (int j = 0; j < n; j++) {
        acc[j % 4] += x[from + j];
      }
      float loops = (float) ((acc[0] + acc[1]) + (acc[2] + acc[3]));
      assertEquals(loops, WideKernels.sumRun(x, from, n), 0, "n " + n);
      if (n > 20) {
        x[from + n / 2] = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, WideKernels.sumRun(x, from, n), 0, "n " + n + " with an infinity");
        x[from + n / 3] = Float.NaN;
        assertEquals(Float.NaN, WideKernels.sumRun(x, from, n), 0, "n " + n + " with a NaN");
      }
    }
  }

  /**
   * extremeRun against the loops' running maximum (minimum) by Math.max (Math.min) in order, to
   * the bit: every length around the vector's (one, whole vectors, a last vector overlapping the
   * one before, under a vector), with the largest number anywhere in the run, signed zeros (+0 is
   * the larger), infinities, and a NaN anywhere (the result NaN), nothing read outside the run.
   */
  @Test
  void extremeRunIsTheLoopsMaximumAndMinimum() {
    SplittableRandom rnd = new SplittableRandom(35);
    for (int n = 1; n <= 80; n++) {
      for (int trial = 0; trial < 6; trial++) {
        float[] x = new float[n + 8];
        java.util.Arrays.fill(x, Float.NaN); // outside the run: a read there would show
        int from = 4;
        for (int j = 0; j < n; j++) {
          x[from + j] = switch (trial) {
            case 0, 1 -> (float) rnd.nextGaussian();
            case 2 -> rnd.nextBoolean() ? 0.0f : -0.0f;
            case 3 -> j % 3 == 0 ? Float.NEGATIVE_INFINITY : (float) -rnd.nextDouble();
            default -> (float) rnd.nextGaussian() * 1e30f;
          };
        }
        if (trial == 1) {
          x[from + rnd.nextInt(n)] = 1e9f;
        }
        if (trial == 5) {
          x[from + rnd.nextInt(n)] = Float.NaN;
        }
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          max = Math.max(max, x[from + j]);
          min = Math.min(min, x[from + j]);
        }
        assertEquals(Float.floatToRawIntBits(max), Float.floatToRawIntBits(WideKernels.extremeRun(x, from, n, true)),
            "max, n " + n + " trial " + trial);
        assertEquals(Float.floatToRawIntBits(min), Float.floatToRawIntBits(WideKernels.extremeRun(x, from, n, false)),
            "min, n " + n + " trial " + trial);
      }
    }
  }
}
