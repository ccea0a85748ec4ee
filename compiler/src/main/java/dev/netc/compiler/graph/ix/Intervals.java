package dev.netc.compiler.graph.ix;

import java.util.Map;

/**
 * Interval arithmetic on affine index expressions over index ranges {@code 0 .. n}: the least
 * and greatest value an expression takes. It proves reads in bounds and drops guards that
 * always hold.
 */
public final class Intervals {
  private Intervals() {}

  /** {@code {min, max}} of {@code e} with each index {@code i} in {@code 0 .. extents(i)}. */
  public static long[] of(Affine e, Map<String, Integer> extents) {
    long lo = e.constant();
    long hi = e.constant();
    for (Map.Entry<String, Integer> t : e.terms().entrySet()) {
      Integer n = extents.get(t.getKey());
      if (n == null) {
        throw new IllegalArgumentException("no range for index " + t.getKey());
      }
      long a = (long) t.getValue() * (n - 1);
      lo += Math.min(0, a);
      hi += Math.max(0, a);
    }
    return new long[] {lo, hi};
  }

  /** Whether {@code c} holds at every point of the ranges. */
  public static boolean alwaysHolds(Cond.OnIndices c, Map<String, Integer> extents) {
    java.util.List<Affine> nonNegative = c.asNonNegative();
    if (nonNegative == null) {
      return false;
    }
    for (Affine e : nonNegative) {
      if (of(e, extents)[0] < 0) {
        return false;
      }
    }
    return true;
  }
}
