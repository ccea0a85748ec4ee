package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RngTest {
  @Test
  void splitMix64ReferenceValuesForSeedZero() {
    Rng r = new Rng(0);
    assertEquals(0xe220a8397b1dcdafL, r.nextLong());
    assertEquals(0x6e789e6aa1b965f4L, r.nextLong());
    assertEquals(0x06c45d188009454fL, r.nextLong());
  }

  @Test
  void sameSeedSameStream() {
    Rng a = new Rng(42);
    Rng b = new Rng(42);
    for (int i = 0; i < 1000; i++) {
      assertEquals(a.nextLong(), b.nextLong());
      assertEquals(a.nextGaussian(), b.nextGaussian());
    }
  }

  @Test
  void pinnedDoubleAndGaussianValues() {
    // pinned so that any change to the streams is noticed: saved models depend on them
    Rng r = new Rng(1);
    double d = r.nextDouble();
    assertEquals((0x910a2dec89025cc1L >>> 11) * 0x1.0p-53, d);
    Rng g1 = new Rng(7);
    double u1 = 1.0 - g1.nextDouble();
    double u2 = g1.nextDouble();
    double expected = StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
    assertEquals(expected, new Rng(7).nextGaussian());
  }

  @Test
  void doublesInUnitInterval() {
    qt().forAll(longs().all()).check(seed -> {
      Rng r = new Rng(seed);
      for (int i = 0; i < 100; i++) {
        double d = r.nextDouble();
        if (!(d >= 0 && d < 1)) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void nextIntWithinBound() {
    qt().forAll(longs().all(), integers().between(1, Integer.MAX_VALUE)).check((seed, bound) -> {
      Rng r = new Rng(seed);
      for (int i = 0; i < 20; i++) {
        int v = r.nextInt(bound);
        if (v < 0 || v >= bound) {
          return false;
        }
      }
      return true;
    });
    assertThrows(IllegalArgumentException.class, () -> new Rng(1).nextInt(0));
  }

  @Test
  void nextIntIsRoughlyUniform() {
    Rng r = new Rng(3);
    int[] counts = new int[10];
    for (int i = 0; i < 100_000; i++) {
      counts[r.nextInt(10)]++;
    }
    for (int c : counts) {
      assertEquals(10_000, c, 500);
    }
  }

  @Test
  void gaussianStatistics() {
    Rng r = new Rng(5);
    int n = 200_000;
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double g = r.nextGaussian();
      sum += g;
      sq += g * g;
    }
    double mean = sum / n;
    assertEquals(0, mean, 0.01);
    assertEquals(1, Math.sqrt(sq / n - mean * mean), 0.01);
  }

  @Test
  void paramStreamsAreIndependentOfOtherParams() {
    assertEquals(Rng.forParam(9, "W1").nextLong(), Rng.forParam(9, "W1").nextLong());
    assertNotEquals(Rng.forParam(9, "W1").nextLong(), Rng.forParam(9, "W2").nextLong());
    assertNotEquals(Rng.forParam(9, "W1").nextLong(), Rng.forParam(10, "W1").nextLong());
    assertNotEquals(new Rng(9).nextLong(), Rng.forParam(9, "W1").nextLong());
  }

  @Test
  void fnv1aReferenceValues() {
    assertEquals(0xcbf29ce484222325L, Rng.fnv1a64(""));
    assertEquals(0xaf63dc4c8601ec8cL, Rng.fnv1a64("a"));
    assertEquals(0x85944171f73967e8L, Rng.fnv1a64("foobar"));
  }

  @Test
  void shuffleIsAPermutationAndDeterministic() {
    int[] a = Dataset.identity(100);
    int[] b = Dataset.identity(100);
    new Rng(11).shuffle(a);
    new Rng(11).shuffle(b);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, Dataset.identity(100)));
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    assertArrayEquals(Dataset.identity(100), sorted);
  }
}
