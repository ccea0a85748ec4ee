package dev.netc.runtime;

import java.nio.charset.StandardCharsets;

/**
 * A deterministic SplitMix64 pseudo-random generator. Its streams are fixed by this class alone
 * (integer arithmetic, and {@link StrictMath} for the Gaussian transform), so a seed gives the
 * same numbers on every Java version and platform. Not thread-safe.
 */
public final class Rng {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private long state;
  private double spareGaussian;
  private boolean hasSpare;

  /** A generator whose stream is determined by {@code seed}. */
  public Rng(long seed) {
    this.state = seed;
  }

  /**
   * An independent stream for one param: the seed is mixed with a stable 64-bit FNV-1a hash of
   * the param's name (UTF-8), so adding or renaming a param never changes another param's values.
   */
  public static Rng forParam(long seed, String paramName) {
    return new Rng(mix64(mix64(seed) ^ fnv1a64(paramName)));
  }

  /** The 64-bit FNV-1a hash of the UTF-8 bytes of {@code s}. */
  public static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Restarts this generator's stream as {@code new Rng(seed)} would (allocation-free). */
  public void reseed(long seed) {
    state = seed;
    hasSpare = false;
  }

  /**
   * The seed of stream {@code index} of a family of independent streams for {@code seed} (the
   * dropout masks of epoch {@code index}, of replica {@code index}...), mixed so that nearby seeds
   * and indices give unrelated streams.
   */
  public static long derive(long seed, long index) {
    return mix64(mix64(seed) + GOLDEN_GAMMA * (index + 1));
  }

  /** The next 64 uniformly distributed bits. */
  public long nextLong() {
    state += GOLDEN_GAMMA;
    return mix64(state);
  }

  /** A uniform double in {@code [0, 1)}, a multiple of 2^-53. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** A uniform int in {@code [0, bound)}, without modulo bias. */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    while (true) {
      int bits = (int) (nextLong() >>> 33); // 31 bits
      int val = bits % bound;
      if (bits - val + (bound - 1) >= 0) {
        return val;
      }
    }
  }

  /** A standard normal deviate (Box-Muller; the second value of each pair is kept for the next call). */
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spareGaussian;
    }
    double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
    double u2 = nextDouble();
    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
    double theta = 2.0 * StrictMath.PI * u2;
    spareGaussian = r * StrictMath.sin(theta);
    hasSpare = true;
    return r * StrictMath.cos(theta);
  }

  /** Shuffles {@code a} in place (Fisher-Yates). */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
