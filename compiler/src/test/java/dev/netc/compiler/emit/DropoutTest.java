package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParallelModel;
import dev.netc.runtime.Sgd;
import dev.netc.runtime.Trainer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code dropout(x, p)} in generated classes: the identity in evaluation mode (the default), a
 * mask of zeros (probability p) and {@code 1 / (1 - p)} in training mode, drawn once per forward
 * pass and used by its backward pass, reproducible from {@code seedDropout}.
 */
class DropoutTest {
  static final double P = 0.3;

  /** 1,000 elements per example: 10 examples give 10,000 mask elements. */
  static final String WIDE = """
      network Wide {
          input  x[1000]
          target t[1000]
          param  w[1000]
          h = dropout(w .* x, 0.3)
          output h
          loss = mse(h, t)
      }
      """;

  static final String SMALL = """
      network Small {
          input  x[6]
          target y[3]
          param  W1[5, 6] init he
          param  b1[5]
          param  W2[3, 5]
          param  b2[3]
          h = dropout(tanh(W1 * x + b1), 0.4)
          z = W2 * dropout(h, 0.25) + b2
          output z
          loss = softmax_cross_entropy(z, y)
      }
      """;

  private static void fill(Object param, double v) {
    if (param instanceof double[] d) {
      Arrays.fill(d, v);
    } else {
      Arrays.fill((float[]) param, (float) v);
    }
  }

  private static double[][] ones(int n) {
    double[][] x = {new double[n]};
    Arrays.fill(x[0], 1);
    return x;
  }

  @Test
  void evaluationModeIsTheIdentity() {
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(WIDE, isFloat, 1);
      assertFalse(m.isTraining(), "evaluation mode is the default");
      Random r = new Random(5);
      double[][] x = {new double[3 * 1000]};
      for (int i = 0; i < x[0].length; i++) {
        x[0][i] = r.nextGaussian();
      }
      fill(m.paramData(0), 1);
      double[][] out = {new double[3 * 1000]};
      m.predictBatch(3, x, out);
      assertArrayEquals(isFloat ? floats(x[0]) : x[0], out[0], 0, "predict");
      m.setTraining(true);
      assertTrue(m.isTraining());
      m.predictBatch(3, x, out);
      assertFalse(Arrays.equals(x[0], out[0]), "training mode drops elements");
      m.setTraining(false);
      m.predictBatch(3, x, out);
      assertArrayEquals(isFloat ? floats(x[0]) : x[0], out[0], 0, "predict after training mode is off again");
    }
  }

  private static double[] floats(double[] x) {
    double[] f = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }

  /**
   * 10,000 mask elements: the count of zeros is binomial(10,000, p), within 5 standard deviations
   * (about 229) of its mean 3,000 except with probability below 1e-6; every survivor is exactly
   * 1 / (1 - p).
   */
  @Test
  void trainingModeZeroesAboutAFractionPAndScalesTheRest() {
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(WIDE, isFloat, 1);
      fill(m.paramData(0), 1);
      m.setTraining(true);
      m.seedDropout(12345);
      int batch = 10;
      double[][] out = {new double[batch * 1000]};
      m.predictBatch(batch, ones(batch * 1000), out);
      double scale = isFloat ? (float) (1 / (1 - P)) : 1 / (1 - P);
      int zeros = 0;
      for (double v : out[0]) {
        if (v == 0) {
          zeros++;
        } else {
          assertEquals(scale, v, 0, "a survivor is scaled by 1 / (1 - p)");
        }
      }
      int n = out[0].length;
      double sigma = Math.sqrt(n * P * (1 - P));
      System.out.printf("dropout %s: %d zeros of %d (expected %.0f, sigma %.1f)%n", isFloat ? "float" : "double", zeros,
          n, n * P, sigma);
      assertTrue(Math.abs(zeros - n * P) <= 5 * sigma, zeros + " zeros of " + n);
    }
  }

  @Test
  void theSameSeedGivesTheSameMaskAndEachPassANewOne() {
    Model m = Codegen.model(WIDE, false, 1);
    fill(m.paramData(0), 1);
    m.setTraining(true);
    double[][] x = ones(2 * 1000);
    double[][] a = {new double[2 * 1000]};
    double[][] b = {new double[2 * 1000]};
    double[][] c = {new double[2 * 1000]};
    m.seedDropout(7);
    m.predictBatch(2, x, a);
    m.predictBatch(2, x, c);
    m.seedDropout(7);
    m.predictBatch(2, x, b);
    assertArrayEquals(a[0], b[0], 0, "seed 7 twice");
    assertFalse(Arrays.equals(a[0], c[0]), "the next forward pass draws a new mask");
    m.seedDropout(8);
    m.predictBatch(2, x, b);
    assertFalse(Arrays.equals(a[0], b[0]), "seeds 7 and 8");
    // another instance, same seed: same mask
    Model other = Codegen.model(WIDE, false, 99);
    fill(other.paramData(0), 1);
    other.setTraining(true);
    other.seedDropout(7);
    other.predictBatch(2, x, b);
    assertArrayEquals(a[0], b[0], 0, "seed 7 in another instance");
  }

  /**
   * In training mode, with the mask fixed by the seed, the gradient of every param is the central
   * difference of the loss with that mask (each loss call reseeded, so it draws the same mask):
   * d/dx dropout = mask / (1 - p). Batch 4, double.
   */
  @Test
  void gradientMatchesFiniteDifferencesWithTheSameMask() {
    Model m = Codegen.model(SMALL, false, 3);
    Random r = new Random(11);
    int batch = 4;
    double[][] x = {new double[batch * 6]};
    double[][] y = {new double[batch * 3]};
    for (int i = 0; i < x[0].length; i++) {
      x[0][i] = r.nextGaussian();
    }
    for (int e = 0; e < batch; e++) {
      y[0][e * 3 + r.nextInt(3)] = 1;
    }
    long seed = 2024;
    double evalLoss = m.lossBatch(batch, x, y);
    m.setTraining(true);
    m.seedDropout(seed);
    Gradient g = m.newGradient();
    double loss = m.lossAndGradientBatch(batch, x, y, g);
    m.seedDropout(seed);
    assertEquals(loss, m.lossBatch(batch, x, y), 0, "the same seed, the same mask: the same loss");
    assertNotEquals(evalLoss, loss, "the masks change the loss");
    int checked = 0;
    for (int p = 0; p < m.params().size(); p++) {
      double[] w = (double[]) m.paramData(p);
      double[] gp = (double[]) g.data(p);
      for (int i = 0; i < w.length; i++) {
        double h = 1e-5;
        double saved = w[i];
        w[i] = saved + h;
        m.seedDropout(seed);
        double up = m.lossBatch(batch, x, y);
        w[i] = saved - h;
        m.seedDropout(seed);
        double down = m.lossBatch(batch, x, y);
        w[i] = saved;
        double fd = (up - down) / (2 * h);
        assertEquals(fd, gp[i], 1e-7 * Math.max(1, Math.abs(fd)), m.params().get(p).name() + "[" + i + "]");
        checked++;
      }
    }
    assertEquals(5 * 6 + 5 + 3 * 5 + 3, checked);
  }

  @Test
  void trainingModeAllocatesNothingOnceWarm() {
    Model m = Codegen.model(SMALL, false, 3);
    int batch = 32;
    double[][] x = {new double[batch * 6]};
    double[][] y = {new double[batch * 3]};
    for (int e = 0; e < batch; e++) {
      y[0][e * 3 + e % 3] = 1;
    }
    Gradient g = m.newGradient();
    m.setTraining(true);
    AllocationTest.assertNoAllocation("dropout lossAndGradient", () -> m.lossAndGradientBatch(batch, x, y, g));
  }

  /**
   * The Trainer trains in training mode and evaluates in evaluation mode, reproducibly for a
   * seed, with one thread or two, and a run resumed after 2 epochs ends with the params of 4
   * uninterrupted epochs.
   */
  @Test
  void trainerRunsAreReproducibleAndResumable() throws Exception {
    int n = 64;
    Random r = new Random(4);
    double[][] x = {new double[n * 6]};
    double[][] y = {new double[n * 3]};
    for (int e = 0; e < n; e++) {
      for (int i = 0; i < 6; i++) {
        x[0][e * 6 + i] = r.nextGaussian();
      }
      y[0][e * 3 + (x[0][e * 6] > 0 ? 0 : x[0][e * 6 + 1] > 0 ? 1 : 2)] = 1;
    }
    Model probe = Codegen.model(SMALL, false, 3);
    Dataset data = new Dataset(probe.inputs(), probe.targets(), n, x, y);
    double[][] four = trained(data, 1, 0, 4, null);
    assertArrayEquals(four, trained(data, 1, 0, 4, null), "the same seed, the same params");
    double[][] resumed = trained(data, 1, 2, 4, trained(data, 1, 0, 2, null));
    assertArrayEquals(four, resumed, "2 epochs, then 2 more resumed");
    double[][] two = trained(data, 2, 0, 4, null);
    assertArrayEquals(two, trained(data, 2, 0, 4, null), "two threads: the same seed, the same params");
  }

  private static InMemoryCompiler.Compiled small;

  private static synchronized InMemoryCompiler.Compiled small() {
    if (small == null) {
      small = Codegen.javac(Codegen.generate("small.net", SMALL, false));
    }
    return small;
  }

  /** The params after epochs {@code from + 1 .. to} of SGD (seed 9), starting from {@code start} (or the init). */
  private static double[][] trained(Dataset data, int threads, int from, int to, double[][] start) throws Exception {
    Model m = Codegen.newModel(small(), "Small", 3);
    if (start != null) {
      for (int p = 0; p < start.length; p++) {
        System.arraycopy(start[p], 0, (double[]) m.paramData(p), 0, start[p].length);
      }
    }
    Trainer t = Trainer.builder().optimizer(new Sgd(0.1)).batchSize(8).epochs(to).startEpoch(from).seed(9).build();
    if (threads == 1) {
      t.train(m, data);
    } else {
      try (ParallelModel pm = new ParallelModel(m, () -> Codegen.newModel(small(), "Small", 3), threads, 2)) {
        t.train(pm, data);
        assertFalse(pm.isTraining(), "train leaves evaluation mode on");
      }
    }
    assertFalse(m.isTraining(), "train leaves evaluation mode on");
    double[][] params = new double[m.params().size()][];
    for (int p = 0; p < params.length; p++) {
      params[p] = ((double[]) m.paramData(p)).clone();
    }
    return params;
  }
}
