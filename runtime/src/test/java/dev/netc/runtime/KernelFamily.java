package dev.netc.runtime;

/**
 * The kernels generated classes call, as one family per implementation: the Vector API ones and
 * the plain Java ones have the same methods, and the tests run both against the same plain loops.
 */
interface KernelFamily {
  String name();

  void matmulRows(double[] w, double[] x, double[] z, int m, int k, int batch);

  void matmulRows(float[] w, float[] x, float[] z, int m, int k, int batch);

  void matmulCols(double[] w, double[] d, double[] y, int m, int k, int batch);

  void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch);

  void outerAccumulate(double[] a, double[] b, double[] g, int rows, int cols, int batch, double scale, boolean assign);

  void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale, boolean assign);

  void backwardRows(double[] w, double[] d, double[] x, double[] y, double[] g, int m, int k, int batch, double scale);

  void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, int batch, float scale);

  /** {@code act((t + t2) + bias)}, {@code t2} and {@code bias} null for none. */
  void activate(int act, double[] t, double[] t2, double[] bias, double[] out, int size, int batch);

  void activate(int act, float[] t, float[] t2, float[] bias, float[] out, int size, int batch);

  KernelFamily VECTOR = new KernelFamily() {
    public String name() {
      return "vector";
    }

    public void matmulRows(double[] w, double[] x, double[] z, int m, int k, int batch) {
      VectorKernelsD.matmulRows(w, x, z, m, k, batch);
    }

    public void matmulRows(float[] w, float[] x, float[] z, int m, int k, int batch) {
      VectorKernelsF.matmulRows(w, x, z, m, k, batch);
    }

    public void matmulCols(double[] w, double[] d, double[] y, int m, int k, int batch) {
      VectorKernelsD.matmulCols(w, d, y, m, k, batch);
    }

    public void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch) {
      VectorKernelsF.matmulCols(w, d, y, m, k, batch);
    }

    public void outerAccumulate(double[] a, double[] b, double[] g, int rows, int cols, int batch, double scale,
        boolean assign) {
      VectorKernelsD.outerAccumulate(a, b, g, rows, cols, batch, scale, assign);
    }

    public void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
        boolean assign) {
      VectorKernelsF.outerAccumulate(a, b, g, rows, cols, batch, scale, assign);
    }

    public void backwardRows(double[] w, double[] d, double[] x, double[] y, double[] g, int m, int k, int batch,
        double scale) {
      VectorKernelsD.backwardRows(w, d, x, y, g, m, k, batch, scale);
    }

    public void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, int batch,
        float scale) {
      VectorKernelsF.backwardRows(w, d, x, y, g, m, k, batch, scale);
    }

    public void activate(int act, double[] t, double[] t2, double[] bias, double[] out, int size, int batch) {
      if (t2 == null) {
        VectorKernelsD.activate(act, t, bias, out, size, batch);     // the 6-argument form generated code calls
      } else {
        VectorKernelsD.activate(act, t, t2, bias, out, size, batch);
      }
    }

    public void activate(int act, float[] t, float[] t2, float[] bias, float[] out, int size, int batch) {
      if (t2 == null) {
        VectorKernelsF.activate(act, t, bias, out, size, batch);     // the 6-argument form generated code calls
      } else {
        VectorKernelsF.activate(act, t, t2, bias, out, size, batch);
      }
    }
  };

  KernelFamily SCALAR = new KernelFamily() {
    public String name() {
      return "scalar";
    }

    public void matmulRows(double[] w, double[] x, double[] z, int m, int k, int batch) {
      ScalarKernelsD.matmulRows(w, x, z, m, k, batch);
    }

    public void matmulRows(float[] w, float[] x, float[] z, int m, int k, int batch) {
      ScalarKernelsF.matmulRows(w, x, z, m, k, batch);
    }

    public void matmulCols(double[] w, double[] d, double[] y, int m, int k, int batch) {
      ScalarKernelsD.matmulCols(w, d, y, m, k, batch);
    }

    public void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch) {
      ScalarKernelsF.matmulCols(w, d, y, m, k, batch);
    }

    public void outerAccumulate(double[] a, double[] b, double[] g, int rows, int cols, int batch, double scale,
        boolean assign) {
      ScalarKernelsD.outerAccumulate(a, b, g, rows, cols, batch, scale, assign);
    }

    public void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
        boolean assign) {
      ScalarKernelsF.outerAccumulate(a, b, g, rows, cols, batch, scale, assign);
    }

    public void backwardRows(double[] w, double[] d, double[] x, double[] y, double[] g, int m, int k, int batch,
        double scale) {
      ScalarKernelsD.backwardRows(w, d, x, y, g, m, k, batch, scale);
    }

    public void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, int batch,
        float scale) {
      ScalarKernelsF.backwardRows(w, d, x, y, g, m, k, batch, scale);
    }

    public void activate(int act, double[] t, double[] t2, double[] bias, double[] out, int size, int batch) {
      if (t2 == null) {
        ScalarKernelsD.activate(act, t, bias, out, size, batch);     // the 6-argument form generated code calls
      } else {
        ScalarKernelsD.activate(act, t, t2, bias, out, size, batch);
      }
    }

    public void activate(int act, float[] t, float[] t2, float[] bias, float[] out, int size, int batch) {
      if (t2 == null) {
        ScalarKernelsF.activate(act, t, bias, out, size, batch);     // the 6-argument form generated code calls
      } else {
        ScalarKernelsF.activate(act, t, t2, bias, out, size, batch);
      }
    }
  };

  KernelFamily[] ALL = {VECTOR, SCALAR};
}
