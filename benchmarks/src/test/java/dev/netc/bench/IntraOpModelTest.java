package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.netc.runtime.Adam;
import dev.netc.runtime.IntraOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Intra-op threads through the generated class users call: the MLP 784-128-10 compiled with
 * {@code --vector}, trained for five Adam steps at batch 1 and 64 with 1, 2 and 3 threads, gives
 * bitwise the same losses, gradients and params; and a warm train step with two threads
 * allocates nothing.
 */
class IntraOpModelTest {
  @AfterEach
  void oneThread() {
    IntraOp.setThreads(1);
  }

  @Test
  void theMlpTrainsToTheSameBitsWithAnyNumberOfThreads() {
    for (int batch : new int[] {1, 64}) {
      double[][] data = Data.mlp(batch, 7L);
      Object[] one = trainD(batch, data, 1);
      Object[] oneF = trainF(batch, data, 1);
      for (int threads : new int[] {2, 3}) {
        Object[] many = trainD(batch, data, threads);
        Object[] manyF = trainF(batch, data, threads);
        String what = "batch " + batch + ", " + threads + " threads";
        assertArrayEquals((double[]) one[0], (double[]) many[0], what + ": losses (double)");
        assertArrayEquals((double[]) one[1], (double[]) many[1], what + ": W1 gradient (double)");
        assertArrayEquals((double[]) one[2], (double[]) many[2], what + ": W1 (double)");
        assertArrayEquals((double[]) one[3], (double[]) many[3], what + ": W2 (double)");
        assertArrayEquals((double[]) oneF[0], (double[]) manyF[0], what + ": losses (float)");
        assertArrayEquals((float[]) oneF[1], (float[]) manyF[1], what + ": W1 gradient (float)");
        assertArrayEquals((float[]) oneF[2], (float[]) manyF[2], what + ": W1 (float)");
        assertArrayEquals((float[]) oneF[3], (float[]) manyF[3], what + ": W2 (float)");
      }
    }
  }

  private static Object[] trainD(int batch, double[][] data, int threads) {
    IntraOp.setThreads(threads);
    var net = new dev.netc.bench.gen.dv.Mlp(42L);
    var grad = net.newGradient();
    Adam adam = new Adam(1e-2);
    double[] losses = new double[5];
    for (int step = 0; step < 5; step++) {
      losses[step] = net.lossAndGradient(batch, data[0], data[1], grad);
      adam.step(net, grad);
    }
    IntraOp.setThreads(1);
    return new Object[] {losses, grad.W1.clone(), net.W1.clone(), net.W2.clone()};
  }

  private static Object[] trainF(int batch, double[][] data, int threads) {
    IntraOp.setThreads(threads);
    var net = new dev.netc.bench.gen.fv.Mlp(42L);
    var grad = net.newGradient();
    float[] x = Data.toFloat(data[0]);
    float[] y = Data.toFloat(data[1]);
    Adam adam = new Adam(1e-2);
    double[] losses = new double[5];
    for (int step = 0; step < 5; step++) {
      losses[step] = net.lossAndGradient(batch, x, y, grad);
      adam.step(net, grad);
    }
    IntraOp.setThreads(1);
    return new Object[] {losses, grad.W1.clone(), net.W1.clone(), net.W2.clone()};
  }

  @Test
  void aWarmTrainStepWithTwoThreadsAllocatesNothing() {
    IntraOp.setThreads(2);
    double[][] data = Data.mlp(1, 7L);
    var net = new dev.netc.bench.gen.dv.Mlp(42L);
    var grad = net.newGradient();
    Adam adam = new Adam(1e-3);
    Allocations.assertNothing("vector Mlp double, two intra-op threads", () -> {
      net.lossAndGradient(1, data[0], data[1], grad);
      adam.step(net, grad);
    });
  }
}
