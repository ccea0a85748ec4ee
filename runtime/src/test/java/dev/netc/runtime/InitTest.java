package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class InitTest {
  static double mean(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s / a.length;
  }

  static double std(double[] a) {
    double m = mean(a);
    double s = 0;
    for (double v : a) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / a.length);
  }

  static double[] widen(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  @Test
  void fans() {
    assertEquals(784, Init.fanIn(new int[] {128, 784}));
    assertEquals(128, Init.fanOut(new int[] {128, 784}));
    assertEquals(5, Init.fanIn(new int[] {5}));
    assertEquals(5, Init.fanOut(new int[] {5}));
    assertEquals(1, Init.fanIn(new int[] {}));
    assertEquals(Math.sqrt(6.0 / 912), Init.xavierLimit(new int[] {128, 784}), 1e-15);
    assertEquals(Math.sqrt(2.0 / 784), Init.heStd(new int[] {128, 784}), 1e-15);
  }

  @Test
  void constants() {
    double[] d = new double[7];
    float[] f = new float[7];
    Init.ones(d);
    Init.ones(f);
    assertEquals(1.0, d[6]);
    assertEquals(1.0f, f[6]);
    Init.constant(d, 0.25);
    Init.constant(f, 0.25);
    assertEquals(0.25, d[3]);
    assertEquals(0.25f, f[3]);
    Init.zeros(d);
    Init.zeros(f);
    assertEquals(0.0, d[0]);
    assertEquals(0.0f, f[0]);
  }

  @Test
  void uniformStatistics() {
    double[] d = new double[200_000];
    Init.uniform(d, -2, 3, new Rng(1));
    assertEquals(0.5, mean(d), 0.02);
    assertEquals(5 / Math.sqrt(12), std(d), 0.02);
    for (double v : d) {
      assertTrue(v >= -2 && v < 3);
    }
    float[] f = new float[200_000];
    Init.uniform(f, -2, 3, new Rng(1));
    for (int i = 0; i < f.length; i++) {
      assertEquals((float) d[i], f[i]);
    }
    assertThrows(IllegalArgumentException.class, () -> Init.uniform(d, 1, 0, new Rng(1)));
  }

  @Test
  void normalStatistics() {
    double[] d = new double[200_000];
    Init.normal(d, 3, 0.5, new Rng(2));
    assertEquals(3, mean(d), 0.01);
    assertEquals(0.5, std(d), 0.01);
    float[] f = new float[200_000];
    Init.normal(f, 3, 0.5, new Rng(2));
    assertEquals(3, mean(widen(f)), 0.01);
    assertEquals(0.5, std(widen(f)), 0.01);
    assertThrows(IllegalArgumentException.class, () -> Init.normal(d, 0, -1, new Rng(1)));
  }

  @Test
  void xavierLimitsAndStatistics() {
    int[] shape = {400, 600};
    double limit = Math.sqrt(6.0 / 1000);
    double[] d = new double[240_000];
    Init.xavier(d, shape, new Rng(3));
    for (double v : d) {
      assertTrue(Math.abs(v) <= limit);
    }
    assertEquals(0, mean(d), 0.001);
    assertEquals(limit / Math.sqrt(3), std(d), 0.001);
    float[] f = new float[240_000];
    Init.xavier(f, shape, new Rng(3));
    for (float v : f) {
      assertTrue(Math.abs(v) <= (float) limit);
    }
    assertThrows(IllegalArgumentException.class, () -> Init.xavier(new double[5], shape, new Rng(1)));
  }

  @Test
  void heStatistics() {
    int[] shape = {500, 200};
    double[] d = new double[100_000];
    Init.he(d, shape, new Rng(4));
    assertEquals(0, mean(d), 0.002);
    assertEquals(Math.sqrt(2.0 / 200), std(d), 0.002);
    float[] f = new float[100_000];
    Init.he(f, shape, new Rng(4));
    assertEquals(Math.sqrt(2.0 / 200), std(widen(f)), 0.002);
  }

  @Test
  void deterministicBySeed() {
    double[] a = new double[100];
    double[] b = new double[100];
    double[] c = new double[100];
    Init.he(a, new int[] {10, 10}, Rng.forParam(7, "W"));
    Init.he(b, new int[] {10, 10}, Rng.forParam(7, "W"));
    Init.he(c, new int[] {10, 10}, Rng.forParam(8, "W"));
    assertArrayEquals(a, b);
    assertFalse(java.util.Arrays.equals(a, c));
  }
}
