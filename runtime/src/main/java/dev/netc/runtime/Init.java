package dev.netc.runtime;

/**
 * The initializers of the {@code .net} language, filling a param's live array in place.
 *
 * <p>Fan values: for a matrix {@code W[m, n]}, {@code fanOut = m} and {@code fanIn = n}. For a
 * vector {@code [n]} and a scalar (size 1), {@code fanIn = fanOut = size}. Random initializers
 * draw from the given {@link Rng} in index order; for {@code float[]} each value is drawn in
 * double and rounded to float, so a float array holds the rounded values of the double one.
 */
public final class Init {
  private Init() {}

  /**
   * {@code fan_in}, as PyTorch computes it: for rank 2 and more, the size of axis 1 times the
   * sizes of the axes after it (a matrix's columns; a convolution kernel {@code [O, C, kh, kw]}'s
   * {@code C kh kw}); for a vector or a scalar, its size.
   */
  public static int fanIn(int[] shape) {
    return shape.length >= 2 ? shape[1] * receptive(shape) : size(shape);
  }

  /** {@code fan_out}: axis 0 times the axes after axis 1 (a matrix's rows); a vector's size. */
  public static int fanOut(int[] shape) {
    return shape.length >= 2 ? shape[0] * receptive(shape) : size(shape);
  }

  private static int receptive(int[] shape) {
    int n = 1;
    for (int a = 2; a < shape.length; a++) {
      n *= shape[a];
    }
    return n;
  }

  private static int size(int[] shape) {
    if (shape.length > 4) {
      throw new IllegalArgumentException("shapes have at most 4 dimensions");
    }
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public static void zeros(double[] a) {
    java.util.Arrays.fill(a, 0.0);
  }

  public static void zeros(float[] a) {
    java.util.Arrays.fill(a, 0.0f);
  }

  public static void ones(double[] a) {
    java.util.Arrays.fill(a, 1.0);
  }

  public static void ones(float[] a) {
    java.util.Arrays.fill(a, 1.0f);
  }

  public static void constant(double[] a, double v) {
    java.util.Arrays.fill(a, v);
  }

  public static void constant(float[] a, double v) {
    java.util.Arrays.fill(a, (float) v);
  }

  /** Uniform in {@code [lo, hi)}; requires {@code lo <= hi}. */
  public static void uniform(double[] a, double lo, double hi, Rng rng) {
    checkRange(lo, hi);
    for (int i = 0; i < a.length; i++) {
      a[i] = lo + (hi - lo) * rng.nextDouble();
    }
  }

  /** Uniform in {@code [lo, hi]} (after rounding to float); requires {@code lo <= hi}. */
  public static void uniform(float[] a, double lo, double hi, Rng rng) {
    checkRange(lo, hi);
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
    }
  }

  /** Normal with the given mean and standard deviation ({@code std >= 0}). */
  public static void normal(double[] a, double mean, double std, Rng rng) {
    checkStd(std);
    for (int i = 0; i < a.length; i++) {
      a[i] = mean + std * rng.nextGaussian();
    }
  }

  /** Normal with the given mean and standard deviation ({@code std >= 0}). */
  public static void normal(float[] a, double mean, double std, Rng rng) {
    checkStd(std);
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (mean + std * rng.nextGaussian());
    }
  }

  /** Glorot uniform: {@code U(-l, l)} with {@code l = sqrt(6 / (fanIn + fanOut))}. */
  public static void xavier(double[] a, int[] shape, Rng rng) {
    double l = xavierLimit(a.length, shape);
    uniform(a, -l, l, rng);
  }

  /** Glorot uniform: {@code U(-l, l)} with {@code l = sqrt(6 / (fanIn + fanOut))}. */
  public static void xavier(float[] a, int[] shape, Rng rng) {
    double l = xavierLimit(a.length, shape);
    uniform(a, -l, l, rng);
  }

  /** Kaiming normal: {@code N(0, sqrt(2 / fanIn))}. */
  public static void he(double[] a, int[] shape, Rng rng) {
    normal(a, 0.0, heStd(a.length, shape), rng);
  }

  /** Kaiming normal: {@code N(0, sqrt(2 / fanIn))}. */
  public static void he(float[] a, int[] shape, Rng rng) {
    normal(a, 0.0, heStd(a.length, shape), rng);
  }

  /** The Glorot limit {@code sqrt(6 / (fanIn + fanOut))} for {@code shape}. */
  public static double xavierLimit(int[] shape) {
    return StrictMath.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
  }

  /** The Kaiming standard deviation {@code sqrt(2 / fanIn)} for {@code shape}. */
  public static double heStd(int[] shape) {
    return StrictMath.sqrt(2.0 / fanIn(shape));
  }

  private static double xavierLimit(int length, int[] shape) {
    checkShape(length, shape);
    return xavierLimit(shape);
  }

  private static double heStd(int length, int[] shape) {
    checkShape(length, shape);
    return heStd(shape);
  }

  private static void checkShape(int length, int[] shape) {
    if (size(shape) != length) {
      throw new IllegalArgumentException(
          "array of length " + length + " does not match shape " + java.util.Arrays.toString(shape));
    }
  }

  private static void checkRange(double lo, double hi) {
    if (!(lo <= hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
      throw new IllegalArgumentException("uniform needs finite lo <= hi, got " + lo + ", " + hi);
    }
  }

  private static void checkStd(double std) {
    if (!(std >= 0) || !Double.isFinite(std)) {
      throw new IllegalArgumentException("normal needs a finite std >= 0, got " + std);
    }
  }
}
