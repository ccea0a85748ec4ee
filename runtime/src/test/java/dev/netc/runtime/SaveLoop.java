package dev.netc.runtime;

import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link ParamsFileCrashTest}: saves a large model to one path over and
 * over, the values of save number {@code s} being {@link #value}(s, i), until killed.
 */
public final class SaveLoop {
  static final int D = 1000;
  static final int K = 500; // W has 500k doubles: a 4 MB file

  static double value(int save, int i) {
    return save * 1e6 + i;
  }

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    SoftmaxRegression m = new SoftmaxRegression(D, K, Precision.DOUBLE);
    double[] w = (double[]) m.w;
    double[] b = (double[]) m.b;
    for (int s = 1; ; s++) {
      for (int i = 0; i < w.length; i++) {
        w[i] = value(s, i);
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = value(s, -i);
      }
      ParamsFile.save(m, path);
      System.out.println("saved " + s);
      System.out.flush();
    }
  }
}
