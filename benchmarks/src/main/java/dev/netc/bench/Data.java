package dev.netc.bench;

import dev.netc.bench.hand.HandNetD;
import dev.netc.bench.hand.HandNetF;
import dev.netc.bench.hand.HandXorD;
import dev.netc.bench.hand.HandXorF;
import dev.netc.runtime.Model;
import java.util.SplittableRandom;

/** Inputs and targets of the workloads, and copying a generated model's params into a hand-written one. */
public final class Data {
  private Data() {}

  /** XOR's truth table repeated to {@code batch} examples: x [batch * 2], y [batch]. */
  public static double[][] xor(int batch) {
    double[] x = new double[batch * 2];
    double[] y = new double[batch];
    for (int ex = 0; ex < batch; ex++) {
      int a = ex & 1;
      int b = (ex >> 1) & 1;
      x[2 * ex] = a;
      x[2 * ex + 1] = b;
      y[ex] = a ^ b;
    }
    return new double[][] {x, y};
  }

  /** MNIST-like: pixels uniform in [0, 1), a one-hot label of 10. */
  public static double[][] mlp(int batch, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[batch * 784];
    double[] y = new double[batch * 10];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextDouble();
    }
    for (int ex = 0; ex < batch; ex++) {
      y[ex * 10 + rnd.nextInt(10)] = 1;
    }
    return new double[][] {x, y};
  }

  /** Chain: inputs uniform in [-1, 1), targets uniform in [-0.5, 0.5). */
  public static double[][] chain(int batch, int width, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[batch * width];
    double[] y = new double[batch * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextDouble(-1, 1);
      y[i] = rnd.nextDouble(-0.5, 0.5);
    }
    return new double[][] {x, y};
  }

  public static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  /** Params are declared W1, b1, W2, b2, ... in every benchmark network: param 2l is W of layer l. */
  public static void copyParams(Model m, HandNetD h) {
    for (int l = 0; l < h.layers(); l++) {
      copy((double[]) m.paramData(2 * l), h.W[l]);
      copy((double[]) m.paramData(2 * l + 1), h.b[l]);
    }
  }

  public static void copyParams(Model m, HandNetF h) {
    for (int l = 0; l < h.layers(); l++) {
      copy((float[]) m.paramData(2 * l), h.W[l]);
      copy((float[]) m.paramData(2 * l + 1), h.b[l]);
    }
  }

  public static void copyParams(Model m, HandXorD h) {
    copy((double[]) m.paramData(0), h.W1);
    copy((double[]) m.paramData(1), h.b1);
    copy((double[]) m.paramData(2), h.W2);
    copy((double[]) m.paramData(3), h.b2);
  }

  public static void copyParams(Model m, HandXorF h) {
    copy((float[]) m.paramData(0), h.W1);
    copy((float[]) m.paramData(1), h.b1);
    copy((float[]) m.paramData(2), h.W2);
    copy((float[]) m.paramData(3), h.b2);
  }

  private static void copy(double[] from, double[] to) {
    if (from.length != to.length) {
      throw new IllegalStateException("param sizes differ: " + from.length + " vs " + to.length);
    }
    System.arraycopy(from, 0, to, 0, from.length);
  }

  private static void copy(float[] from, float[] to) {
    if (from.length != to.length) {
      throw new IllegalStateException("param sizes differ: " + from.length + " vs " + to.length);
    }
    System.arraycopy(from, 0, to, 0, from.length);
  }

  /** Number of scalar params of a model. */
  public static long paramCount(Model m) {
    long n = 0;
    for (var t : m.params()) {
      n += t.size();
    }
    return n;
  }
}
