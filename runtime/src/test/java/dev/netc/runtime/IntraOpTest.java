package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Intra-op threads: every split covers its range once, in grain-aligned shares; a helper's
 * exception reaches the caller and leaves the pool usable; the kernels and Adam give bitwise the
 * same results with 1, 2 and 3 threads (each thread computes whole rows or whole blocks of
 * columns, in one thread's order); concurrent callers both get correct results; a hand-over that
 * races a helper about to park is never lost.
 */
class IntraOpTest {
  @AfterEach
  void oneThread() {
    IntraOp.setThreads(1);
  }

  @Test
  void threadCountIsCheckedAndReported() {
    assertEquals(1, IntraOp.threads());
    assertThrows(IllegalArgumentException.class, () -> IntraOp.setThreads(0));
    assertThrows(IllegalArgumentException.class, () -> IntraOp.setThreads(257));
    IntraOp.setThreads(3);
    assertEquals(3, IntraOp.threads());
    IntraOp.setThreads(2);
    assertEquals(2, IntraOp.threads());
    IntraOp.setThreads(1);
    assertEquals(1, IntraOp.threads());
    assertNull(IntraOp.acquire(Long.MAX_VALUE, 0), "no pool with one thread");
  }

  /** Records which elements each share ran, and the shares' starts. */
  private static final class Recording extends IntraOp.Job {
    final AtomicIntegerArray count;
    final List<Integer> starts = java.util.Collections.synchronizedList(new ArrayList<>());
    int throwAt = -1;
    boolean cleared;

    Recording(int n) {
      count = new AtomicIntegerArray(n);
    }

    @Override
    void run(int from, int to) {
      starts.add(from);
      for (int i = from; i < to; i++) {
        if (i == throwAt) {
          throw new IllegalStateException("share at " + from + " failed");
        }
        count.incrementAndGet(i);
      }
    }

    @Override
    void clear() {
      cleared = true;
    }
  }

  @Test
  void everySplitCoversItsRangeOnceInAlignedShares() {
    for (int threads : new int[] {2, 3, 4}) {
      IntraOp.setThreads(threads);
      for (int grain : new int[] {1, 4, 16, 64}) {
        for (int n : new int[] {1, 3, 4, 5, 17, 64, 100, 128, 1000, 4097}) {
          IntraOp.Pool p = IntraOp.acquire(1, 0);
          assertNotNull(p);
          Recording job = new Recording(n);
          p.run(job, n, grain);
          for (int i = 0; i < n; i++) {
            assertEquals(1, job.count.get(i), "element " + i + " of " + n + ", grain " + grain + ", threads " + threads);
          }
          for (int start : job.starts) {
            assertEquals(0, start % grain, "share start " + start);
          }
          assertTrue(job.starts.size() <= threads);
          assertTrue(job.cleared);
        }
      }
    }
  }

  @Test
  void aHelpersExceptionReachesTheCallerAndThePoolStaysUsable() {
    IntraOp.setThreads(2);
    IntraOp.Pool p = IntraOp.acquire(1, 0);
    Recording bad = new Recording(100);
    bad.throwAt = 80; // in the helper's share, [52, 100)
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.run(bad, 100, 4));
    assertEquals("share at 52 failed", e.getMessage());
    for (int i = 0; i < 52; i++) {
      assertEquals(1, bad.count.get(i), "the caller's share ran");
    }
    IntraOp.Pool again = IntraOp.acquire(1, 0);
    assertSame(p, again, "released after the failure");
    Recording good = new Recording(100);
    again.run(good, 100, 4);
    for (int i = 0; i < 100; i++) {
      assertEquals(1, good.count.get(i));
    }
  }

  @Test
  void aBusyPoolIsNotHandedOutTwice() {
    IntraOp.setThreads(2);
    IntraOp.Pool p = IntraOp.acquire(10, 5);
    assertNotNull(p);
    assertNull(IntraOp.acquire(10, 5), "held by the first caller");
    assertNull(IntraOp.acquire(4, 5), "too little work");
    p.run(new Recording(8), 8, 1);
    IntraOp.Pool q = IntraOp.acquire(10, 5);
    assertNotNull(q, "released by run");
    q.run(new Recording(8), 8, 1);
  }

  /**
   * The race between a hand-over and a helper that is about to park: thousands of splits, each
   * after an idle time around the helpers' spin limit, so that many hand-overs land while a helper
   * is deciding to park. A lost wake-up would leave the caller waiting for a share forever: the
   * splits run on a pool of the test's own, from a thread the test watches, so that such a hang
   * fails this test after a minute instead of stalling the others (which use the shared pool).
   */
  @Test
  void handOversRacingAHelperThatParksAreNeverLost() throws InterruptedException {
    IntraOp.Pool pool = new IntraOp.Pool(2);
    int splits = 10_000;
    int n = 96;
    Recording job = new Recording(n);
    long[] missed = {-1};
    Thread caller = new Thread(() -> {
      SplittableRandom rnd = new SplittableRandom(11);
      for (int s = 0; s < splits; s++) {
        long idle = IntraOp.SPIN_NANOS - 60_000 + rnd.nextLong(120_000);
        long until = System.nanoTime() + idle;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        assertTrue(pool.busy.compareAndSet(false, true));
        pool.run(job, n, 1);
        for (int i = 0; i < n; i++) {
          if (job.count.get(i) != s + 1) {
            missed[0] = s;
            return;
          }
        }
      }
      missed[0] = Long.MAX_VALUE;
    }, "intra-op-race-caller");
    caller.setDaemon(true);
    caller.start();
    caller.join(60_000);
    assertTrue(!caller.isAlive(), "a hand-over was lost: the caller still waits for a helper after 60 s");
    assertEquals(Long.MAX_VALUE, missed[0], "a split did not cover its range once (split " + missed[0] + ")");
    assertEquals(3 * splits, job.starts.size(), "every split ran three shares");
    pool.close();
  }

  @Test
  void helpersParkWhenIdleAndWakeForTheNextSplit() throws InterruptedException {
    IntraOp.setThreads(2);
    IntraOp.Pool p = IntraOp.acquire(1, 0);
    p.run(new Recording(10), 10, 1);
    Thread.sleep(50); // well past SPIN_NANOS: the helper parks
    IntraOp.Pool q = IntraOp.acquire(1, 0);
    Recording job = new Recording(1000);
    q.run(job, 1000, 1);
    for (int i = 0; i < 1000; i++) {
      assertEquals(1, job.count.get(i));
    }
    assertEquals(2, job.starts.size(), "the woken helper ran its share");
  }

  @Test
  void kernelsGiveTheSameBitsWithAnyNumberOfThreads() {
    SplittableRandom rnd = new SplittableRandom(7);
    // sizes above MIN_WORK with every remainder: rows not a multiple of 4, columns not of 4 vectors
    int[][] shapes = {{128, 784, 1}, {130, 301, 1}, {129, 257, 3}, {64, 1031, 5}, {517, 200, 1}, {255, 129, 4}};
    for (int[] s : shapes) {
      int m = s[0];
      int k = s[1];
      int batch = s[2];
      double[] w = random(rnd, m * k);
      double[] x = random(rnd, batch * k);
      double[] d = random(rnd, batch * m);
      List<double[]> one = kernelsD(w, x, d, m, k, batch);
      List<float[]> oneF = kernelsF(toFloat(w), toFloat(x), toFloat(d), m, k, batch);
      for (int threads : new int[] {2, 3}) {
        IntraOp.setThreads(threads);
        List<double[]> many = kernelsD(w, x, d, m, k, batch);
        List<float[]> manyF = kernelsF(toFloat(w), toFloat(x), toFloat(d), m, k, batch);
        for (int i = 0; i < one.size(); i++) {
          String what = "kernel " + i + ", " + m + "x" + k + " batch " + batch + ", " + threads + " threads";
          assertArrayEquals(one.get(i), many.get(i), what + " (double)");
          assertArrayEquals(oneF.get(i), manyF.get(i), what + " (float)");
        }
        IntraOp.setThreads(1);
      }
    }
  }

  /** matmulRows, matmulCols, outerAccumulate (assign, then add) and backwardRows (y, g). */
  private static List<double[]> kernelsD(double[] w, double[] x, double[] d, int m, int k, int batch) {
    double[] z = new double[batch * m];
    VectorKernelsD.matmulRows(w, x, z, m, k, batch);
    double[] y = new double[batch * k];
    VectorKernelsD.matmulCols(w, d, y, k, m, batch);
    double[] g = new double[m * k];
    VectorKernelsD.outerAccumulate(d, x, g, m, k, batch, 0.25, true);
    VectorKernelsD.outerAccumulate(d, x, g, m, k, batch, -0.5, false);
    double[] by = new double[batch * k];
    double[] bg = new double[m * k];
    VectorKernelsD.backwardRows(w, d, x, by, bg, m, k, batch, 0.125);
    return List.of(z, y, g, by, bg);
  }

  private static List<float[]> kernelsF(float[] w, float[] x, float[] d, int m, int k, int batch) {
    float[] z = new float[batch * m];
    VectorKernelsF.matmulRows(w, x, z, m, k, batch);
    float[] y = new float[batch * k];
    VectorKernelsF.matmulCols(w, d, y, k, m, batch);
    float[] g = new float[m * k];
    VectorKernelsF.outerAccumulate(d, x, g, m, k, batch, 0.25f, true);
    VectorKernelsF.outerAccumulate(d, x, g, m, k, batch, -0.5f, false);
    float[] by = new float[batch * k];
    float[] bg = new float[m * k];
    VectorKernelsF.backwardRows(w, d, x, by, bg, m, k, batch, 0.125f);
    return List.of(z, y, g, by, bg);
  }

  @Test
  void adamGivesTheSameBitsWithAnyNumberOfThreads() {
    for (Precision precision : Precision.values()) {
      int[] sizes = {IntraOp.MIN_ELEMENTS + 13, 100_352, 17, 5000};
      Params one = steps(precision, sizes);
      for (int threads : new int[] {2, 3}) {
        IntraOp.setThreads(threads);
        Params many = steps(precision, sizes);
        IntraOp.setThreads(1);
        for (int i = 0; i < sizes.length; i++) {
          String what = precision + " param " + i + ", " + threads + " threads";
          if (precision == Precision.DOUBLE) {
            assertArrayEquals((double[]) one.paramData(i), (double[]) many.paramData(i), what);
          } else {
            assertArrayEquals((float[]) one.paramData(i), (float[]) many.paramData(i), what);
          }
        }
      }
    }
  }

  /** Three Adam steps over params of {@code sizes}, from the same seeded params and gradients. */
  private static Params steps(Precision precision, int[] sizes) {
    Params model = new Params(precision, sizes);
    Gradient grad = model.newGradient();
    Adam adam = new Adam(0.01);
    SplittableRandom rnd = new SplittableRandom(11);
    for (int step = 0; step < 3; step++) {
      for (int i = 0; i < sizes.length; i++) {
        Object g = grad.data(i);
        for (int j = 0; j < sizes[i]; j++) {
          double v = rnd.nextDouble(-1, 1);
          if (g instanceof double[] gd) {
            gd[j] = v;
          } else {
            ((float[]) g)[j] = (float) v;
          }
        }
      }
      adam.step(model, grad);
    }
    return model;
  }

  @Test
  void concurrentCallersBothGetTheirOwnResults() throws Exception {
    IntraOp.setThreads(2);
    SplittableRandom rnd = new SplittableRandom(5);
    int m = 128;
    int k = 784;
    double[][] ws = {random(rnd, m * k), random(rnd, m * k)};
    double[][] xs = {random(rnd, k), random(rnd, k)};
    double[][] want = new double[2][m];
    IntraOp.setThreads(1);
    for (int t = 0; t < 2; t++) {
      VectorKernelsD.matmulRows(ws[t], xs[t], want[t], m, k, 1);
    }
    IntraOp.setThreads(2);
    Throwable[] failure = new Throwable[1];
    Thread[] threads = new Thread[2];
    for (int t = 0; t < 2; t++) {
      int me = t;
      threads[t] = new Thread(() -> {
        double[] z = new double[m];
        for (int rep = 0; rep < 2000; rep++) {
          java.util.Arrays.fill(z, Double.NaN);
          VectorKernelsD.matmulRows(ws[me], xs[me], z, m, k, 1);
          if (!java.util.Arrays.equals(z, want[me])) {
            synchronized (failure) {
              failure[0] = new AssertionError("caller " + me + " got a wrong product at repetition " + rep);
            }
            return;
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertNull(failure[0]);
  }

  /** A model that is only its params (seeded), for the optimizer. */
  private static final class Params implements Model {
    final Precision precision;
    final Object[] data;

    Params(Precision precision, int[] sizes) {
      this.precision = precision;
      data = new Object[sizes.length];
      SplittableRandom rnd = new SplittableRandom(3);
      for (int i = 0; i < sizes.length; i++) {
        double[] d = random(rnd, sizes[i]);
        data[i] = precision == Precision.DOUBLE ? d : toFloat(d);
      }
    }

    @Override
    public String name() {
      return "Params";
    }

    @Override
    public Precision precision() {
      return precision;
    }

    @Override
    public List<TensorInfo> params() {
      List<TensorInfo> l = new ArrayList<>();
      for (int i = 0; i < data.length; i++) {
        l.add(new TensorInfo("p" + i, new int[] {java.lang.reflect.Array.getLength(data[i])}));
      }
      return l;
    }

    @Override
    public List<TensorInfo> inputs() {
      return List.of();
    }

    @Override
    public List<TensorInfo> targets() {
      return List.of();
    }

    @Override
    public List<TensorInfo> outputs() {
      return List.of();
    }

    @Override
    public boolean hasLoss() {
      return false;
    }

    @Override
    public Object paramData(int index) {
      return data[index];
    }

    @Override
    public Gradient newGradient() {
      Object[] g = new Object[data.length];
      for (int i = 0; i < data.length; i++) {
        int n = java.lang.reflect.Array.getLength(data[i]);
        g[i] = precision == Precision.DOUBLE ? new double[n] : new float[n];
      }
      return new Gradient() {
        @Override
        public Object data(int index) {
          return g[index];
        }

        @Override
        public void clear() {
          throw new UnsupportedOperationException();
        }
      };
    }

    @Override
    public void initialize(long seed) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void predictBatch(int batch, double[][] inputs, double[][] outputs) {
      throw new UnsupportedOperationException();
    }

    @Override
    public double lossBatch(int batch, double[][] inputs, double[][] targets) {
      throw new UnsupportedOperationException();
    }

    @Override
    public double lossAndGradientBatch(int batch, double[][] inputs, double[][] targets, Gradient gradient) {
      throw new UnsupportedOperationException();
    }

    @Override
    public double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients) {
      throw new UnsupportedOperationException();
    }
  }

  private static double[] random(SplittableRandom rnd, int n) {
    return VectorKernelsTest.random(rnd, n);
  }

  private static float[] toFloat(double[] a) {
    return VectorKernelsTest.toFloat(a);
  }
}
