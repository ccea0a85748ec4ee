package dev.netc.runtime;

/**
 * The matrix products of networks in float, in plain Java: what generated classes run when the
 * JVM has no Vector API ({@link Vectorized#ENABLED} false). The methods are those of
 * {@link VectorKernelsF}, with the same arguments and results up to rounding (within the float
 * tolerances of {@code docs/codegen.md}).
 *
 * <p>Every inner loop is an axpy over a contiguous row, {@code out[j] += s0 * a[j] + s1 * b[j] + ...},
 * the one shape C2's superword pass turns into SIMD instructions reliably (a dot product's
 * reduction it never does, see docs/performance.md, "Machine facts"), four rows per pass so that
 * each store feeds four multiply-adds, the four rows being distinct arrays ({@link #axpy4}): a
 * per-thread scratch holds a copy of them. {@code W * x}, whose rows are dot products in this layout,
 * reads a transposed copy of W (for a batch of at least {@link #TRANSPOSE_MIN_BATCH}).
 *
 * <p>One source, two classes: {@code runtime/src/main/twins} holds this class's source in single
 * precision (the {@code F} class), and the build writes it and a double-precision copy (the
 * {@code D} class, by the rules in {@code runtime/pom.xml}) to {@code target/generated-sources/twins}.
 * Java has no generics over primitives; the JDK generates its own vector classes from one template
 * the same way. Edit the source in {@code twins} only.
 */
public final class ScalarKernelsF {
  /** The activations of {@link #activate} (the same numbers as {@link VectorKernelsF}'s). */
  public static final int IDENTITY = 0;
  public static final int TANH = 1;
  public static final int SIGMOID = 2;
  public static final int RELU = 3;
  public static final int GELU = 4;
  public static final int EXP = 5;

  /** The smallest batch for which {@link #matmulRows} transposes W first. */
  static final int TRANSPOSE_MIN_BATCH = 8;

  /** Per thread: rows of scratch (a transposed W, or a copy of a matrix's rows), grown as needed. */
  private static final ThreadLocal<float[][][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[][][] {new float[1][0], new float[1][0]});

  private ScalarKernelsF() {}

  /** {@code out[e*size + i] = act(t[e*size + i] + bias[i])}, as {@link VectorKernelsF#activate}. */
  public static void activate(int act, float[] t, float[] bias, float[] out, int size, int batch) {
    activate(act, t, null, bias, out, size, batch);
  }

  /** {@code out[e*size + i] = act((t[e*size + i] + t2[e*size + i]) + bias[i])}, as {@link VectorKernelsF#activate}. */
  public static void activate(int act, float[] t, float[] t2, float[] bias, float[] out, int size, int batch) {
    int n = size * batch;
    if (t2 != null) {
      for (int i = 0; i < n; i++) {
        out[i] = t[i] + t2[i];
      }
      t = out;
    }
    if (bias != null) {
      for (int e = 0; e < batch; e++) {
        int o = e * size;
        for (int i = 0; i < size; i++) {
          out[o + i] = t[o + i] + bias[i];
        }
      }
      t = out;
    }
    switch (act) {
      case TANH -> {
        for (int i = 0; i < n; i++) {
          out[i] = Ops.tanh(t[i]);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) {
          out[i] = Ops.sigmoid(t[i]);
        }
      }
      case RELU -> {
        for (int i = 0; i < n; i++) {
          out[i] = Ops.relu(t[i]);
        }
      }
      case GELU -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) Ops.gelu(t[i]);
        }
      }
      case EXP -> {
        for (int i = 0; i < n; i++) {
          out[i] = Ops.exp(t[i]);
        }
      }
      default -> {
        if (t != out) {
          System.arraycopy(t, 0, out, 0, n);
        }
      }
    }
  }

  /**
   * {@code z[e*m + r] = sum over c of w[r*k + c] * x[e*k + c]}, as {@link VectorKernelsF#matmulRows}.
   * For a batch of at least {@link #TRANSPOSE_MIN_BATCH}, W is transposed once into a per-thread
   * buffer and each example's row of z is the sum of four rows of that copy at a time
   * ({@link #axpy4}); for fewer, each value is a dot product, four rows per pass.
   */
  public static void matmulRows(float[] w, float[] x, float[] z, int m, int k, int batch) {
    if (batch >= TRANSPOSE_MIN_BATCH) {
      float[][] wt = transposed(w, m, k);
      for (int e = 0; e < batch; e++) {
        rowsTimes(wt, x, e * k, k, z, e * m, m);
      }
      return;
    }
    for (int e = 0; e < batch; e++) {
      int xo = e * k;
      int r = 0;
      for (; r + 4 <= m; r += 4) {
        int w0 = r * k;
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int c = 0; c < k; c++) {
          float xc = x[xo + c];
          s0 += w[w0 + c] * xc;
          s1 += w[w1 + c] * xc;
          s2 += w[w2 + c] * xc;
          s3 += w[w3 + c] * xc;
        }
        z[e * m + r] = s0;
        z[e * m + r + 1] = s1;
        z[e * m + r + 2] = s2;
        z[e * m + r + 3] = s3;
      }
      for (; r < m; r++) {
        float s = 0;
        for (int c = 0; c < k; c++) {
          s += w[r * k + c] * x[xo + c];
        }
        z[e * m + r] = s;
      }
    }
  }

  /** This thread's scratch {@code which} (0 or 1): at least {@code n} rows of at least {@code len} elements. */
  private static float[][] scratch(int which, int n, int len) {
    float[][][] holder = SCRATCH.get();
    float[][] rows = holder[which];
    if (rows.length < n) {
      rows = java.util.Arrays.copyOf(rows, n);
      holder[which] = rows;
    }
    for (int i = 0; i < n; i++) {
      if (rows[i] == null || rows[i].length < len) {
        rows[i] = new float[len];
      }
    }
    return rows;
  }

  /** {@code w} ({@code m x k}) transposed into this thread's scratch 0: row {@code c} holds column {@code c}. */
  private static float[][] transposed(float[] w, int m, int k) {
    float[][] wt = scratch(0, k, m);
    for (int c0 = 0; c0 < k; c0 += 16) {
      int c1 = Math.min(k, c0 + 16);
      for (int r = 0; r < m; r++) {
        int wo = r * k;
        for (int c = c0; c < c1; c++) {
          wt[c][r] = w[wo + c];
        }
      }
    }
    return wt;
  }

  /** The {@code n} rows of {@code len} elements of the flat {@code a}, copied into this thread's scratch 0. */
  private static float[][] rowsOf(float[] a, int n, int len) {
    float[][] rows = scratch(0, n, len);
    for (int i = 0; i < n; i++) {
      System.arraycopy(a, i * len, rows[i], 0, len);
    }
    return rows;
  }

  /**
   * {@code y[yo + j] = sum over c < n of s[so + c] * a[c][j]} for {@code j < cols}: the sum of the
   * rows of {@code a} weighted by {@code s}, four rows per pass over a row of scratch 1 that is
   * then copied to y.
   */
  private static void rowsTimes(float[][] a, float[] s, int so, int n, float[] y, int yo, int cols) {
    float[] acc = scratch(1, 1, cols)[0];
    java.util.Arrays.fill(acc, 0, cols, 0f);
    int c = 0;
    for (; c + 4 <= n; c += 4) {
      axpy4(acc, a[c], a[c + 1], a[c + 2], a[c + 3], s[so + c], s[so + c + 1], s[so + c + 2], s[so + c + 3], cols);
    }
    for (; c < n; c++) {
      axpy1(acc, a[c], s[so + c], cols);
    }
    System.arraycopy(acc, 0, y, yo, cols);
  }

  /**
   * {@code y[j] += s0 * a0[j] + s1 * a1[j] + s2 * a2[j] + s3 * a3[j]} for {@code j < n}: the loop C2's
   * superword pass turns into SIMD instructions, one store and four loads, each from an array of its
   * own at offset 0. Measured on JDK 17 (AVX-512 host, the other core busy): 0.2-0.3 ns per element
   * (four multiply-adds), where the same loop at an offset known only at run time ({@code y[yo + j]}),
   * or reading one array at four offsets, or storing to four rows in one loop, stays scalar at
   * 0.7-1.0 ns. Hence the rows copied into arrays of their own (per-thread scratch) around it.
   */
  private static void axpy4(float[] y, float[] a0, float[] a1, float[] a2, float[] a3, float s0, float s1, float s2,
      float s3, int n) {
    for (int j = 0; j < n; j++) {
      y[j] += s0 * a0[j] + s1 * a1[j] + s2 * a2[j] + s3 * a3[j];
    }
  }

  /** {@code y[j] += s * a[j]} for {@code j < n}. */
  private static void axpy1(float[] y, float[] a, float s, int n) {
    for (int j = 0; j < n; j++) {
      y[j] += s * a[j];
    }
  }

  /**
   * {@code y[e*m + r] = sum over c of d[e*k + c] * w[c*m + r]}, as {@link VectorKernelsF#matmulCols}:
   * for each example, the sum over {@code c} of {@code d[c]} times row {@code c} of W.
   */
  public static void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch) {
    float[][] rows = rowsOf(w, k, m);
    for (int e = 0; e < batch; e++) {
      rowsTimes(rows, d, e * k, k, y, e * m, m);
    }
  }

  /**
   * A layer's backward pass, as {@link VectorKernelsF#backwardRows}: {@code y = transpose(W) * d}
   * and {@code g = scale * sum over e of d_e x_e^T}; for one example in one pass over W.
   */
  public static void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, int batch,
      float scale) {
    if (batch != 1) {
      matmulCols(w, d, y, k, m, batch);
      outerAccumulate(d, x, g, m, k, batch, scale, true);
      return;
    }
    java.util.Arrays.fill(y, 0, k, 0f);
    for (int r = 0; r < m; r++) {
      int w0 = r * k;
      float d0 = d[r];
      float t0 = d0 * scale;
      for (int j = 0; j < k; j++) {
        y[j] += d0 * w[w0 + j];
        g[w0 + j] = t0 * x[j];
      }
    }
  }

  /**
   * {@link VectorKernelsF#windowProduct}'s sums, each in double, in the order (i, p, q); the
   * packs are not used.
   */
  public static void windowProduct(float[] k, float[] x, float[] y, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float[] packX, float[] part, float[][] in, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    for (int e = 0; e < batch; e++) {
      for (int o = 0; o < rows; o++) {
        for (int r = 0; r < oh; r++) {
          for (int c = 0; c < ow; c++) {
            double s = 0;
            for (int i = 0; i < planes; i++) {
              for (int p = 0; p < kh; p++) {
                for (int q = 0; q < kw; q++) {
                  s += (double) k[((o * planes + i) * kh + p) * kw + q] * x[((e * planes + i) * height + r + p) * width + c + q];
                }
              }
            }
            y[((e * rows + o) * oh + r) * ow + c] = (float) s;
          }
        }
      }
    }
  }

  /**
   * {@link VectorKernelsF#windowInputGradient}'s sums, each in double, in the order (o, p, q);
   * the packs are not used.
   */
  public static void windowInputGradient(float[] k, float[] d, float[] dx, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float[] packK, float[] packD, float[] part, float[][] in, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    for (int e = 0; e < batch; e++) {
      for (int c = 0; c < planes; c++) {
        for (int i = 0; i < height; i++) {
          for (int j = 0; j < width; j++) {
            double s = 0;
            for (int o = 0; o < rows; o++) {
              for (int p = Math.max(0, i - oh + 1); p <= Math.min(kh - 1, i); p++) {
                for (int q = Math.max(0, j - ow + 1); q <= Math.min(kw - 1, j); q++) {
                  s += (double) k[((o * planes + c) * kh + p) * kw + q] * d[((e * rows + o) * oh + i - p) * ow + j - q];
                }
              }
            }
            dx[((e * planes + c) * height + i) * width + j] = (float) s;
          }
        }
      }
    }
  }

  /**
   * {@link VectorKernelsF#windowGradient}'s sums, each over the batch in double, in the order
   * (e, y, x); the packs are not used.
   */
  public static void windowGradient(float[] a, float[] b, float[] g, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float scale, boolean assign, float[] packA, float[] packB, float[] part, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    int aSize = rows * oh * ow;
    int bSize = planes * height * width;
    for (int o = 0; o < rows; o++) {
      for (int c = 0; c < planes; c++) {
        for (int p = 0; p < kh; p++) {
          for (int q = 0; q < kw; q++) {
            double s = 0;
            for (int e = 0; e < batch; e++) {
              for (int y = 0; y < oh; y++) {
                int ar = e * aSize + (o * oh + y) * ow;
                int br = e * bSize + (c * height + y + p) * width + q;
                for (int x = 0; x < ow; x++) {
                  s += (double) a[ar + x] * b[br + x];
                }
              }
            }
            int i = ((o * planes + c) * kh + p) * kw + q;
            g[i] = (float) (assign ? scale * s : g[i] + scale * s);
          }
        }
      }
    }
  }

  /**
   * {@code g[r*cols + j] (=|+=) scale * sum over e of a[e*rows + r] * b[e*cols + j]}, as
   * {@link VectorKernelsF#outerAccumulate}: four examples per pass over each row of g.
   */
  public static void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign) {
    float[][] br = rowsOf(b, batch, cols);
    float[] acc = scratch(1, 1, cols)[0];
    for (int r = 0; r < rows; r++) {
      int go = r * cols;
      if (assign) {
        java.util.Arrays.fill(acc, 0, cols, 0f);
      } else {
        System.arraycopy(g, go, acc, 0, cols);
      }
      int e = 0;
      for (; e + 4 <= batch; e += 4) {
        axpy4(acc, br[e], br[e + 1], br[e + 2], br[e + 3], a[e * rows + r] * scale, a[(e + 1) * rows + r] * scale,
            a[(e + 2) * rows + r] * scale, a[(e + 3) * rows + r] * scale, cols);
      }
      for (; e < batch; e++) {
        axpy1(acc, br[e], a[e * rows + r] * scale, cols);
      }
      System.arraycopy(acc, 0, g, go, cols);
    }
  }
}
