package dev.netc.runtime;

/**
 * The elementwise functions generated code calls, in {@code double} and {@code float}. Their
 * meaning is the language's (docs/language.md): the compiler's reference evaluator computes
 * exactly these formulas. Float versions compute in double and round once.
 */
public final class Ops {
  private Ops() {}

  /** The logistic function. */
  public static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  public static float sigmoid(float x) {
    return (float) sigmoid((double) x);
  }

  /**
   * The hyperbolic tangent, to within a few ulps of {@code Math.tanh} (relative error under 1e-14,
   * tested) at a fraction of its cost on JDK 17, where {@code Math.tanh} is a native call of about
   * 17 ns: an odd Taylor polynomial near 0, {@code (1 - e^-2|x|) / (1 + e^-2|x|)} with the
   * intrinsic {@code Math.exp} elsewhere, and exactly ±1 beyond |x| = 20. NaN stays NaN; -0 stays -0.
   */
  public static double tanh(double x) {
    double ax = Math.abs(x);
    if (ax < 0.02) {
      double x2 = x * x;
      return x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
    }
    if (ax > 20) {
      return Math.signum(x);
    }
    double t = Math.exp(-2 * ax);
    double r = (1 - t) / (1 + t);
    return x < 0 ? -r : r;
  }

  public static float tanh(float x) {
    return (float) tanh((double) x);
  }

  /** Max(x, 0); relu(NaN) is NaN. */
  public static double relu(double x) {
    return Math.max(x, 0.0);
  }

  /** In float, so that C2 vectorizes a loop of it (through double it did not: 30 times slower). */
  public static float relu(float x) {
    return Math.max(x, 0f);
  }

  /** Log(1 + e^x), computed stably. */
  public static double softplus(double x) {
    return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  public static float softplus(float x) {
    return (float) softplus((double) x);
  }

  public static double exp(double x) {
    return Math.exp(x);
  }

  public static float exp(float x) {
    return (float) exp((double) x);
  }

  public static double log(double x) {
    return Math.log(x);
  }

  public static float log(float x) {
    return (float) log((double) x);
  }

  public static double sqrt(double x) {
    return Math.sqrt(x);
  }

  public static float sqrt(float x) {
    return (float) sqrt((double) x);
  }

  public static double abs(double x) {
    return Math.abs(x);
  }

  public static float abs(float x) {
    return (float) abs((double) x);
  }

  public static double sin(double x) {
    return Math.sin(x);
  }

  public static float sin(float x) {
    return (float) sin((double) x);
  }

  public static double cos(double x) {
    return Math.cos(x);
  }

  public static float cos(float x) {
    return (float) cos((double) x);
  }

  /** 1 where x &gt; 0, else 0 (so step(0) = 0). */
  public static double step(double x) {
    // x > 0 exactly when its bits b are in [1, the bits of +infinity]: both b - 1 and
    // (largest finite) - (b - 1) are then non-negative. Without a branch, which data of random
    // signs mispredicts half the time (a loop of x > 0 ? 1 : 0 ran 8 times slower).
    long b = Double.doubleToRawLongBits(x) - 1;
    return ((b | (0x7fefffffffffffffL - b)) >>> 63) ^ 1;
  }

  public static float step(float x) {
    int b = Float.floatToRawIntBits(x) - 1;
    return ((b | (0x7f7fffff - b)) >>> 31) ^ 1;
  }

  /** -1, 0 or 1 (sign(0) = 0). */
  public static double sign(double x) {
    return Math.signum(x);
  }

  public static float sign(float x) {
    return (float) sign((double) x);
  }

  /** {@code x * x}. */
  public static double square(double x) {
    return x * x;
  }

  public static float square(float x) {
    return x * x;
  }

  /** {@code x > 0 ? x : alpha * x}. */
  public static double leakyRelu(double x, double alpha) {
    return x > 0 ? x : alpha * x;
  }

  public static float leakyRelu(float x, float alpha) {
    return x > 0 ? x : alpha * x;
  }

  /** The derivative of leaky_relu: {@code x > 0 ? 1 : alpha}. */
  public static double leakyStep(double x, double alpha) {
    return x > 0 ? 1.0 : alpha;
  }

  public static float leakyStep(float x, float alpha) {
    return x > 0 ? 1.0f : alpha;
  }

  /** {@code x ^ c}. */
  public static double pow(double x, double c) {
    return Math.pow(x, c);
  }

  public static float pow(float x, float c) {
    return (float) Math.pow(x, c);
  }

  /** The larger of two values; a tie (and a NaN second value) gives the first. */
  public static double max2(double a, double b) {
    return a >= b ? a : b;
  }

  public static float max2(float a, float b) {
    return a >= b ? a : b;
  }

  /** The smaller of two values; a tie gives the first. */
  public static double min2(double a, double b) {
    return a <= b ? a : b;
  }

  public static float min2(float a, float b) {
    return a <= b ? a : b;
  }

  /** {@code a >= b ? 1 : 0}: where max(a, b) routes its gradient. */
  public static double ge(double a, double b) {
    return a >= b ? 1.0 : 0.0;
  }

  public static float ge(float a, float b) {
    return a >= b ? 1.0f : 0.0f;
  }

  /** {@code b == 0 ? 0 : a / b}. */
  public static double divNoNan(double a, double b) {
    return b == 0 ? 0.0 : a / b;
  }

  public static float divNoNan(float a, float b) {
    return b == 0 ? 0.0f : a / b;
  }

  /**
   * {@code gelu}, the tanh form {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, computed
   * as the equal {@code x sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))}: one exponential, and no
   * cancellation where the tanh nears -1.
   */
  public static double gelu(double x) {
    return x * sigmoid(1.5957691216057308 * (x + 0.044715 * x * x * x));
  }

  /**
   * The derivative of {@link #gelu}: {@code s + x s (1 - s) 2k (1 + 3 0.044715 x^2)} with
   * {@code s = sigmoid(2k (x + 0.044715 x^3))}, {@code k = sqrt(2/pi)} (the compiler's gelu rule).
   */
  public static double geluPrime(double x) {
    double s = sigmoid(1.5957691216057308 * (x + 0.044715 * x * x * x));
    return s + x * s * (1 - s) * 1.5957691216057308 * (1 + 0.134145 * x * x);
  }

  /** {@code silu(x) = x sigmoid(x)}. */
  public static double silu(double x) {
    return x * sigmoid(x);
  }

  /** {@code elu(x) = x > 0 ? x : exp(x) - 1}. */
  public static double elu(double x) {
    return x > 0 ? x : Math.expm1(x);
  }

  /** {@code log(sigmoid(x)) = -softplus(-x)}, stable for large |x|. */
  public static double logSigmoid(double x) {
    return -softplus(-x);
  }

  /** {@code min(max(x, lo), hi)}. */
  public static double clamp(double x, double lo, double hi) {
    return Math.min(Math.max(x, lo), hi);
  }

  // ---- int inputs and targets (class indices, token ids)

  /**
   * The ids of {@code batch} examples of the int input or target {@code info} (named a
   * {@code kind}, "input" or "target", in messages) as doubles in {@code dst}, grown when it is
   * null or short (so a warm call allocates nothing); every id is checked first.
   *
   * @throws IllegalArgumentException naming the tensor, the example, the position and the value,
   *     for an id outside {@code 0 .. limit - 1} that is not the padding id, or an array too short
   */
  public static double[] ids(String kind, TensorInfo info, int[] ids, int batch, double[] dst) {
    int n = checkIds(kind, info, ids, batch);
    if (dst == null || dst.length < n) {
      dst = new double[n];
    }
    for (int i = 0; i < n; i++) {
      dst[i] = ids[i];
    }
    return dst;
  }

  /** {@link #ids(String, TensorInfo, int[], int, double[])} for a float class. */
  public static float[] ids(String kind, TensorInfo info, int[] ids, int batch, float[] dst) {
    int n = checkIds(kind, info, ids, batch);
    if (dst == null || dst.length < n) {
      dst = new float[n];
    }
    for (int i = 0; i < n; i++) {
      dst[i] = ids[i];
    }
    return dst;
  }

  /**
   * The values of an int input or target given as doubles (through {@link Model}) as ints, in
   * {@code staging[slot]} (grown when short), each checked to be a whole number and a valid id.
   */
  public static int[] ints(String kind, TensorInfo info, double[] values, int batch, int[][] staging, int slot) {
    int n = length(kind, info, values.length, batch);
    if (staging[slot] == null || staging[slot].length < n) {
      staging[slot] = new int[n];
    }
    int[] out = staging[slot];
    for (int i = 0; i < n; i++) {
      double v = values[i];
      if (!info.validId(v)) {
        throw badId(kind, info, i, batch, v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
      }
      out[i] = (int) v;
    }
    return out;
  }

  private static int checkIds(String kind, TensorInfo info, int[] ids, int batch) {
    int n = length(kind, info, ids.length, batch);
    for (int i = 0; i < n; i++) {
      if (!info.validId(ids[i])) {
        throw badId(kind, info, i, batch, Integer.toString(ids[i]));
      }
    }
    return n;
  }

  private static int length(String kind, TensorInfo info, int length, int batch) {
    long n = (long) batch * info.size();
    if (length < n) {
      throw new IllegalArgumentException(kind + " '" + info.name() + "' has " + length + " values, but "
          + (batch == 1 ? "one example" : "a batch of " + batch) + " needs " + n);
    }
    return (int) n;
  }

  private static IllegalArgumentException badId(String kind, TensorInfo info, int i, int batch, String value) {
    int size = info.size();
    String example = batch == 1 ? "" : ", example " + (i / size);
    String at = info.position(i % size);
    return new IllegalArgumentException(kind + " '" + info.name() + "'" + example + (at.isEmpty() ? "" : ", position " + at)
        + ": " + value + " is not " + info.validIds());
  }
}
