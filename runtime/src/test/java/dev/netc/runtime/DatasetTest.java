package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetTest {
  static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[] {2}));
  static final List<TensorInfo> TG = List.of(new TensorInfo("y", new int[] {1}));

  /** Example e has x = [e, 10], y = [-e]. */
  static Dataset numbered(int n) {
    double[] x = new double[2 * n];
    double[] y = new double[n];
    for (int e = 0; e < n; e++) {
      x[2 * e] = e;
      x[2 * e + 1] = 10;
      y[e] = -e;
    }
    return new Dataset(IN, TG, n, new double[][] {x}, new double[][] {y});
  }

  @Test
  void validatesSizes() {
    assertThrows(IllegalArgumentException.class,
        () -> new Dataset(IN, TG, 3, new double[][] {new double[5]}, new double[][] {new double[3]}));
    assertThrows(IllegalArgumentException.class,
        () -> new Dataset(IN, TG, 3, new double[][] {}, new double[][] {new double[3]}));
  }

  @Test
  void copiesItsArrays() {
    double[] x = {1, 2};
    Dataset d = new Dataset(IN, TG, 1, new double[][] {x}, new double[][] {{3}});
    x[0] = 99;
    assertEquals(1, d.inputData(0)[0]);
    d.inputData(0)[0] = 99;
    assertEquals(1, d.inputData(0)[0]);
  }

  @Test
  void splitIsADeterministicPartition() {
    Dataset d = numbered(100);
    Dataset.Split s = d.split(0.2, 5);
    assertEquals(80, s.train().size());
    assertEquals(20, s.test().size());
    Set<Double> seen = new HashSet<>();
    for (Dataset part : List.of(s.train(), s.test())) {
      double[] x = part.inputData(0);
      double[] y = part.targetData(0);
      for (int e = 0; e < part.size(); e++) {
        assertEquals(-x[2 * e], y[e], 0.0); // rows stay together
        assertTrue(seen.add(x[2 * e]));
      }
    }
    assertEquals(100, seen.size());
    assertArrayEquals(s.test().inputData(0), d.split(0.2, 5).test().inputData(0));
    assertFalse(Arrays.equals(s.test().inputData(0), d.split(0.2, 6).test().inputData(0)));
    assertThrows(IllegalArgumentException.class, () -> d.split(1.5, 1));
  }

  @Test
  void standardizerUsesTrainingStatistics() {
    Dataset train = numbered(5); // x0 = 0..4: mean 2, std sqrt(2); x1 = 10 constant
    Standardizer st = train.fitStandardizer();
    assertArrayEquals(new double[] {2, 10}, st.mean(0), 1e-12);
    assertArrayEquals(new double[] {Math.sqrt(2), 0}, st.std(0), 1e-12);
    Dataset t = st.apply(train);
    double[] x = t.inputData(0);
    assertEquals(-2 / Math.sqrt(2), x[0], 1e-12);
    assertEquals(0, x[1]); // std 0: centered only
    assertArrayEquals(train.targetData(0), t.targetData(0));
    Dataset other = st.apply(numbered(8)); // same statistics applied to another set
    assertEquals((7 - 2) / Math.sqrt(2), other.inputData(0)[14], 1e-12);
    assertEquals(0, other.inputData(0)[15]);
  }

  @Test
  void gatherBatchFollowsTheOrder() {
    Dataset d = numbered(10);
    double[][] in = {new double[6]};
    double[][] tg = {new double[3]};
    d.gatherBatch(new int[] {9, 3, 7, 1}, 1, 3, in, tg);
    assertArrayEquals(new double[] {3, 10, 7, 10, 1, 10}, in[0]);
    assertArrayEquals(new double[] {-3, -7, -1}, tg[0]);
  }

  @Test
  void subsetKeepsClassLabels() {
    Dataset d = SoftmaxRegression.blobs(20, 2, 3, 1);
    Dataset s = d.subset(new int[] {4, 2});
    assertTrue(s.hasClassLabels(0));
    assertArrayEquals(new int[] {d.classLabels(0)[4], d.classLabels(0)[2]}, s.classLabels(0));
  }
}
