package dev.netc.compiler.graph.ix;

import java.util.Map;

/**
 * Interval arithmetic on affine index expressions over index ranges {@code 0 .. n}: the least
 * and greatest value an expression takes. It proves reads in bounds and drops guards that
 * always hold.
 */
public final class Intervals {
  private Intervals() {}

  /** {@code {min, max}} of {@code e} with each index {@code i} in {@code 0 .. extents(i) - 1}. */
  public static long[] of(Affine e, Map<String, Integer> extents) {
    return of(e, Map.of(), extents);
  }

  /** {@code {min, max}} of {@code e} with each index {@code i} in {@code first(i) .. extents(i) - 1} (first 0 if absent). */
  public static long[] of(Affine e, Map<String, Integer> first, Map<String, Integer> extents) {
    long lo = e.constant();
    long hi = e.constant();
    for (Map.Entry<String, Integer> t : e.terms().entrySet()) {
      Integer n = extents.get(t.getKey());
      if (n == null) {
        throw new IllegalArgumentException("no range for index " + t.getKey());
      }
      long c = t.getValue();
      long a = c * first.getOrDefault(t.getKey(), 0);
      long b = c * (n - 1);
      lo += Math.min(a, b);
      hi += Math.max(a, b);
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
