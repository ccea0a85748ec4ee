package dev.netc.bench;

import java.util.Arrays;

/** The statistics the interleaved benchmarks ({@link XorInterleaved}, {@link CheapGradientInterleaved}) report. */
final class Stats {
  private Stats() {}

  /** The median of {@code v} (the mean of the middle two for an even count); {@code v} is not changed. */
  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
