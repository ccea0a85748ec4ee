package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParallelModelTest {
  static final int D = 6;
  static final int K = 3;

  static double[][] data(int batch, int size, Random r, boolean oneHot) {
    double[] a = new double[batch * size];
    for (int ex = 0; ex < batch; ex++) {
      if (oneHot) {
        a[ex * size + r.nextInt(size)] = 1;
      } else {
        for (int i = 0; i < size; i++) {
          a[ex * size + i] = r.nextGaussian();
        }
      }
    }
    return new double[][] {a};
  }

  static double[] flat(Gradient g, Model m) {
    int n = 0;
    for (TensorInfo t : m.params()) {
      n += t.size();
    }
    double[] out = new double[n];
    int k = 0;
    for (int i = 0; i < m.params().size(); i++) {
      Object a = g.data(i);
      int len = PerModelState.length(a);
      for (int j = 0; j < len; j++) {
        out[k++] = a instanceof double[] d ? d[j] : ((float[]) a)[j];
      }
    }
    return out;
  }

  /** The split batch gives the same mean loss and gradient as one model on the whole batch. */
  @Test
  void splitBatchAgreesWithOneModel() {
    for (Precision p : Precision.values()) {
      for (int batch : new int[] {1, 2, 7, 64, 257}) {
        SoftmaxRegression single = new SoftmaxRegression(D, K, p);
        single.initialize(3);
        try (ParallelModel parallel = new ParallelModel(() -> new SoftmaxRegression(D, K, p), 2, 2)) {
          parallel.initialize(3);
          Random r = new Random(batch);
          double[][] x = data(batch, D, r, false);
          double[][] y = data(batch, K, r, true);
          Gradient g1 = single.newGradient();
          Gradient g2 = parallel.newGradient();
          double l1 = single.lossAndGradientBatch(batch, x, y, g1);
          double l2 = parallel.lossAndGradientBatch(batch, x, y, g2);
          double tol = p == Precision.DOUBLE ? 1e-12 : 1e-5;
          assertEquals(l1, l2, tol * Math.max(1, Math.abs(l1)), p + " batch " + batch);
          double l3 = single.lossBatch(batch, x, y);
          assertEquals(l3, parallel.lossBatch(batch, x, y), tol * Math.max(1, Math.abs(l3)), p + " lossBatch " + batch);
          double[][] o1 = {new double[batch * K]};
          double[][] o2 = {new double[batch * K]};
          single.predictBatch(batch, x, o1);
          parallel.predictBatch(batch, x, o2);
          assertArrayEquals(o1[0], o2[0], 0, p + " predictBatch " + batch);
          double[] a = flat(g1, single);
          double[] b = flat(g2, parallel);
          for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], tol * Math.max(1, Math.abs(a[i])), p + " batch " + batch + " entry " + i);
          }
        }
      }
    }
  }

  /** Training through it updates the primary's params, and the replicas follow them. */
  @Test
  void trainsThroughTheTrainer() {
    Random r = new Random(5);
    int n = 400;
    double[][] x = data(n, D, r, false);
    double[] y = new double[n * K];
    for (int ex = 0; ex < n; ex++) {
      y[ex * K + (x[0][ex * D] > 0 ? 0 : x[0][ex * D + 1] > 0 ? 1 : 2)] = 1;
    }
    SoftmaxRegression proto = new SoftmaxRegression(D, K, Precision.DOUBLE);
    Dataset data = new Dataset(proto.inputs(), proto.targets(), n, x, new double[][] {y});
    try (ParallelModel parallel = new ParallelModel(() -> new SoftmaxRegression(D, K, Precision.DOUBLE), 2, 8)) {
      parallel.initialize(1);
      TrainingHistory h = Trainer.builder().batchSize(64).epochs(30).optimizer(new Adam(0.05)).seed(2).build()
          .train(parallel, data);
      assertTrue(h.last().trainAccuracy() > 0.9, "accuracy " + h.last().trainAccuracy());
      assertEquals(Evaluation.accuracy(parallel.primary(), data), Evaluation.accuracy(parallel, data));
    }
  }

  @Test
  void warmCallsAllocateNothingOnTheCallersThread() {
    try (ParallelModel parallel = new ParallelModel(() -> new SoftmaxRegression(D, K, Precision.DOUBLE), 2, 2)) {
      Random r = new Random(1);
      double[][] x = data(64, D, r, false);
      double[][] y = data(64, K, r, true);
      Gradient g = parallel.newGradient();
      for (int i = 0; i < 2000; i++) {
        parallel.lossAndGradientBatch(64, x, y, g);
      }
      var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().getId();
      long before = bean.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 1000; i++) {
        parallel.lossAndGradientBatch(64, x, y, g);
      }
      long allocated = bean.getThreadAllocatedBytes(tid) - before;
      assertTrue(allocated < 1000, allocated + " bytes in 1000 calls");
    }
  }

  @Test
  void anExistingInstanceStaysThePrimary() {
    SoftmaxRegression mine = new SoftmaxRegression(D, K, Precision.DOUBLE);
    try (ParallelModel parallel = new ParallelModel(mine, () -> new SoftmaxRegression(D, K, Precision.DOUBLE), 3, 3)) {
      assertTrue(parallel.primary() == mine);
      assertTrue(parallel.paramData(0) == mine.paramData(0));
    }
  }

  @Test
  void needsTwoThreadsAndOneNetwork() {
    assertThrows(IllegalArgumentException.class,
        () -> new ParallelModel(() -> new SoftmaxRegression(D, K, Precision.DOUBLE), 1, 2));
    int[] calls = {0};
    assertThrows(IllegalArgumentException.class, () -> new ParallelModel(
        () -> new SoftmaxRegression(D + calls[0]++, K, Precision.DOUBLE), 2, 2));
  }
}
