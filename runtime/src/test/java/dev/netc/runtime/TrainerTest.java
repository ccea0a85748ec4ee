package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  static TrainingHistory run(Precision p, long seed, Optimizer opt, Dataset train, Dataset test) {
    SoftmaxRegression m = new SoftmaxRegression(4, 3, p);
    m.initialize(seed);
    return Trainer.builder().batchSize(16).epochs(8).optimizer(opt).seed(seed).build()
        .train(m, train, test);
  }

  @Test
  void logisticRegressionLearnsSeparableBlobs() {
    Dataset.Split s = SoftmaxRegression.blobs(500, 4, 3, 1).split(0.2, 1);
    for (Precision p : Precision.values()) {
      for (String name : Optimizers.NAMES) {
        List<EpochReport> seen = new ArrayList<>();
        SoftmaxRegression m = new SoftmaxRegression(4, 3, p);
        m.initialize(7);
        TrainingHistory h = Trainer.builder().batchSize(32).epochs(15)
            .optimizer(Optimizers.byName(name, name.equals("adam") ? 0.05 : 0.1)).seed(3)
            .callback(seen::add)
            .build().train(m, s.train(), s.test());
        assertEquals(15, h.epochs().size());
        assertEquals(h.epochs(), seen);
        assertEquals(TrainingHistory.StopReason.COMPLETED, h.stopReason());
        EpochReport last = h.last();
        assertTrue(last.trainAccuracy() > 0.97, p + " " + name + ": " + last);
        assertTrue(last.testAccuracy() > 0.95, p + " " + name + ": " + last);
        assertTrue(last.trainLoss() < h.epochs().get(0).trainLoss(), last.toString());
        assertEquals(last.testAccuracy(), Evaluation.accuracy(m, s.test()), 1e-12);
        assertEquals(last.testLoss(), Evaluation.meanLoss(m, s.test()), 1e-6);
        assertTrue(last.examplesPerSecond() > 0);
        assertTrue(last.toString().startsWith("epoch 15: train loss "), last.toString());
      }
    }
  }

  @Test
  void sameSeedSameHistory() {
    Dataset d = SoftmaxRegression.blobs(203, 4, 3, 2); // 203 = 12 batches of 16 and one of 11
    for (Precision p : Precision.values()) {
      TrainingHistory a = run(p, 5, new Adam(0.01), d, null);
      TrainingHistory b = run(p, 5, new Adam(0.01), d, null);
      TrainingHistory c = run(p, 6, new Adam(0.01), d, null);
      assertArrayEquals(a.trainLosses(), b.trainLosses());
      assertFalse(java.util.Arrays.equals(a.trainLosses(), c.trainLosses()));
      assertTrue(Double.isNaN(a.last().testLoss()));
      assertTrue(Double.isNaN(a.last().testAccuracy()));
      assertFalse(Double.isNaN(a.last().trainAccuracy()));
    }
  }

  /**
   * A learning rate far too large: DivergedException names the epoch and the first bad param, the
   * history ends DIVERGED, and the params are those after the last finite epoch (the same as a
   * run of that many epochs), in both precisions.
   */
  @Test
  void divergenceRestoresTheLastFiniteParams() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = new SoftmaxRegression(4, 3, p);
      m.initialize(1);
      Trainer t = Trainer.builder().batchSize(4).epochs(200).optimizer(blowUp()).seed(2).build();
      DivergedException e = assertThrows(DivergedException.class, () -> t.train(m, d_(p), null));
      assertEquals(TrainingHistory.StopReason.DIVERGED, e.history().stopReason());
      assertEquals(e.epoch(), e.history().last().epoch());
      assertEquals(e.epoch() - 1, e.lastGoodEpoch());
      assertTrue(e.getMessage().startsWith("training diverged in epoch " + e.epoch()), e.getMessage());
      assertTrue(e.lastGoodEpoch() > 0, e.getMessage());
      assertEquals(m.params().get(0).name(), e.param(), e.getMessage());
      assertTrue(e.index() >= 0);
      assertFalse(Double.isFinite(e.value()));
      SoftmaxRegression ref = new SoftmaxRegression(4, 3, p);
      ref.initialize(1);
      if (e.lastGoodEpoch() > 0) {
        Trainer.builder().batchSize(4).epochs(e.lastGoodEpoch()).optimizer(blowUp()).seed(2).build()
            .train(ref, d_(p), null);
      }
      for (int i = 0; i < m.params().size(); i++) {
        assertEquals(-1, Trainer.firstNonFinite(m.paramData(i)));
        if (m.paramData(i) instanceof double[] a) {
          assertArrayEquals((double[]) ref.paramData(i), a);
        } else {
          assertArrayEquals((float[]) ref.paramData(i), (float[]) m.paramData(i));
        }
      }
    }
  }

  /** Multiplies every param by 10 and adds 1 at every step: overflows after a few epochs. */
  private static Optimizer blowUp() {
    return (model, gradient) -> {
      for (int i = 0; i < model.params().size(); i++) {
        if (model.paramData(i) instanceof double[] w) {
          for (int j = 0; j < w.length; j++) {
            w[j] = w[j] * 10 + 1;
          }
        } else {
          float[] w = (float[]) model.paramData(i);
          for (int j = 0; j < w.length; j++) {
            w[j] = w[j] * 10 + 1;
          }
        }
      }
    };
  }

  private static Dataset d_(Precision p) {
    return SoftmaxRegression.blobs(64, 4, 3, 2);
  }

  @Test
  void callbackCanStop() {
    Dataset d = SoftmaxRegression.blobs(50, 4, 3, 2);
    SoftmaxRegression m = new SoftmaxRegression(4, 3, Precision.DOUBLE);
    TrainingHistory h = Trainer.builder().epochs(10).callback(r -> r.epoch() < 3).build().train(m, d);
    assertEquals(3, h.epochs().size());
    assertEquals(TrainingHistory.StopReason.CALLBACK, h.stopReason());
  }

  @Test
  void earlyStoppingWhenTheLossStopsImproving() {
    Dataset d = SoftmaxRegression.blobs(100, 4, 3, 2);
    SoftmaxRegression m = new SoftmaxRegression(4, 3, Precision.DOUBLE);
    // a huge learning rate makes the loss bounce around rather than improve steadily
    TrainingHistory h = Trainer.builder().epochs(200).patience(2).optimizer(new Sgd(50))
        .build().train(m, d, d);
    assertEquals(TrainingHistory.StopReason.EARLY_STOPPING, h.stopReason());
    int n = h.epochs().size();
    assertTrue(n < 200);
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n - 2; i++) {
      best = Math.min(best, h.epochs().get(i).testLoss());
    }
    assertTrue(h.epochs().get(n - 1).testLoss() >= best && h.epochs().get(n - 2).testLoss() >= best);
  }

  @Test
  void refusesMismatchedData() {
    Dataset d = SoftmaxRegression.blobs(10, 3, 3, 2);
    SoftmaxRegression m = new SoftmaxRegression(4, 3, Precision.DOUBLE);
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().build().train(m, d));
    assertThrows(IllegalArgumentException.class, () -> Trainer.builder().batchSize(0));
  }

  @Test
  void evaluationOfNonClassifiersIsNaN() {
    SoftmaxRegression m = new SoftmaxRegression(2, 1, Precision.DOUBLE); // k = 1: not a classifier
    assertNull(Evaluation.classifier(m));
    Dataset d = new Dataset(m.inputs(), m.targets(), 1, new double[][] {{1, 2}}, new double[][] {{1}});
    assertTrue(Double.isNaN(Evaluation.accuracy(m, d)));
    assertEquals(0, Evaluation.meanLoss(m, d), 1e-12);
    assertArrayEquals(new int[] {0, 0}, Evaluation.classifier(new SoftmaxRegression(2, 3, Precision.FLOAT)));
  }

  @Test
  void stepsAllocateNothingOnceWarm() {
    var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Dataset d = SoftmaxRegression.blobs(10_000, 4, 3, 2);
    SoftmaxRegression m = new SoftmaxRegression(4, 3, Precision.DOUBLE);
    Trainer t = Trainer.builder().batchSize(1).epochs(2).optimizer(new Adam(0.001)).build();
    t.train(m, d); // warm up
    long tid = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(tid);
    t.train(m, d); // 20000 steps
    long allocated = bean.getThreadAllocatedBytes(tid) - before;
    // per-run set-up (shuffle order, buffers, optimizer state, reports) is a few tens of KB;
    // even 8 bytes per step would add 160 KB
    assertTrue(allocated < 120_000, "allocated " + allocated + " bytes for 20000 steps");
  }

  @Test
  void epochOrderIsASeededPermutationThatChangesPerEpoch() {
    int[] a = Trainer.epochOrder(100, 7, 1);
    assertArrayEquals(a, Trainer.epochOrder(100, 7, 1));
    assertFalse(java.util.Arrays.equals(a, Trainer.epochOrder(100, 7, 2)));
    assertFalse(java.util.Arrays.equals(a, Trainer.epochOrder(100, 8, 1)));
    int[] sorted = a.clone();
    java.util.Arrays.sort(sorted);
    assertArrayEquals(Dataset.identity(100), sorted);
  }
}
