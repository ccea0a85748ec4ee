package dev.netc.runtime;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels of a float build whose arithmetic is in double, rounded once to float: what the
 * generated loops compute for an index definition (docs/codegen.md, "Index notation: the default
 * schedule"), on the Vector API. C2 on JDK 17 leaves a loop that widens floats to double scalar,
 * and the conversion's partial register write chains each element to the one before; a vector
 * here widens 16 floats (AVX-512) into two vectors of doubles, computes in double and narrows
 * them back, the same numbers as the loop to the bit. Float builds call these only where
 * {@link Vectorized#ENABLED}; the double build needs none (its loops do not convert).
 */
public final class WideKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  /** The lanes of a float vector that the first of its two halves in double fills. */
  private static final VectorMask<Float> LOW = F.indexInRange(0, D.length());

  private WideKernels() {}

  /**
   * {@code y[to + j] = (float) ((double) x[from + j] * s)} for {@code j < n}, or {@code / s} when
   * {@code divide}: a row scaled by a number computed in double once per row (a layer norm's
   * {@code (x - mean) / sqrt(var + eps)} and its gradient's {@code dn / sqrt(var + eps)}, softmax's
   * gradient over its sum). Where {@code y} is not {@code x} the last vector of a run that is
   * not a multiple of the width overlaps the one before (computing its first numbers again);
   * else the rest is scalar code.
   */
  public static void scaleRun(float[] x, int from, float[] y, int to, int n, double s, boolean divide) {
    if (2 * D.length() != L || n < L) {
      scaleScalar(x, from, y, to, 0, n, s, divide);
      return;
    }
    int j = 0;
    for (; j + L <= n; j += L) {
      scaleVector(x, from + j, y, to + j, s, divide);
    }
    if (j < n) {
      if (x != y) {
        scaleVector(x, from + n - L, y, to + n - L, s, divide);
      } else {
        scaleScalar(x, from, y, to, j, n, s, divide);
      }
    }
  }

  /**
   * {@code (float)} of the sum in double of {@code x[from + j]} for {@code j < n}: a sum over a
   * run, a convolution's bias gradient (LeNet's: the 24 x 24 positions of each channel of the
   * output's gradient), which the loops add in double, four accumulators, scalar. A vector of
   * floats at a time, widened into two of doubles and added into four accumulators, then the
   * accumulators' lanes; the rest of the run (under a vector) in scalar code. The same sum in
   * double in another order: the float it rounds to is the loops' but for a sum within a
   * double's rounding of a float's halfway point.
   */
  public static float sumRun(float[] x, int from, int n) {
    double s = 0;
    int j = 0;
    if (2 * D.length() == L && n >= L) {
      DoubleVector a = DoubleVector.zero(D);
      DoubleVector b = a;
      DoubleVector c = a;
      DoubleVector d = a;
      for (; j + 2 * L <= n; j += 2 * L) {
        FloatVector v = FloatVector.fromArray(F, x, from + j);
        FloatVector w = FloatVector.fromArray(F, x, from + j + L);
        a = a.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0));
        b = b.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
        c = c.add((DoubleVector) w.convertShape(VectorOperators.F2D, D, 0));
        d = d.add((DoubleVector) w.convertShape(VectorOperators.F2D, D, 1));
      }
      if (j + L <= n) {
        FloatVector v = FloatVector.fromArray(F, x, from + j);
        a = a.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0));
        b = b.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
        j += L;
      }
      s = a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }
    for (; j < n; j++) {
      s += x[from + j];
    }
    return (float) s;
  }

  /**
   * The largest of {@code x[from + j]} for {@code j < n} ({@code max}), or the smallest, by
   * {@code Math.max} ({@code Math.min}): a row's maximum, softmax's over its 16 scores, which the
   * loops take in double, four running maxima, scalar. A vector of floats at a time, the last
   * numbers of a run that is not whole vectors as one more vector overlapping the one before
   * (a number taken twice changes neither), then its lanes; a run under a vector in scalar code.
   * The same number in any order (NaN where any is, +0 over -0), so the loops' to the bit.
   * {@code n >= 1}.
   */
  public static float extremeRun(float[] x, int from, int n, boolean max) {
    if (n < L) {
      float e = x[from];
      for (int j = 1; j < n; j++) {
        e = max ? Math.max(e, x[from + j]) : Math.min(e, x[from + j]);
      }
      return e;
    }
    FloatVector a = FloatVector.fromArray(F, x, from);
    int j = L;
    for (; j + L <= n; j += L) {
      FloatVector v = FloatVector.fromArray(F, x, from + j);
      a = max ? a.max(v) : a.min(v);
    }
    if (j < n) {
      // the last numbers as the last lanes of one more vector, overlapping the one before
      FloatVector v = FloatVector.fromArray(F, x, from + n - L);
      a = max ? a.max(v) : a.min(v);
    }
    return a.reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
  }

  private static void scaleVector(float[] x, int from, float[] y, int to, double s, boolean divide) {
    FloatVector v = FloatVector.fromArray(F, x, from);
    DoubleVector lo = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
    DoubleVector hi = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
    lo = divide ? lo.div(s) : lo.mul(s);
    hi = divide ? hi.div(s) : hi.mul(s);
    FloatVector a = (FloatVector) lo.convertShape(VectorOperators.D2F, F, 0);
    FloatVector b = (FloatVector) hi.convertShape(VectorOperators.D2F, F, -1);
    b.blend(a, LOW).intoArray(y, to);
  }

  private static void scaleScalar(float[] x, int from, float[] y, int to, int j0, int n, double s, boolean divide) {
    for (int j = j0; j < n; j++) {
      y[to + j] = (float) (divide ? (double) x[from + j] / s : (double) x[from + j] * s);
    }
  }
}
