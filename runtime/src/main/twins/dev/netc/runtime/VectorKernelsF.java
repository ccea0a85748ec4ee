package dev.netc.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix products of networks, in float, written with the incubating Vector API
 * ({@code jdk.incubator.vector}). Generated classes call here only when {@link Vectorized#ENABLED}
 * (the JVM runs with {@code --add-modules jdk.incubator.vector}), so this class is loaded only
 * then; {@link ScalarKernelsF} has the same methods in plain Java for the other case.
 *
 * <p>Arrays are flat, row-major and example-major, as everywhere in generated code. Each
 * product is computed in register tiles: several examples times several rows (or vectors of
 * columns) at once, so each value loaded from memory feeds several fused multiply-adds. The
 * sums are in a different order than a plain loop, so results differ from the scalar kernels
 * by rounding (within the float tolerances of {@code docs/codegen.md}).
 *
 * <p>One source, two classes: {@code runtime/src/main/twins} holds this class's source in single
 * precision (the {@code F} class), and the build writes it and a double-precision copy (the
 * {@code D} class, by the rules in {@code runtime/pom.xml}) to {@code target/generated-sources/twins}.
 * Java has no generics over primitives; the JDK generates its own vector classes from one template
 * the same way. Edit the source in {@code twins} only.
 */
public final class VectorKernelsF {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Each lane's number, 0 to {@code L - 1}: {@code compare(LT, n)} on it is the mask of the first {@code n} lanes. */
  private static final float[] LANES = lanes();
  /** The examples from which {@link #outerAccumulate} packs its operands for its tiles. */
  private static final int PACK_MIN_BATCH = 64;
  /**
   * The strips of b from which {@link #outerAccumulate}'s packed tiles pack a's 4 rows too: over
   * fewer, the tile reads them in place (on AVX-512, the transformer's 256 x 64 weight gradient
   * over 512 positions 129-132 → 110-113 µs; over 8 strips, 256 x 256, packing a stays faster,
   * 429-446 against 495-501 µs).
   */
  private static final int PACK_A_MIN_STRIPS = 4;
  /** Per thread: {@link #outerAccumulate}'s packed strips of b and rows of a, grown as needed. */
  private static final ThreadLocal<float[][]> OUTER_SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});
  /** Which of the intra-op pool's job slots this file's jobs use. */
  private static final boolean IS_FLOAT = true;

  /** The activations of {@link #activate}: none (a bias add alone), tanh, sigmoid, relu, gelu, exp. */
  public static final int IDENTITY = 0;
  public static final int TANH = 1;
  public static final int SIGMOID = 2;
  public static final int RELU = 3;
  public static final int GELU = 4;
  public static final int EXP = 5;

  private VectorKernelsF() {}

  /**
   * {@code out[e*size + i] = act(t[e*size + i] + bias[i])} for every example {@code e < batch}
   * ({@code bias} null: no bias): a layer's bias and activation after its product, a vector at a
   * time, the last of a row (of the whole batch, without a bias) overlapping the one before where
   * out is not an input, else the scalar code. tanh, exp and the exponential of sigmoid and gelu
   * are the Vector API's (within 2 ulps of
   * {@code Math.tanh} and {@code Math.exp}, tested); relu is {@code max(x, 0)} as {@link Ops#relu},
   * gelu {@code x / (1 + exp(-2k (x + 0.044715 x^3)))} as {@link Ops#gelu}.
   */
  public static void activate(int act, float[] t, float[] bias, float[] out, int size, int batch) {
    activate(act, t, null, bias, out, size, batch);
  }

  /**
   * {@code out[e*size + i] = act((t[e*size + i] + t2[e*size + i]) + bias[i])}, as the 6-argument
   * {@code activate} ({@code t2} null: none): a recurrent cell's gate, {@code act(W x + U h + b)},
   * with its two products' sums added in the order the generated loop adds them.
   */
  public static void activate(int act, float[] t, float[] t2, float[] bias, float[] out, int size, int batch) {
    activate(act, t, t2, bias, false, out, size, batch);
  }

  /**
   * {@code out[e*size + i] = act((t[e*size + i] + bias[i]) + r[e*size + i])}, as the 6-argument
   * {@code activate} with a second batched term added after the bias: a transformer's residual,
   * {@code x + b + W o}, in the order the generated loop adds it.
   */
  public static void activateResidual(int act, float[] t, float[] bias, float[] r, float[] out, int size, int batch) {
    activate(act, t, r, bias, true, out, size, batch);
  }

  /** {@code act((t + t2) + bias)}, or {@code act((t + bias) + t2)} where {@code biasFirst}. */
  private static void activate(int act, float[] t, float[] t2, float[] bias, boolean biasFirst, float[] out, int size,
      int batch) {
    // a vector computed twice (the last one of a run, overlapping the one before) gives the same
    // numbers again only where out is not an input
    boolean apart = out != t && out != t2;
    // without a bias the batch's numbers are one run, however short its rows (a GRU's 30 logits,
    // a transformer's 28, where a vector holds 16 floats, left 14 and 12 of each row to the
    // scalar code: 5% of the GRU's step in Math.exp)
    boolean flat = bias == null && apart && size * batch >= L;
    int len = flat ? size * batch : size;
    int runs = flat ? 1 : batch;
    boolean overlap = apart && len >= L;
    int whole = overlap ? len : S.loopBound(len);
    for (int e = 0; e < runs; e++) {
      int o = e * len;
      // the vector body stays in this loop (not a method per vector): C2 compiles the loop, the
      // Vector API's tanh and exp included, while the first call runs, and every later call
      // computes with the same code
      for (int i = 0; i < whole; i += L) {
        int at = Math.min(i, len - L);
        FloatVector v = FloatVector.fromArray(S, t, o + at);
        if (biasFirst) {
          v = v.add(FloatVector.fromArray(S, bias, at)).add(FloatVector.fromArray(S, t2, o + at));
        } else {
          if (t2 != null) {
            v = v.add(FloatVector.fromArray(S, t2, o + at));
          }
          if (bias != null) {
            v = v.add(FloatVector.fromArray(S, bias, at));
          }
        }
        switch (act) {
          case TANH -> v = v.lanewise(VectorOperators.TANH);
          case SIGMOID -> v = FloatVector.broadcast(S, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
          case RELU -> v = v.max(0f);
          // x / (1 + exp(-2k (x + 0.044715 x^3))), as Ops.gelu
          case GELU -> v = v.div(v.mul(v).mul(v).mul((float) 0.044715).add(v).mul((float) -1.5957691216057308)
              .lanewise(VectorOperators.EXP).add(1f));
          case EXP -> v = v.lanewise(VectorOperators.EXP);
          default -> { }
        }
        v.intoArray(out, o + at);
      }
      for (int i = overlap ? len : whole; i < len; i++) {
        float x;
        if (biasFirst) {
          x = (t[o + i] + bias[i]) + t2[o + i];
        } else {
          x = t2 != null ? t[o + i] + t2[o + i] : t[o + i];
          x = bias != null ? x + bias[i] : x;
        }
        out[o + i] = switch (act) {
          case TANH -> Ops.tanh(x);
          case SIGMOID -> Ops.sigmoid(x);
          case RELU -> Ops.relu(x);
          case GELU -> (float) Ops.gelu(x);
          case EXP -> Ops.exp(x);
          default -> x;
        };
      }
    }
  }

  /**
   * {@code out[(e*rows + r)*size + i] = act(t[(e*rows + r)*size + i] + bias[r])} for every example
   * {@code e < batch}: a bias per row, as a convolution's per channel ({@code conv2d(x, K) + c}
   * with {@code c[channels, 1, 1]}), and {@link #activate}'s activations.
   */
  public static void activateRows(int act, float[] t, float[] bias, float[] out, int rows, int size, int batch) {
    int sv = S.loopBound(size);
    for (int er = 0; er < batch * rows; er++) {
      int o = er * size;
      float b = bias[er % rows];
      FloatVector bv = FloatVector.broadcast(S, b);
      int i = 0;
      for (; i < sv; i += L) {
        FloatVector v = FloatVector.fromArray(S, t, o + i).add(bv);
        switch (act) {
          case TANH -> v = v.lanewise(VectorOperators.TANH);
          case SIGMOID -> v = FloatVector.broadcast(S, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
          case RELU -> v = v.max(0f);
          case GELU -> v = v.div(v.mul(v).mul(v).mul((float) 0.044715).add(v).mul((float) -1.5957691216057308)
              .lanewise(VectorOperators.EXP).add(1f));
          case EXP -> v = v.lanewise(VectorOperators.EXP);
          default -> { }
        }
        v.intoArray(out, o + i);
      }
      for (; i < size; i++) {
        float x = t[o + i] + b;
        out[o + i] = switch (act) {
          case TANH -> Ops.tanh(x);
          case SIGMOID -> Ops.sigmoid(x);
          case RELU -> Ops.relu(x);
          case GELU -> (float) Ops.gelu(x);
          case EXP -> Ops.exp(x);
          default -> x;
        };
      }
    }
  }

  /**
   * {@code out[e*size + i] = g[e*size + i] * gelu'(t[e*size + i] + bias[i])} for every example
   * {@code e < batch} ({@code bias} null: no bias): the gradient through {@link #activate}'s GELU
   * at every point, a vector at a time, with gelu' as {@link Ops#geluPrime}
   * ({@code s + x s (1 - s) 2k (1 + 3 0.044715 x^2)}, {@code s = sigmoid(2k (x + 0.044715 x^3))}).
   */
  public static void geluBackward(float[] g, float[] t, float[] bias, float[] out, int size, int batch) {
    int sv = S.loopBound(size);
    for (int e = 0; e < batch; e++) {
      int o = e * size;
      int i = 0;
      for (; i < sv; i += L) {
        FloatVector x = FloatVector.fromArray(S, t, o + i);
        if (bias != null) {
          x = x.add(FloatVector.fromArray(S, bias, i));
        }
        FloatVector x2 = x.mul(x);
        FloatVector s = FloatVector.broadcast(S, 1f).div(x2.mul(x).mul((float) 0.044715).add(x)
            .mul((float) -1.5957691216057308).lanewise(VectorOperators.EXP).add(1f));
        FloatVector slope = x2.mul((float) 0.134145).add(1f).mul((float) 1.5957691216057308);
        FloatVector d = x.mul(s).mul(s.neg().add(1f)).mul(slope).add(s);
        FloatVector.fromArray(S, g, o + i).mul(d).intoArray(out, o + i);
      }
      for (; i < size; i++) {
        float x = bias != null ? t[o + i] + bias[i] : t[o + i];
        out[o + i] = (float) (g[o + i] * Ops.geluPrime(x));
      }
    }
  }

  /**
   * {@code z[e*m + r] = sum over c of w[r*k + c] * x[e*k + c]} for every example {@code e < batch}
   * and row {@code r < m}: the product {@code W * x} for a batch, {@code W} being {@code m x k}.
   */
  public static void matmulRows(float[] w, float[] x, float[] z, int m, int k, int batch) {
    if (packs(m, k, batch)) {
      // a dense layer whose sums are short or ragged: W transposed, then matmulCols' tiles, which
      // broadcast each element of x over vectors of W's columns and reduce across nothing
      // (matmulRows' dot products end each element with a sum across lanes, which for k = 64
      // costs as much as the products: a transformer's MLP 64 -> 256 over 512 rows took 0.73 ms
      // as dot products, 0.27 ms packed, on an AVX2 host)
      float[] wt = scratch(TRANSPOSED, k * m);
      for (int c = 0; c < k; c++) {
        int o = c * m;
        for (int r = 0; r < m; r++) {
          wt[o + r] = w[r * k + c];
        }
      }
      matmulCols(wt, x, z, m, k, batch, 0, m);
      return;
    }
    matmulRows(w, null, x, z, m, k, batch);
  }

  /**
   * {@link #matmulRows} with the result's rows laid out as attention's heads: {@code x} is
   * {@code batch} examples of {@code positions} rows of {@code k} ({@code a[t, d]}), {@code W}'s
   * {@code m} rows are {@code m / run} heads of {@code run} ({@code Wq[h, c, d]}), and
   * {@code z} is {@code q[h, t, c]}: {@code z[e*positions*m + (r / run)*positions*run + p*run +
   * r % run]} for row {@code r} at position {@code p} of example {@code e}. The product runs
   * over all {@code batch * positions} rows at once, into a scratch of this thread's, whose runs
   * are then copied into place (a transformer's q, k and v took 47 us each as products per
   * example, 20 + 5 so). The same numbers as {@link #matmulRows} in its own layout.
   */
  public static void matmulRowsHeads(float[] w, float[] x, float[] z, int m, int k, int batch, int positions, int run) {
    float[] t = scratch(HEADS, batch * positions * m);
    matmulRows(w, x, t, m, k, batch * positions);
    scatterHeads(t, z, m, batch, positions, run);
  }

  /**
   * {@link #matmulCols} ({@code W} stored {@code k x m}, {@code Wo[d, h, c]}) with the result's
   * rows laid out as attention's heads, as {@link #matmulRowsHeads} lays them out (the gradient
   * of a transformer's heads, {@code o[h, t, c]}, from its output projection's).
   */
  public static void matmulColsHeads(float[] w, float[] d, float[] z, int m, int k, int batch, int positions, int run) {
    float[] t = scratch(HEADS, batch * positions * m);
    matmulCols(w, d, t, m, k, batch * positions);
    scatterHeads(t, z, m, batch, positions, run);
  }

  /** Rows of {@code m} ({@code t}, each example's {@code positions} in order) into heads' layout in {@code z}. */
  private static void scatterHeads(float[] t, float[] z, int m, int batch, int positions, int run) {
    int block = positions * run;
    for (int e = 0; e < batch; e++) {
      int base = e * positions * m;
      for (int h = 0; h < m / run; h++) {
        copyRuns(t, base + h * run, m, z, base + h * block, run, positions);
      }
    }
  }

  /** The scratches of this thread's: W transposed ({@link #matmulRows}), a product before its rows are laid out as heads. */
  private static final int TRANSPOSED = 0;
  private static final int HEADS = 1;

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

  /**
   * This thread's scratch {@code which}, at least {@code n} long: made or grown at a call that
   * needs more than any before on this thread, then reused (the generated classes call these
   * kernels without a workspace buffer).
   */
  private static float[] scratch(int which, int n) {
    float[][] holder = SCRATCH.get();
    if (holder[which].length < n) {
      holder[which] = new float[n];
    }
    return holder[which];
  }

  /**
   * {@link #matmulRows(float[], float[], float[], int, int, int)} with row {@code r} of {@code w}
   * starting at {@code wo[r]} ({@code wo} null: at {@code r * k}): {@code z[e*m + r] = sum over
   * c < k of w[wo[r] + c] * x[e*k + c]}. A direct weight gradient (docs/codegen.md,
   * "Contractions") passes a convolution's input as {@code w}, each row from where its kernel
   * point's window starts, and the output's gradient packed as wide as the input's rows as
   * {@code x}: no copy of the windows is made.
   */
  public static void matmulRows(float[] w, int[] wo, float[] x, float[] z, int m, int k, int batch) {
    IntraOp.Pool p = m < 8 ? null : IntraOp.acquire((long) m * k * batch, IntraOp.MIN_WORK);
    if (p == null) {
      matmulRows(w, wo, x, z, m, k, batch, 0, m);
      return;
    }
    Rows job = p.job(IntraOp.Pool.ROWS, IS_FLOAT, Rows::new);
    job.w = w;
    job.wo = wo;
    job.x = x;
    job.z = z;
    job.m = m;
    job.k = k;
    job.batch = batch;
    // shares of whole 4-row tiles: each row is computed as by one thread
    p.run(job, m, 4);
  }

  /**
   * The weight gradient of a stride-1 correlation over a batch: {@code g[o, c, p, q] (=|+=) scale
   * * sum over e, y, x of a[e][o][y][x] * b[e][c][y + p][x + q]}, {@code a} being {@code rows x
   * (height - kh + 1) x (width - kw + 1)} per example and {@code b} {@code planes x height x
   * width} (docs/codegen.md, "Window gradients"). Each sum runs over the batch's positions in the
   * order (y, e, x), chunk by chunk of examples: {@code packB} gets, per channel and column shift
   * {@code q}, the input's rows from column {@code q} on (one run of {@code width - kw + 1} per row
   * and example), so that every window (c, p, q) over a chunk is one contiguous run, starting at
   * row {@code p}; {@code packA} gets {@code a}'s rows in the same order. One {@link #matmulRows}
   * per chunk takes its dot products, reading each window in place ({@code at}: where each
   * starts) into {@code part}; no window is copied, no sum ends with a reduction per example. The
   * chunk is as many examples as both packs hold, at most {@code batch}.
   */
  public static void windowGradient(float[] a, float[] b, float[] g, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float scale, boolean assign, float[] packA, float[] packB, float[] part, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    int aSize = rows * oh * ow;
    int m = planes * kh * kw;
    int chunk = Math.min(batch, Math.min((packA.length - L) / aSize, (packB.length - L) / (planes * kw * height * ow)));
    if (chunk < 1) {
      throw new IllegalArgumentException("windowGradient: the packs hold no example");
    }
    for (int e0 = 0; e0 < batch; e0 += chunk) {
      int count = Math.min(chunk, batch - e0);
      int run = count * ow;
      packWindows(b, e0, count, planes, height, width, kw, packB);
      // a's rows in the same order, each row's runs over the chunk one copyRuns
      for (int o = 0; o < rows; o++) {
        for (int y = 0; y < oh; y++) {
          copyRuns(a, e0 * aSize + (o * oh + y) * ow, aSize, packA, (o * oh + y) * run, ow, count);
        }
      }
      for (int c = 0; c < planes; c++) {
        for (int p = 0; p < kh; p++) {
          for (int q = 0; q < kw; q++) {
            at[(c * kh + p) * kw + q] = ((c * kw + q) * height + p) * run;
          }
        }
      }
      matmulRows(packB, at, packA, part, m, oh * run, rows);
      boolean first = e0 == 0 && assign;
      for (int i = 0; i < rows * m; i++) {
        g[i] = first ? scale * part[i] : g[i] + scale * part[i];
      }
    }
  }

  /**
   * The windows of examples {@code e0 .. e0 + count - 1} of {@code x} ({@code planes x height x
   * width} each) for {@link #windowGradient} and {@link #windowProduct}: per channel {@code c} and
   * column shift {@code q}, every row {@code r} from column {@code q} on ({@code width - kw + 1}
   * numbers), the examples side by side, at {@code pack[((c * kw + q) * height + r) * run + e *
   * (width - kw + 1)]}, {@code run} being {@code count * (width - kw + 1)}. Each row's runs over
   * the examples are one {@link #copyRuns} call (a {@link #copyRun} call per run took a third
   * longer for LeNet's second convolution, runs of 8), in ascending order of {@code pack}: a run's
   * last vector is overwritten past its end by the next.
   */
  private static void packWindows(float[] x, int e0, int count, int planes, int height, int width, int kw,
      float[] pack) {
    int ow = width - kw + 1;
    int xSize = planes * height * width;
    int run = count * ow;
    for (int c = 0; c < planes; c++) {
      for (int q = 0; q < kw; q++) {
        for (int r = 0; r < height; r++) {
          copyRuns(x, e0 * xSize + (c * height + r) * width + q, xSize, pack, ((c * kw + q) * height + r) * run, ow,
              count);
        }
      }
    }
  }

  /**
   * A stride-1 correlation over a batch: {@code y[e][o][r][c] = sum over i, p, q of
   * k[o][i][p][q] * x[e][i][r + p][c + q]}, {@code k} being {@code rows x planes x kh x kw},
   * {@code x} {@code planes x height x width} per example and {@code y} {@code rows x (height -
   * kh + 1) x (width - kw + 1)} (docs/codegen.md, "Window gradients"). For a chunk of examples,
   * {@code packX} gets {@code x}'s rows as {@link #windowGradient} packs them (per channel and
   * column shift, in the order (row, example, column)), so that each kernel point's window over
   * the chunk is one run, read in place as a row of {@code B'} ({@code in}, {@code at}); one
   * {@link #packedProduct} with {@code k} as it is gives the chunk's outputs in the order
   * (o, r, example, c) in {@code part}, copied out a row at a time. Each sum has the terms of the
   * per-example product in the same order: the same numbers. No column is computed for nothing.
   */
  public static void windowProduct(float[] k, float[] x, float[] y, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float[] packX, float[] part, float[][] in, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    int ySize = rows * oh * ow;
    int terms = planes * kh * kw;
    int chunk = Math.min(batch, Math.min((packX.length - L) / (planes * kw * height * ow), (part.length - L) / ySize));
    if (chunk < 1) {
      throw new IllegalArgumentException("windowProduct: the packs hold no example");
    }
    for (int e0 = 0; e0 < batch; e0 += chunk) {
      int count = Math.min(chunk, batch - e0);
      int run = count * ow;
      packWindows(x, e0, count, planes, height, width, kw, packX);
      for (int c = 0; c < planes; c++) {
        for (int p = 0; p < kh; p++) {
          for (int q = 0; q < kw; q++) {
            int j = (c * kh + p) * kw + q;
            in[j] = packX;
            at[j] = ((c * kw + q) * height + p) * run;
          }
        }
      }
      int n = oh * run;
      packedProduct(k, in, at, part, rows, n, terms, true);
      // in ascending order of y, each row's last vector overwritten past its end by the next row
      for (int e = 0; e < count; e++) {
        for (int o = 0; o < rows; o++) {
          copyRuns(part, o * n + e * ow, count * ow, y, (e0 + e) * ySize + o * oh * ow, ow, oh);
        }
      }
    }
  }

  /**
   * {@code width - lead} numbers from {@code src[from]} to {@code dst[to + lead]}, zeros before
   * them: one vector, its lanes past {@code width} zeros too, where the row fits one and both
   * arrays have room; else exactly. A method of its own, called for every row, so that the JIT
   * compiles it early: {@link #windowInputGradient} runs once a step, and its loop would run
   * interpreted, each vector boxed, until compiled on the stack.
   */
  private static void paddedRow(float[] src, int from, float[] dst, int to, int lead, int width) {
    int s = from - lead;
    if (width <= L && s >= 0 && s + L <= src.length && to + L <= dst.length) {
      FloatVector iota = FloatVector.fromArray(S, LANES, 0);
      VectorMask<Float> keep = iota.compare(VectorOperators.GE, (float) lead).and(iota.compare(VectorOperators.LT, (float) width));
      FloatVector.zero(S).blend(FloatVector.fromArray(S, src, s), keep).intoArray(dst, to);
    } else {
      java.util.Arrays.fill(dst, to, to + lead, 0f);
      System.arraycopy(src, from, dst, to + lead, width - lead);
    }
  }

  /**
   * The input gradient of a stride-1 correlation over a batch: {@code dx[e][c][i][j] = sum over
   * o, p, q of k[o][c][p][q] * d[e][o][i - p][j - q]}, the terms where {@code d}'s indices are in
   * range; {@code k} is {@code rows x planes x kh x kw}, {@code d} {@code rows x (height - kh + 1) x
   * (width - kw + 1)} per example and {@code dx} {@code planes x height x width}, every number of
   * it written (docs/codegen.md, "Window gradients"). For a chunk of examples, {@code packD} gets
   * {@code d}'s rows in the order (o, y, example), each {@code width} wide with its numbers from
   * column {@code kw - 1} on, zeros before them; a row {@code i} of {@code dx} over the chunk is
   * then one product, whose columns are (example, j) and whose rows of {@code B'} are the
   * chunk's rows {@code i - p} of {@code d}, shifted by {@code q}, read in place ({@code in},
   * {@code at}), for the {@code p} that row {@code i} reaches alone: none of the zero rows a
   * full correlation pads {@code d} with. The weights for each such range of {@code p} are
   * packed into {@code packK} (planes x terms). {@code part} holds one row's product.
   */
  public static void windowInputGradient(float[] k, float[] d, float[] dx, int rows, int planes, int height, int width,
      int kh, int kw, int batch, float[] packK, float[] packD, float[] part, float[][] in, int[] at) {
    int oh = height - kh + 1;
    int ow = width - kw + 1;
    int dSize = rows * oh * ow;
    int xSize = planes * height * width;
    int chunk = Math.min(batch, Math.min((packD.length - 2 * L - kw) / (rows * oh * width), (part.length - L) / (planes * width)));
    if (chunk < 1) {
      throw new IllegalArgumentException("windowInputGradient: the packs hold no example");
    }
    for (int e0 = 0; e0 < batch; e0 += chunk) {
      int count = Math.min(chunk, batch - e0);
      int run = count * width;
      // d's rows, zeros before each (and after the last, which the last shifted reads pass)
      for (int o = 0; o < rows; o++) {
        for (int y = 0; y < oh; y++) {
          int to = (o * oh + y) * run;
          int from = e0 * dSize + (o * oh + y) * ow;
          for (int e = 0; e < count; e++) {
            paddedRow(d, from + e * dSize, packD, to + e * width, kw - 1, width);
          }
        }
      }
      java.util.Arrays.fill(packD, rows * oh * run, rows * oh * run + L + kw, 0f);
      int bandLo = -1;
      int bandHi = -1;
      for (int i = 0; i < height; i++) {
        int pLo = Math.max(0, i - oh + 1);
        int pHi = Math.min(kh - 1, i);
        int terms = (pHi - pLo + 1) * rows * kw;
        if (pLo != bandLo || pHi != bandHi) {
          for (int c = 0; c < planes; c++) {
            int t = c * terms;
            for (int p = pLo; p <= pHi; p++) {
              for (int o = 0; o < rows; o++) {
                System.arraycopy(k, ((o * planes + c) * kh + p) * kw, packK, t, kw);
                t += kw;
              }
            }
          }
          bandLo = pLo;
          bandHi = pHi;
        }
        int t = 0;
        for (int p = pLo; p <= pHi; p++) {
          for (int o = 0; o < rows; o++) {
            for (int q = 0; q < kw; q++) {
              in[t] = packD;
              at[t] = (o * oh + i - p) * run + kw - 1 - q;
              t++;
            }
          }
        }
        packedProduct(packK, in, at, part, planes, run, terms, true);
        // each row out: whole vectors where what they write past it is a row written later
        boolean whole = (height - i) * width >= (width + L - 1) / L * L;
        for (int c = 0; c < planes; c++) {
          for (int e = 0; e < count; e++) {
            int src = c * run + e * width;
            int dst = (e0 + e) * xSize + (c * height + i) * width;
            if (whole) {
              copyRun(part, src, dx, dst, width);
            } else {
              System.arraycopy(part, src, dx, dst, width);
            }
          }
        }
      }
    }
  }

  /** The fewest rows for which {@link #matmulRows} packs {@code W}: fewer share the packing's cost too thinly. */
  static final int PACKED_MIN_ROWS = 32;

  /**
   * Whether {@link #matmulRows} packs {@code W} ({@code m x k}) for {@code batch} rows of
   * {@code x}, transposing it for {@link #matmulCols}' tiles, else runs its own tiles: at least
   * {@link #PACKED_MIN_ROWS} rows, one thread, {@code W} at least a vector of rows (the packed
   * product's vectors run over them: 10 rows in vectors of 16 took 10x the dot products' time),
   * and sums short enough that ending each with a reduction across lanes costs about as much as
   * its products: at most 8 vectors ({@code k = 120} in vectors of 16, whose last partial vector
   * the dot products sum in scalar code: 84 x 120 over 64 rows took 40 µs as dot products, 14 µs
   * packed), or at most 16 over at least 128 rows or with a partial last vector (64 x 256: 46
   * against 33 µs over 128 rows, 192 against 116 over 512; over 64 rows 120 x 256 took 43 µs as
   * dot products against 50 packed). Longer sums stay dot products (128 x 512 over 512 rows: 571
   * against 625 µs; 128 x 784 over 64: 107 against 153). Measured on AVX-512 (docs/performance.md,
   * "Dense layers packed where their sums are short").
   */
  static boolean packs(int m, int k, int batch) {
    return batch >= PACKED_MIN_ROWS && IntraOp.threads() <= 1 && m >= L
        && (k <= 8 * L || k <= 16 * L && (batch >= 128 || k % L != 0));
  }

  /**
   * The bytes of {@code x} that {@link #matmulRows} keeps in the L1 cache while it runs every row
   * of {@code W} over them: a block of examples whose rows fit, at least one tile (4 examples).
   */
  static final int ROWS_BLOCK_BYTES = 16 * 1024;

  /**
   * {@link #matmulRows} for rows {@code r0 <= r < r1} only. The examples go in blocks whose rows
   * of {@code x} fit in {@link #ROWS_BLOCK_BYTES} (a multiple of 4), and within a block every
   * 4-row tile of {@code W} runs over the whole block: W is read from the L2 once per block
   * instead of once per 4 examples (a GRU's 128 x 128 recurrent matrix over 32 examples: once,
   * not 8 times; a transformer's MLP over 512 positions of 64: 8 times, not 128). Each element
   * of {@code z} is computed by the same tile as without blocks, so the results are the same.
   */
  private static void matmulRows(float[] w, int[] wo, float[] x, float[] z, int m, int k, int batch, int r0, int r1) {
    int kv = S.loopBound(k);
    int block = Math.max(4, ROWS_BLOCK_BYTES / (Math.max(1, k) * Float.BYTES) / 4 * 4);
    int full = batch / 4 * 4;
    for (int e0 = 0; e0 < full; e0 += block) {
      int e1 = Math.min(full, e0 + block);
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        for (int e = e0; e < e1; e += 4) {
          rows4x4(w, wo, x, z, m, k, kv, e, r);
        }
      }
      for (; r < r1; r++) {
        for (int e = e0; e < e1; e++) {
          z[e * m + r] = dot(w, wo == null ? r * k : wo[r], x, e * k, k, kv, wo != null);
        }
      }
    }
    int e = full;
    for (; e + 2 <= batch; e += 2) {
      // two examples left: each row of w loaded once for both (LeNet's first weight gradient has 6)
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        rows4x2(w, wo, x, z, m, k, kv, e, r);
      }
      for (; r < r1; r++) {
        z[e * m + r] = dot(w, wo == null ? r * k : wo[r], x, e * k, k, kv, wo != null);
        z[(e + 1) * m + r] = dot(w, wo == null ? r * k : wo[r], x, (e + 1) * k, k, kv, wo != null);
      }
    }
    for (; e < batch; e++) {
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        rows4x1(w, wo, x, z, m, k, kv, e, r);
      }
      for (; r < r1; r++) {
        z[e * m + r] = dot(w, wo == null ? r * k : wo[r], x, e * k, k, kv, wo != null);
      }
    }
  }

  private static final class Rows extends IntraOp.Job {
    float[] w;
    int[] wo;
    float[] x;
    float[] z;
    int m;
    int k;
    int batch;

    @Override
    void run(int from, int to) {
      matmulRows(w, wo, x, z, m, k, batch, from, to);
    }

    @Override
    void clear() {
      w = null;
      wo = null;
      x = null;
      z = null;
    }
  }

  private static void rows4x4(float[] w, int[] wo, float[] x, float[] z, int m, int k, int kv, int e, int r) {
    int w0 = wo == null ? r * k : wo[r];
    int w1 = wo == null ? w0 + k : wo[r + 1];
    int w2 = wo == null ? w1 + k : wo[r + 2];
    int w3 = wo == null ? w2 + k : wo[r + 3];
    int x0 = e * k;
    int x1 = x0 + k;
    int x2 = x1 + k;
    int x3 = x2 + k;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a22 = a00;
    FloatVector a23 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a32 = a00;
    FloatVector a33 = a00;
    for (int c = 0; c < kv; c += L) {
      FloatVector v0 = FloatVector.fromArray(S, x, x0 + c);
      FloatVector v1 = FloatVector.fromArray(S, x, x1 + c);
      FloatVector v2 = FloatVector.fromArray(S, x, x2 + c);
      FloatVector v3 = FloatVector.fromArray(S, x, x3 + c);
      FloatVector u = FloatVector.fromArray(S, w, w0 + c);
      a00 = u.fma(v0, a00);
      a01 = u.fma(v1, a01);
      a02 = u.fma(v2, a02);
      a03 = u.fma(v3, a03);
      u = FloatVector.fromArray(S, w, w1 + c);
      a10 = u.fma(v0, a10);
      a11 = u.fma(v1, a11);
      a12 = u.fma(v2, a12);
      a13 = u.fma(v3, a13);
      u = FloatVector.fromArray(S, w, w2 + c);
      a20 = u.fma(v0, a20);
      a21 = u.fma(v1, a21);
      a22 = u.fma(v2, a22);
      a23 = u.fma(v3, a23);
      u = FloatVector.fromArray(S, w, w3 + c);
      a30 = u.fma(v0, a30);
      a31 = u.fma(v1, a31);
      a32 = u.fma(v2, a32);
      a33 = u.fma(v3, a33);
    }
    // a direct product's last partial vector in lanes, the lanes past k zeroed in both operands
    // (a chain of scalar products per sum took as long as the vectors)
    int kd = kv;
    if (wo != null && kv < k && w0 + kv + L <= w.length && w1 + kv + L <= w.length && w2 + kv + L <= w.length
        && w3 + kv + L <= w.length && x3 + kv + L <= x.length) {
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) (k - kv));
      FloatVector zero = FloatVector.zero(S);
      FloatVector v0 = zero.blend(FloatVector.fromArray(S, x, x0 + kv), keep);
      FloatVector v1 = zero.blend(FloatVector.fromArray(S, x, x1 + kv), keep);
      FloatVector v2 = zero.blend(FloatVector.fromArray(S, x, x2 + kv), keep);
      FloatVector v3 = zero.blend(FloatVector.fromArray(S, x, x3 + kv), keep);
      FloatVector u = zero.blend(FloatVector.fromArray(S, w, w0 + kv), keep);
      a00 = u.fma(v0, a00);
      a01 = u.fma(v1, a01);
      a02 = u.fma(v2, a02);
      a03 = u.fma(v3, a03);
      u = zero.blend(FloatVector.fromArray(S, w, w1 + kv), keep);
      a10 = u.fma(v0, a10);
      a11 = u.fma(v1, a11);
      a12 = u.fma(v2, a12);
      a13 = u.fma(v3, a13);
      u = zero.blend(FloatVector.fromArray(S, w, w2 + kv), keep);
      a20 = u.fma(v0, a20);
      a21 = u.fma(v1, a21);
      a22 = u.fma(v2, a22);
      a23 = u.fma(v3, a23);
      u = zero.blend(FloatVector.fromArray(S, w, w3 + kv), keep);
      a30 = u.fma(v0, a30);
      a31 = u.fma(v1, a31);
      a32 = u.fma(v2, a32);
      a33 = u.fma(v3, a33);
      kd = k;
    }
    int z0 = e * m + r;
    z[z0] = a00.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, kd, k);
    z[z0 + 1] = a10.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, kd, k);
    z[z0 + 2] = a20.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x0, kd, k);
    z[z0 + 3] = a30.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x0, kd, k);
    z0 += m;
    z[z0] = a01.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, kd, k);
    z[z0 + 1] = a11.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x1, kd, k);
    z[z0 + 2] = a21.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x1, kd, k);
    z[z0 + 3] = a31.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x1, kd, k);
    z0 += m;
    z[z0] = a02.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x2, kd, k);
    z[z0 + 1] = a12.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x2, kd, k);
    z[z0 + 2] = a22.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x2, kd, k);
    z[z0 + 3] = a32.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x2, kd, k);
    z0 += m;
    z[z0] = a03.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x3, kd, k);
    z[z0 + 1] = a13.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x3, kd, k);
    z[z0 + 2] = a23.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x3, kd, k);
    z[z0 + 3] = a33.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x3, kd, k);
  }

  /** Four rows for one example: each x vector feeds four rows, two accumulators per row. */
  /** Rows r..r+3 of w times examples e, e+1: {@link #rows4x1} for two examples, each sum the same. */
  private static void rows4x2(float[] w, int[] wo, float[] x, float[] z, int m, int k, int kv, int e, int r) {
    int w0 = wo == null ? r * k : wo[r];
    int w1 = wo == null ? w0 + k : wo[r + 1];
    int w2 = wo == null ? w1 + k : wo[r + 2];
    int w3 = wo == null ? w2 + k : wo[r + 3];
    int x0 = e * k;
    int x1 = x0 + k;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    for (int c = 0; c < kv; c += L) {
      FloatVector v0 = FloatVector.fromArray(S, x, x0 + c);
      FloatVector v1 = FloatVector.fromArray(S, x, x1 + c);
      FloatVector u0 = FloatVector.fromArray(S, w, w0 + c);
      a00 = u0.fma(v0, a00);
      a01 = u0.fma(v1, a01);
      FloatVector u1 = FloatVector.fromArray(S, w, w1 + c);
      a10 = u1.fma(v0, a10);
      a11 = u1.fma(v1, a11);
      FloatVector u2 = FloatVector.fromArray(S, w, w2 + c);
      a20 = u2.fma(v0, a20);
      a21 = u2.fma(v1, a21);
      FloatVector u3 = FloatVector.fromArray(S, w, w3 + c);
      a30 = u3.fma(v0, a30);
      a31 = u3.fma(v1, a31);
    }
    int kd = kv;
    if (wo != null && kv < k && w0 + kv + L <= w.length && w1 + kv + L <= w.length && w2 + kv + L <= w.length
        && w3 + kv + L <= w.length && x1 + kv + L <= x.length) {
      // as rows4x4's
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) (k - kv));
      FloatVector zero = FloatVector.zero(S);
      FloatVector v0 = zero.blend(FloatVector.fromArray(S, x, x0 + kv), keep);
      FloatVector v1 = zero.blend(FloatVector.fromArray(S, x, x1 + kv), keep);
      FloatVector u0 = zero.blend(FloatVector.fromArray(S, w, w0 + kv), keep);
      a00 = u0.fma(v0, a00);
      a01 = u0.fma(v1, a01);
      FloatVector u1 = zero.blend(FloatVector.fromArray(S, w, w1 + kv), keep);
      a10 = u1.fma(v0, a10);
      a11 = u1.fma(v1, a11);
      FloatVector u2 = zero.blend(FloatVector.fromArray(S, w, w2 + kv), keep);
      a20 = u2.fma(v0, a20);
      a21 = u2.fma(v1, a21);
      FloatVector u3 = zero.blend(FloatVector.fromArray(S, w, w3 + kv), keep);
      a30 = u3.fma(v0, a30);
      a31 = u3.fma(v1, a31);
      kd = k;
    }
    int z0 = e * m + r;
    z[z0] = a00.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, kd, k);
    z[z0 + 1] = a10.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, kd, k);
    z[z0 + 2] = a20.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x0, kd, k);
    z[z0 + 3] = a30.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x0, kd, k);
    z0 += m;
    z[z0] = a01.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x1, kd, k);
    z[z0 + 1] = a11.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x1, kd, k);
    z[z0 + 2] = a21.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x1, kd, k);
    z[z0 + 3] = a31.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x1, kd, k);
  }

  private static void rows4x1(float[] w, int[] wo, float[] x, float[] z, int m, int k, int kv, int e, int r) {
    int w0 = wo == null ? r * k : wo[r];
    int w1 = wo == null ? w0 + k : wo[r + 1];
    int w2 = wo == null ? w1 + k : wo[r + 2];
    int w3 = wo == null ? w2 + k : wo[r + 3];
    int x0 = e * k;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int c = 0; c < kv; c += L) {
      FloatVector v = FloatVector.fromArray(S, x, x0 + c);
      a0 = FloatVector.fromArray(S, w, w0 + c).fma(v, a0);
      a1 = FloatVector.fromArray(S, w, w1 + c).fma(v, a1);
      a2 = FloatVector.fromArray(S, w, w2 + c).fma(v, a2);
      a3 = FloatVector.fromArray(S, w, w3 + c).fma(v, a3);
    }
    int kd = kv;
    if (wo != null && kv < k && w0 + kv + L <= w.length && w1 + kv + L <= w.length && w2 + kv + L <= w.length
        && w3 + kv + L <= w.length && x0 + kv + L <= x.length) {
      // as rows4x4's
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) (k - kv));
      FloatVector zero = FloatVector.zero(S);
      FloatVector v = zero.blend(FloatVector.fromArray(S, x, x0 + kv), keep);
      a0 = zero.blend(FloatVector.fromArray(S, w, w0 + kv), keep).fma(v, a0);
      a1 = zero.blend(FloatVector.fromArray(S, w, w1 + kv), keep).fma(v, a1);
      a2 = zero.blend(FloatVector.fromArray(S, w, w2 + kv), keep).fma(v, a2);
      a3 = zero.blend(FloatVector.fromArray(S, w, w3 + kv), keep).fma(v, a3);
      kd = k;
    }
    int z0 = e * m + r;
    z[z0] = a0.reduceLanes(VectorOperators.ADD) + tail(w, w0, x, x0, kd, k);
    z[z0 + 1] = a1.reduceLanes(VectorOperators.ADD) + tail(w, w1, x, x0, kd, k);
    z[z0 + 2] = a2.reduceLanes(VectorOperators.ADD) + tail(w, w2, x, x0, kd, k);
    z[z0 + 3] = a3.reduceLanes(VectorOperators.ADD) + tail(w, w3, x, x0, kd, k);
  }

  private static float dot(float[] w, int wo, float[] x, int xo, int k, int kv) {
    return dot(w, wo, x, xo, k, kv, false);
  }

  /** {@link #dot}, {@code direct}: the last partial vector in lanes where both arrays have room, as {@link #rows4x4}'s. */
  private static float dot(float[] w, int wo, float[] x, int xo, int k, int kv, boolean direct) {
    FloatVector a = FloatVector.zero(S);
    for (int c = 0; c < kv; c += L) {
      a = FloatVector.fromArray(S, w, wo + c).fma(FloatVector.fromArray(S, x, xo + c), a);
    }
    if (direct && kv < k && wo + kv + L <= w.length && xo + kv + L <= x.length) {
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) (k - kv));
      FloatVector zero = FloatVector.zero(S);
      a = zero.blend(FloatVector.fromArray(S, w, wo + kv), keep).fma(zero.blend(FloatVector.fromArray(S, x, xo + kv), keep), a);
      return a.reduceLanes(VectorOperators.ADD);
    }
    return a.reduceLanes(VectorOperators.ADD) + tail(w, wo, x, xo, kv, k);
  }

  /** The scalar rest of a dot product, {@code c} from {@code kv} to {@code k}. */
  private static float tail(float[] w, int wo, float[] x, int xo, int kv, int k) {
    float s = 0;
    for (int c = kv; c < k; c++) {
      s += w[wo + c] * x[xo + c];
    }
    return s;
  }

  /**
   * {@code y[e*m + r] = sum over c of d[e*k + c] * w[c*m + r]} for every example {@code e < batch}
   * and {@code r < m}: the product {@code transpose(W) * d} for a batch, {@code W} being
   * {@code k x m}, computed as the sum over {@code c} of {@code d[c]} times row {@code c} of W.
   */
  public static void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch) {
    IntraOp.Pool p = m < 8 * L ? null : IntraOp.acquire((long) m * k * batch, IntraOp.MIN_WORK);
    if (p == null) {
      matmulCols(w, d, y, m, k, batch, 0, m);
      return;
    }
    Cols job = p.job(IntraOp.Pool.COLS, IS_FLOAT, Cols::new);
    job.w = w;
    job.d = d;
    job.y = y;
    job.m = m;
    job.k = k;
    job.batch = batch;
    // shares of whole blocks of 4 vectors: each element is computed as by one thread
    p.run(job, m, 4 * L);
  }

  private static final class Cols extends IntraOp.Job {
    float[] w;
    float[] d;
    float[] y;
    int m;
    int k;
    int batch;

    @Override
    void run(int from, int to) {
      matmulCols(w, d, y, m, k, batch, from, to);
    }

    @Override
    void clear() {
      w = null;
      d = null;
      y = null;
    }
  }

  /**
   * Whether vectors are at most 256 bits wide, as on AVX2, whose 16 vector registers cannot hold
   * {@link #cols4x4}'s 16 accumulators and its operands: {@link #matmulCols} then runs tiles of
   * 6 examples by 2 vectors (12 accumulators), as {@link #packedProduct} does.
   */
  private static final boolean NARROW = S.vectorBitSize() <= 256;

  /**
   * {@link #matmulCols} for {@code r0 <= r < r1} only ({@code r0} a multiple of {@code 4 L}). Fewer
   * than 4 vectors of columns (the GRU's gradient for its 32-wide input, on AVX-512) take the
   * narrow tiles too: {@link #cols4x1} would load a vector of W per 4 multiply-adds.
   */
  private static void matmulCols(float[] w, float[] d, float[] y, int m, int k, int batch, int r0, int r1) {
    if (NARROW || r1 - r0 < 4 * L) {
      int tiled = 0; // the examples that tiles of 6 and 4 cover: 32 = 4 * 6 + 2 * 4
      while (batch - tiled >= 6 && batch - tiled != 8) {
        tiled += 6;
      }
      while (tiled + 4 <= batch) {
        tiled += 4;
      }
      int r = r0;
      for (; r + 2 * L <= r1; r += 2 * L) {
        colsStrip(w, d, y, m, k, batch, r, r + L);
      }
      if (r1 - r > L) {
        // the last columns, more than a vector: two vectors, the second ending at r1 and so
        // overlapping the first (its first columns computed twice, to the same numbers)
        colsStrip(w, d, y, m, k, batch, r, r1 - L);
        r = r1;
      }
      if (r < r1) {
        matmulColsWide(w, d, y, m, k, tiled, r, r1, r0);
      }
      for (int e = tiled; e < batch; e++) {
        colsExample(w, d, y, m, k, e, r0, r1, r0);
      }
      return;
    }
    matmulColsWide(w, d, y, m, k, batch, r0, r1, r0);
  }

  /** The tiles of 6 and 4 examples by the vectors of columns at {@code r} and {@code r2}. */
  private static void colsStrip(float[] w, float[] d, float[] y, int m, int k, int batch, int r, int r2) {
    int e = 0;
    for (; batch - e >= 6 && batch - e != 8; e += 6) {
      cols6x2(w, d, y, m, k, e, r, r2);
    }
    for (; e + 4 <= batch; e += 4) {
      cols4x2(w, d, y, m, k, e, r, r2);
    }
  }

  /**
   * {@link #matmulCols} for {@code r0 <= r < r1} in tiles of 6 examples by 4 vectors (24 of the 32
   * registers of AVX-512 accumulating: the GRU's 128 x 128 products 5.2 -> 4.7-4.9 us against
   * tiles of 4 examples), the examples they leave in tiles of 4; the columns past the last whole
   * vector one more vector ending at {@code r1}, where that starts at {@code lo} or after (its
   * first columns computed again, to the same numbers), else scalar sums.
   */
  private static void matmulColsWide(float[] w, float[] d, float[] y, int m, int k, int batch, int r0, int r1,
      int lo) {
    int six = 0; // the examples in tiles of 6: 32 = 4 * 6 + 8, the 8 in tiles of 4
    while (batch - six >= 6 && batch - six != 8) {
      six += 6;
    }
    // a block of 4 vectors of columns over every tile of examples, then the next: the block's
    // panel of W (k rows of 4 vectors, 16 KB for k = 64) stays in the L1 cache while the tiles
    // stream the examples' rows past it (a transformer's MLP 64 -> 256 over 512 positions reads
    // all of its 64 KB W per tile the other way round)
    int r = r0;
    for (; r + 4 * L <= r1; r += 4 * L) {
      for (int e = 0; e < six; e += 6) {
        cols6x4(w, d, y, m, k, e, r);
      }
    }
    if (r < r1) {
      for (int e = 0; e < six; e += 6) {
        int rr = r;
        for (; rr + 2 * L <= r1; rr += 2 * L) {
          cols6x2(w, d, y, m, k, e, rr, rr + L);
        }
        if (r1 - rr > L || rr < r1 && r1 - lo >= 2 * L) {
          // the last columns, more than a vector, or fewer after at least two: two vectors, the
          // second ending at r1 (LeNet's 84 columns: 64 in tiles 4 vectors wide, then 64 and 68)
          int r2 = r1 - L;
          cols6x2(w, d, y, m, k, e, r1 - rr > L ? rr : r2 - L, r2);
          rr = r1;
        }
        if (rr < r1) {
          matmulColsWide(w, d, y, m, k, e, e + 6, rr, r1, lo);
        }
      }
    }
    matmulColsWide(w, d, y, m, k, six, batch, r0, r1, lo);
  }

  /** {@link #matmulColsWide} for examples {@code e0 <= e < batch}: tiles of 4 examples, then single ones. */
  private static void matmulColsWide(float[] w, float[] d, float[] y, int m, int k, int e0, int batch, int r0, int r1,
      int lo) {
    int mv = r0 + S.loopBound(r1 - r0);
    int e = e0;
    for (; e + 4 <= batch; e += 4) {
      int r = r0;
      for (; r + 4 * L <= r1; r += 4 * L) {
        cols4x4(w, d, y, m, k, e, r);
      }
      for (; r < mv; r += L) {
        cols4x1(w, d, y, m, k, e, r);
      }
      if (r < r1 && r1 - lo >= L) {
        cols4x1(w, d, y, m, k, e, r1 - L);
        r = r1;
      }
      for (; r < r1; r++) {
        for (int j = 0; j < 4; j++) {
          y[(e + j) * m + r] = column(w, d, m, k, e + j, r);
        }
      }
    }
    for (; e < batch; e++) {
      colsExample(w, d, y, m, k, e, r0, r1, lo);
    }
  }

  /**
   * One example's columns {@code r0 <= r < r1}: 4 vectors at a time, then one, then one more
   * ending at {@code r1} where that starts at {@code lo} or after, else scalar sums.
   */
  private static void colsExample(float[] w, float[] d, float[] y, int m, int k, int e, int r0, int r1, int lo) {
    int mv = r0 + S.loopBound(r1 - r0);
    int r = r0;
    for (; r + 4 * L <= r1; r += 4 * L) {
      cols1x4(w, d, y, m, k, e, r);
    }
    for (; r < mv; r += L) {
      colsVector(w, d, y, m, k, e, r);
    }
    if (r < r1 && r1 - lo >= L) {
      colsVector(w, d, y, m, k, e, r1 - L);
      r = r1;
    }
    for (; r < r1; r++) {
      y[e * m + r] = column(w, d, m, k, e, r);
    }
  }

  /** One example, one vector of columns. */
  private static void colsVector(float[] w, float[] d, float[] y, int m, int k, int e, int r) {
    FloatVector a = FloatVector.zero(S);
    for (int c = 0; c < k; c++) {
      a = FloatVector.fromArray(S, w, c * m + r).fma(FloatVector.broadcast(S, d[e * k + c]), a);
    }
    a.intoArray(y, e * m + r);
  }

  /**
   * Six examples times two vectors of columns, at {@code r} and {@code r2} ({@code r + L}, or less for
   * the last columns of a row): 12 accumulators, 2 loads and 6 broadcasts per 12 multiply-adds.
   */
  private static void cols6x2(float[] w, float[] d, float[] y, int m, int k, int e, int r, int r2) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a40 = a00;
    FloatVector a41 = a00;
    FloatVector a50 = a00;
    FloatVector a51 = a00;
    int d0 = e * k;
    int d1 = d0 + k;
    int d2 = d1 + k;
    int d3 = d2 + k;
    int d4 = d3 + k;
    int d5 = d4 + k;
    for (int c = 0; c < k; c++) {
      int wo = c * m + r;
      FloatVector u0 = FloatVector.fromArray(S, w, wo);
      FloatVector u1 = FloatVector.fromArray(S, w, wo + r2 - r);
      FloatVector s = FloatVector.broadcast(S, d[d0 + c]);
      a00 = u0.fma(s, a00);
      a01 = u1.fma(s, a01);
      s = FloatVector.broadcast(S, d[d1 + c]);
      a10 = u0.fma(s, a10);
      a11 = u1.fma(s, a11);
      s = FloatVector.broadcast(S, d[d2 + c]);
      a20 = u0.fma(s, a20);
      a21 = u1.fma(s, a21);
      s = FloatVector.broadcast(S, d[d3 + c]);
      a30 = u0.fma(s, a30);
      a31 = u1.fma(s, a31);
      s = FloatVector.broadcast(S, d[d4 + c]);
      a40 = u0.fma(s, a40);
      a41 = u1.fma(s, a41);
      s = FloatVector.broadcast(S, d[d5 + c]);
      a50 = u0.fma(s, a50);
      a51 = u1.fma(s, a51);
    }
    int y0 = e * m + r;
    int y1 = e * m + r2;
    a00.intoArray(y, y0);
    a01.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a10.intoArray(y, y0);
    a11.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a20.intoArray(y, y0);
    a21.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a30.intoArray(y, y0);
    a31.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a40.intoArray(y, y0);
    a41.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a50.intoArray(y, y0);
    a51.intoArray(y, y1);
  }

  /** Four examples times two vectors of columns at {@code r} and {@code r2} (8 accumulators): the examples {@link #cols6x2} leaves. */
  private static void cols4x2(float[] w, float[] d, float[] y, int m, int k, int e, int r, int r2) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    int d0 = e * k;
    int d1 = d0 + k;
    int d2 = d1 + k;
    int d3 = d2 + k;
    for (int c = 0; c < k; c++) {
      int wo = c * m + r;
      FloatVector u0 = FloatVector.fromArray(S, w, wo);
      FloatVector u1 = FloatVector.fromArray(S, w, wo + r2 - r);
      FloatVector s = FloatVector.broadcast(S, d[d0 + c]);
      a00 = u0.fma(s, a00);
      a01 = u1.fma(s, a01);
      s = FloatVector.broadcast(S, d[d1 + c]);
      a10 = u0.fma(s, a10);
      a11 = u1.fma(s, a11);
      s = FloatVector.broadcast(S, d[d2 + c]);
      a20 = u0.fma(s, a20);
      a21 = u1.fma(s, a21);
      s = FloatVector.broadcast(S, d[d3 + c]);
      a30 = u0.fma(s, a30);
      a31 = u1.fma(s, a31);
    }
    int y0 = e * m + r;
    int y1 = e * m + r2;
    a00.intoArray(y, y0);
    a01.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a10.intoArray(y, y0);
    a11.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a20.intoArray(y, y0);
    a21.intoArray(y, y1);
    y0 += m;
    y1 += m;
    a30.intoArray(y, y0);
    a31.intoArray(y, y1);
  }

  /** Six examples times four vectors of columns: 24 accumulators, 4 loads and 6 broadcasts per 24 multiply-adds. */
  private static void cols6x4(float[] w, float[] d, float[] y, int m, int k, int e, int r) {
    int d0 = e * k;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = FloatVector.zero(S);
    FloatVector a02 = FloatVector.zero(S);
    FloatVector a03 = FloatVector.zero(S);
    FloatVector a10 = FloatVector.zero(S);
    FloatVector a11 = FloatVector.zero(S);
    FloatVector a12 = FloatVector.zero(S);
    FloatVector a13 = FloatVector.zero(S);
    FloatVector a20 = FloatVector.zero(S);
    FloatVector a21 = FloatVector.zero(S);
    FloatVector a22 = FloatVector.zero(S);
    FloatVector a23 = FloatVector.zero(S);
    FloatVector a30 = FloatVector.zero(S);
    FloatVector a31 = FloatVector.zero(S);
    FloatVector a32 = FloatVector.zero(S);
    FloatVector a33 = FloatVector.zero(S);
    FloatVector a40 = FloatVector.zero(S);
    FloatVector a41 = FloatVector.zero(S);
    FloatVector a42 = FloatVector.zero(S);
    FloatVector a43 = FloatVector.zero(S);
    FloatVector a50 = FloatVector.zero(S);
    FloatVector a51 = FloatVector.zero(S);
    FloatVector a52 = FloatVector.zero(S);
    FloatVector a53 = FloatVector.zero(S);
    for (int c = 0; c < k; c++) {
      int wo = c * m + r;
      FloatVector u0 = FloatVector.fromArray(S, w, wo);
      FloatVector u1 = FloatVector.fromArray(S, w, wo + L);
      FloatVector u2 = FloatVector.fromArray(S, w, wo + 2 * L);
      FloatVector u3 = FloatVector.fromArray(S, w, wo + 3 * L);
      FloatVector s0 = FloatVector.broadcast(S, d[d0 + c]);
      a00 = u0.fma(s0, a00);
      a01 = u1.fma(s0, a01);
      a02 = u2.fma(s0, a02);
      a03 = u3.fma(s0, a03);
      FloatVector s1 = FloatVector.broadcast(S, d[d0 + 1 * k + c]);
      a10 = u0.fma(s1, a10);
      a11 = u1.fma(s1, a11);
      a12 = u2.fma(s1, a12);
      a13 = u3.fma(s1, a13);
      FloatVector s2 = FloatVector.broadcast(S, d[d0 + 2 * k + c]);
      a20 = u0.fma(s2, a20);
      a21 = u1.fma(s2, a21);
      a22 = u2.fma(s2, a22);
      a23 = u3.fma(s2, a23);
      FloatVector s3 = FloatVector.broadcast(S, d[d0 + 3 * k + c]);
      a30 = u0.fma(s3, a30);
      a31 = u1.fma(s3, a31);
      a32 = u2.fma(s3, a32);
      a33 = u3.fma(s3, a33);
      FloatVector s4 = FloatVector.broadcast(S, d[d0 + 4 * k + c]);
      a40 = u0.fma(s4, a40);
      a41 = u1.fma(s4, a41);
      a42 = u2.fma(s4, a42);
      a43 = u3.fma(s4, a43);
      FloatVector s5 = FloatVector.broadcast(S, d[d0 + 5 * k + c]);
      a50 = u0.fma(s5, a50);
      a51 = u1.fma(s5, a51);
      a52 = u2.fma(s5, a52);
      a53 = u3.fma(s5, a53);
    }
    int y0 = e * m + r;
    a00.intoArray(y, y0);
    a01.intoArray(y, y0 + L);
    a02.intoArray(y, y0 + 2 * L);
    a03.intoArray(y, y0 + 3 * L);
    y0 += m;
    a10.intoArray(y, y0);
    a11.intoArray(y, y0 + L);
    a12.intoArray(y, y0 + 2 * L);
    a13.intoArray(y, y0 + 3 * L);
    y0 += m;
    a20.intoArray(y, y0);
    a21.intoArray(y, y0 + L);
    a22.intoArray(y, y0 + 2 * L);
    a23.intoArray(y, y0 + 3 * L);
    y0 += m;
    a30.intoArray(y, y0);
    a31.intoArray(y, y0 + L);
    a32.intoArray(y, y0 + 2 * L);
    a33.intoArray(y, y0 + 3 * L);
    y0 += m;
    a40.intoArray(y, y0);
    a41.intoArray(y, y0 + L);
    a42.intoArray(y, y0 + 2 * L);
    a43.intoArray(y, y0 + 3 * L);
    y0 += m;
    a50.intoArray(y, y0);
    a51.intoArray(y, y0 + L);
    a52.intoArray(y, y0 + 2 * L);
    a53.intoArray(y, y0 + 3 * L);
  }

  /** Four examples times four vectors of columns: each row vector of W feeds four examples. */
  private static void cols4x4(float[] w, float[] d, float[] y, int m, int k, int e, int r) {
    int d0 = e * k;
    int d1 = d0 + k;
    int d2 = d1 + k;
    int d3 = d2 + k;
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a22 = a00;
    FloatVector a23 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a32 = a00;
    FloatVector a33 = a00;
    for (int c = 0; c < k; c++) {
      int wo = c * m + r;
      FloatVector u0 = FloatVector.fromArray(S, w, wo);
      FloatVector u1 = FloatVector.fromArray(S, w, wo + L);
      FloatVector u2 = FloatVector.fromArray(S, w, wo + 2 * L);
      FloatVector u3 = FloatVector.fromArray(S, w, wo + 3 * L);
      FloatVector s = FloatVector.broadcast(S, d[d0 + c]);
      a00 = u0.fma(s, a00);
      a01 = u1.fma(s, a01);
      a02 = u2.fma(s, a02);
      a03 = u3.fma(s, a03);
      s = FloatVector.broadcast(S, d[d1 + c]);
      a10 = u0.fma(s, a10);
      a11 = u1.fma(s, a11);
      a12 = u2.fma(s, a12);
      a13 = u3.fma(s, a13);
      s = FloatVector.broadcast(S, d[d2 + c]);
      a20 = u0.fma(s, a20);
      a21 = u1.fma(s, a21);
      a22 = u2.fma(s, a22);
      a23 = u3.fma(s, a23);
      s = FloatVector.broadcast(S, d[d3 + c]);
      a30 = u0.fma(s, a30);
      a31 = u1.fma(s, a31);
      a32 = u2.fma(s, a32);
      a33 = u3.fma(s, a33);
    }
    int y0 = e * m + r;
    a00.intoArray(y, y0);
    a01.intoArray(y, y0 + L);
    a02.intoArray(y, y0 + 2 * L);
    a03.intoArray(y, y0 + 3 * L);
    y0 += m;
    a10.intoArray(y, y0);
    a11.intoArray(y, y0 + L);
    a12.intoArray(y, y0 + 2 * L);
    a13.intoArray(y, y0 + 3 * L);
    y0 += m;
    a20.intoArray(y, y0);
    a21.intoArray(y, y0 + L);
    a22.intoArray(y, y0 + 2 * L);
    a23.intoArray(y, y0 + 3 * L);
    y0 += m;
    a30.intoArray(y, y0);
    a31.intoArray(y, y0 + L);
    a32.intoArray(y, y0 + 2 * L);
    a33.intoArray(y, y0 + 3 * L);
  }

  private static void cols4x1(float[] w, float[] d, float[] y, int m, int k, int e, int r) {
    int d0 = e * k;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int c = 0; c < k; c++) {
      FloatVector u = FloatVector.fromArray(S, w, c * m + r);
      a0 = u.fma(FloatVector.broadcast(S, d[d0 + c]), a0);
      a1 = u.fma(FloatVector.broadcast(S, d[d0 + k + c]), a1);
      a2 = u.fma(FloatVector.broadcast(S, d[d0 + 2 * k + c]), a2);
      a3 = u.fma(FloatVector.broadcast(S, d[d0 + 3 * k + c]), a3);
    }
    int y0 = e * m + r;
    a0.intoArray(y, y0);
    a1.intoArray(y, y0 + m);
    a2.intoArray(y, y0 + 2 * m);
    a3.intoArray(y, y0 + 3 * m);
  }

  private static void cols1x4(float[] w, float[] d, float[] y, int m, int k, int e, int r) {
    int d0 = e * k;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int c = 0; c < k; c++) {
      int wo = c * m + r;
      FloatVector s = FloatVector.broadcast(S, d[d0 + c]);
      a0 = FloatVector.fromArray(S, w, wo).fma(s, a0);
      a1 = FloatVector.fromArray(S, w, wo + L).fma(s, a1);
      a2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(s, a2);
      a3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(s, a3);
    }
    int y0 = e * m + r;
    a0.intoArray(y, y0);
    a1.intoArray(y, y0 + L);
    a2.intoArray(y, y0 + 2 * L);
    a3.intoArray(y, y0 + 3 * L);
  }

  /**
   * One element of {@link #matmulCols}, the fused sum over {@code c} in order that a vector's lane
   * computes: so a column is the same number whether a thread's share of the columns ends it with
   * a vector overlapping the one before or with this.
   */
  private static float column(float[] w, float[] d, int m, int k, int e, int r) {
    float s = 0;
    for (int c = 0; c < k; c++) {
      s = Math.fma(w[c * m + r], d[e * k + c], s);
    }
    return s;
  }

  /**
   * The backward pass of a layer {@code z = W * x} ({@code W} being {@code m x k}) for the deltas
   * {@code d = dloss/dz}: {@code y[e*k + j] = sum over r of d[e*m + r] * w[r*k + j]} (the gradient
   * for {@code x}, as {@link #matmulCols}) and {@code g[r*k + j] = scale * sum over e of
   * d[e*m + r] * x[e*k + j]} (W's gradient, as {@link #outerAccumulate} with {@code assign}). For
   * one example both come from a single pass over W: each row of W is read once, and the same
   * pass writes that row of the gradient, where two kernels would read W twice.
   */
  public static void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, int batch,
      float scale) {
    if (batch != 1) {
      matmulCols(w, d, y, k, m, batch);
      outerAccumulate(d, x, g, m, k, batch, scale, true);
      return;
    }
    IntraOp.Pool p = k < 8 * L ? null : IntraOp.acquire((long) m * k, IntraOp.MIN_WORK);
    if (p == null) {
      backwardRows(w, d, x, y, g, m, k, scale, 0, k);
      return;
    }
    Backward job = p.job(IntraOp.Pool.BACKWARD, IS_FLOAT, Backward::new);
    job.w = w;
    job.d = d;
    job.x = x;
    job.y = y;
    job.g = g;
    job.m = m;
    job.k = k;
    job.scale = scale;
    // shares of whole blocks of 4 vectors of columns: each element is computed as by one thread
    p.run(job, k, 4 * L);
  }

  private static final class Backward extends IntraOp.Job {
    float[] w;
    float[] d;
    float[] x;
    float[] y;
    float[] g;
    int m;
    int k;
    float scale;

    @Override
    void run(int from, int to) {
      backwardRows(w, d, x, y, g, m, k, scale, from, to);
    }

    @Override
    void clear() {
      w = null;
      d = null;
      x = null;
      y = null;
      g = null;
    }
  }

  /**
   * {@link #backwardRows} for one example and the columns {@code j0 <= j < j1} ({@code j0} a multiple of
   * {@code 4 L}). Row by row, four rows at a time: each row of W and of the gradient is streamed
   * in order, and y's segment, which stays in L1, is read and written once per four rows. The
   * previous form walked down one block of columns at a time with y in registers, which strides a
   * whole row per step: past the L2 the prefetchers did not follow, and at width 512 it took twice
   * as long. Each {@code y[j]} still sums its terms in the order {@code r = 0, 1, ...}, one fma
   * each (a scalar multiply and add in the tail columns), so the results are the same bits.
   */
  private static void backwardRows(float[] w, float[] d, float[] x, float[] y, float[] g, int m, int k, float scale,
      int j0, int j1) {
    int jv = j0 + S.loopBound(j1 - j0);
    for (int j = j0; j < j1; j++) {
      y[j] = 0;
    }
    int r = 0;
    for (; r + 4 <= m; r += 4) {
      int w0 = r * k;
      int w1 = w0 + k;
      int w2 = w1 + k;
      int w3 = w2 + k;
      float d0 = d[r];
      float d1 = d[r + 1];
      float d2 = d[r + 2];
      float d3 = d[r + 3];
      FloatVector s0 = FloatVector.broadcast(S, d0);
      FloatVector s1 = FloatVector.broadcast(S, d1);
      FloatVector s2 = FloatVector.broadcast(S, d2);
      FloatVector s3 = FloatVector.broadcast(S, d3);
      FloatVector t0 = FloatVector.broadcast(S, d0 * scale);
      FloatVector t1 = FloatVector.broadcast(S, d1 * scale);
      FloatVector t2 = FloatVector.broadcast(S, d2 * scale);
      FloatVector t3 = FloatVector.broadcast(S, d3 * scale);
      int j = j0;
      for (; j < jv; j += L) {
        FloatVector acc = FloatVector.fromArray(S, y, j);
        acc = FloatVector.fromArray(S, w, w0 + j).fma(s0, acc);
        acc = FloatVector.fromArray(S, w, w1 + j).fma(s1, acc);
        acc = FloatVector.fromArray(S, w, w2 + j).fma(s2, acc);
        acc = FloatVector.fromArray(S, w, w3 + j).fma(s3, acc);
        acc.intoArray(y, j);
        FloatVector v = FloatVector.fromArray(S, x, j);
        v.mul(t0).intoArray(g, w0 + j);
        v.mul(t1).intoArray(g, w1 + j);
        v.mul(t2).intoArray(g, w2 + j);
        v.mul(t3).intoArray(g, w3 + j);
      }
      for (; j < j1; j++) {
        float acc = y[j];
        acc += d0 * w[w0 + j];
        acc += d1 * w[w1 + j];
        acc += d2 * w[w2 + j];
        acc += d3 * w[w3 + j];
        y[j] = acc;
        g[w0 + j] = d0 * scale * x[j];
        g[w1 + j] = d1 * scale * x[j];
        g[w2 + j] = d2 * scale * x[j];
        g[w3 + j] = d3 * scale * x[j];
      }
    }
    for (; r < m; r++) {
      int w0 = r * k;
      float d0 = d[r];
      FloatVector s0 = FloatVector.broadcast(S, d0);
      FloatVector t0 = FloatVector.broadcast(S, d0 * scale);
      int j = j0;
      for (; j < jv; j += L) {
        FloatVector.fromArray(S, w, w0 + j).fma(s0, FloatVector.fromArray(S, y, j)).intoArray(y, j);
        FloatVector.fromArray(S, x, j).mul(t0).intoArray(g, w0 + j);
      }
      for (; j < j1; j++) {
        y[j] += d0 * w[w0 + j];
        g[w0 + j] = d0 * scale * x[j];
      }
    }
  }

  /**
   * {@code g[r*cols + j] = scale * sum over e of a[e*rows + r] * b[e*cols + j]} when
   * {@code assign}, else {@code g[r*cols + j] += ...} the same: a batch's sum of outer products
   * {@code a_e b_e^T}, scaled (for a param's gradient, by {@code +-1/batch}). Register tiles of 4
   * rows by 4 vectors (then 2) sum over all the examples; from {@code PACK_MIN_BATCH} examples on, each
   * tile reads its operands packed (b's strips of 2 vectors once per call, a's 4 rows once per
   * tile of rows, in this thread's scratch) so that they stream rather than touch a cache line of
   * each per example. Every element is summed over the examples in order either way.
   */
  public static void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign) {
    IntraOp.Pool p = rows < 8 ? null : IntraOp.acquire((long) rows * cols * batch, IntraOp.MIN_WORK);
    if (p == null) {
      outerAccumulate(a, b, g, rows, cols, batch, scale, assign, 0, rows);
      return;
    }
    Outer job = p.job(IntraOp.Pool.OUTER, IS_FLOAT, Outer::new);
    job.a = a;
    job.b = b;
    job.g = g;
    job.rows = rows;
    job.cols = cols;
    job.batch = batch;
    job.scale = scale;
    job.assign = assign;
    // shares of whole 4-row tiles: each row is computed as by one thread
    p.run(job, rows, 4);
  }

  private static final class Outer extends IntraOp.Job {
    float[] a;
    float[] b;
    float[] g;
    int rows;
    int cols;
    int batch;
    float scale;
    boolean assign;

    @Override
    void run(int from, int to) {
      outerAccumulate(a, b, g, rows, cols, batch, scale, assign, from, to);
    }

    @Override
    void clear() {
      a = null;
      b = null;
      g = null;
    }
  }

  /** {@link #outerAccumulate} for rows {@code r0 <= r < r1} of {@code g} only. */
  private static void outerAccumulate(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign, int r0, int r1) {
    int cv = S.loopBound(cols);
    if (batch == 1) {
      // one example: each row of g is b times a number, a stream of stores (no sums to keep in registers)
      for (int r = r0; r < r1; r++) {
        float ar = a[r] * scale;
        FloatVector s = FloatVector.broadcast(S, ar);
        int go = r * cols;
        int j = 0;
        if (assign) {
          for (; j < cv; j += L) {
            FloatVector.fromArray(S, b, j).mul(s).intoArray(g, go + j);
          }
          for (; j < cols; j++) {
            g[go + j] = b[j] * ar;
          }
        } else {
          for (; j < cv; j += L) {
            FloatVector.fromArray(S, b, j).fma(s, FloatVector.fromArray(S, g, go + j)).intoArray(g, go + j);
          }
          for (; j < cols; j++) {
            g[go + j] += b[j] * ar;
          }
        }
      }
      return;
    }
    // long sums: each tile's operands packed where the tile reads them one after the other
    // (b's strips of 2 vectors, a's 4 rows), so that they stream from the caches instead of
    // touching a line of each per example (at 512 examples, more lines than the L1 holds)
    int strips = cols / (2 * L);
    boolean packed = batch >= PACK_MIN_BATCH && strips > 0 && r1 - r0 >= 4;
    float[] bp = null;
    float[] ap = null;
    if (packed) {
      float[][] scratch = OUTER_SCRATCH.get();
      int bn = strips * batch * 2 * L;
      if (scratch[0].length < bn) {
        scratch[0] = new float[bn];
      }
      if (scratch[1].length < 4 * batch) {
        scratch[1] = new float[4 * batch];
      }
      bp = scratch[0];
      ap = scratch[1];
      for (int s = 0; s < strips; s++) {
        int o = s * batch * 2 * L;
        int j = s * 2 * L;
        for (int e = 0; e < batch; e++) {
          FloatVector.fromArray(S, b, e * cols + j).intoArray(bp, o + e * 2 * L);
          FloatVector.fromArray(S, b, e * cols + j + L).intoArray(bp, o + e * 2 * L + L);
        }
      }
    }
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
      int j = 0;
      if (packed && strips >= PACK_A_MIN_STRIPS) {
        for (int e = 0; e < batch; e++) {
          int ao = e * rows + r;
          ap[4 * e] = a[ao];
          ap[4 * e + 1] = a[ao + 1];
          ap[4 * e + 2] = a[ao + 2];
          ap[4 * e + 3] = a[ao + 3];
        }
        for (; j + 4 * L <= cols; j += 4 * L) {
          outer4x4(ap, 0, 4, bp, j * batch, (j + 2 * L) * batch, 2 * L, g, cols, batch, scale, assign, r, j);
        }
        for (; j + 2 * L <= cols; j += 2 * L) {
          outer4x2(ap, 0, 4, bp, j * batch, 2 * L, g, cols, batch, scale, assign, r, j);
        }
      } else if (packed) {
        // a tile's 4 numbers of a read in place: packing them costs more than it saves over 1 to 3 strips
        for (; j + 4 * L <= cols; j += 4 * L) {
          outer4x4(a, r, rows, bp, j * batch, (j + 2 * L) * batch, 2 * L, g, cols, batch, scale, assign, r, j);
        }
        for (; j + 2 * L <= cols; j += 2 * L) {
          outer4x2(a, r, rows, bp, j * batch, 2 * L, g, cols, batch, scale, assign, r, j);
        }
      }
      for (; j + 4 * L <= cols; j += 4 * L) {
        outer4x4(a, r, rows, b, j, j + 2 * L, cols, g, cols, batch, scale, assign, r, j);
      }
      for (; j + 2 * L <= cols; j += 2 * L) {
        outer4x2(a, r, rows, b, j, cols, g, cols, batch, scale, assign, r, j);
      }
      for (; j < cv; j += L) {
        for (int i = 0; i < 4; i++) {
          outer1(a, b, g, rows, cols, batch, scale, assign, r + i, j);
        }
      }
      if (j < cols && cols >= L) {
        outer4Last(a, b, g, rows, cols, batch, scale, assign, r, j);
        j = cols;
      }
      for (; j < cols; j++) {
        for (int i = 0; i < 4; i++) {
          outerScalar(a, b, g, rows, cols, batch, scale, assign, r + i, j);
        }
      }
    }
    for (; r < r1; r++) {
      int j = 0;
      for (; j < cv; j += L) {
        outer1(a, b, g, rows, cols, batch, scale, assign, r, j);
      }
      if (j < cols && cols >= L) {
        outerLast(a, b, g, rows, cols, batch, scale, assign, r, j);
        j = cols;
      }
      for (; j < cols; j++) {
        outerScalar(a, b, g, rows, cols, batch, scale, assign, r, j);
      }
    }
  }

  /**
   * Rows r..r+3 times columns j..j+2L-1: each vector of b feeds four rows. Example e's four
   * numbers of a are at {@code a0 + e * as}, its two vectors of b at {@code b0 + e * bs} (in the
   * operands themselves, or packed).
   */
  private static void outer4x2(float[] a, int a0, int as, float[] b, int b0, int bs, float[] g, int cols, int batch,
      float scale, boolean assign, int r, int j) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    for (int e = 0; e < batch; e++) {
      int bo = b0 + e * bs;
      int ao = a0 + e * as;
      FloatVector u0 = FloatVector.fromArray(S, b, bo);
      FloatVector u1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector s = FloatVector.broadcast(S, a[ao]);
      a00 = u0.fma(s, a00);
      a01 = u1.fma(s, a01);
      s = FloatVector.broadcast(S, a[ao + 1]);
      a10 = u0.fma(s, a10);
      a11 = u1.fma(s, a11);
      s = FloatVector.broadcast(S, a[ao + 2]);
      a20 = u0.fma(s, a20);
      a21 = u1.fma(s, a21);
      s = FloatVector.broadcast(S, a[ao + 3]);
      a30 = u0.fma(s, a30);
      a31 = u1.fma(s, a31);
    }
    // g = sum * scale, or g += sum * scale (a fused multiply-add), written out here: a helper
    // taking the vectors as arguments boxed all eight whenever C2 did not inline it (a JVM that
    // had compiled it elsewhere first: 3.4 KB a step of a small MLP, docs/performance.md)
    int g0 = r * cols + j;
    int g1 = g0 + cols;
    int g2 = g1 + cols;
    int g3 = g2 + cols;
    FloatVector s = FloatVector.broadcast(S, scale);
    if (assign) {
      a00.mul(s).intoArray(g, g0);
      a01.mul(s).intoArray(g, g0 + L);
      a10.mul(s).intoArray(g, g1);
      a11.mul(s).intoArray(g, g1 + L);
      a20.mul(s).intoArray(g, g2);
      a21.mul(s).intoArray(g, g2 + L);
      a30.mul(s).intoArray(g, g3);
      a31.mul(s).intoArray(g, g3 + L);
    } else {
      a00.fma(s, FloatVector.fromArray(S, g, g0)).intoArray(g, g0);
      a01.fma(s, FloatVector.fromArray(S, g, g0 + L)).intoArray(g, g0 + L);
      a10.fma(s, FloatVector.fromArray(S, g, g1)).intoArray(g, g1);
      a11.fma(s, FloatVector.fromArray(S, g, g1 + L)).intoArray(g, g1 + L);
      a20.fma(s, FloatVector.fromArray(S, g, g2)).intoArray(g, g2);
      a21.fma(s, FloatVector.fromArray(S, g, g2 + L)).intoArray(g, g2 + L);
      a30.fma(s, FloatVector.fromArray(S, g, g3)).intoArray(g, g3);
      a31.fma(s, FloatVector.fromArray(S, g, g3 + L)).intoArray(g, g3 + L);
    }
  }

  /**
   * Rows r..r+3 times columns j..j+4L-1, two strips of 2 vectors: each vector of b feeds four
   * rows, 16 accumulators (4 loads and 4 broadcasts per 16 multiply-adds, where
   * {@link #outer4x2}'s 8 chains of multiply-adds barely cover their latency: a transformer's MLP
   * weight gradients over 512 positions, 256 x 64 and 64 x 256, 120-121 -> 111-116 us each).
   * Example e's vectors of b at {@code b0 + e * bs} and {@code b1 + e * bs} (the two strips, packed
   * apart, or in place {@code 2L} apart); the same sums, in the same order, as two 4 x 2 tiles.
   */
  private static void outer4x4(float[] a, int a0, int as, float[] b, int b0, int b1, int bs, float[] g, int cols,
      int batch, float scale, boolean assign, int r, int j) {
    FloatVector a00 = FloatVector.zero(S);
    FloatVector a01 = a00;
    FloatVector a02 = a00;
    FloatVector a03 = a00;
    FloatVector a10 = a00;
    FloatVector a11 = a00;
    FloatVector a12 = a00;
    FloatVector a13 = a00;
    FloatVector a20 = a00;
    FloatVector a21 = a00;
    FloatVector a22 = a00;
    FloatVector a23 = a00;
    FloatVector a30 = a00;
    FloatVector a31 = a00;
    FloatVector a32 = a00;
    FloatVector a33 = a00;
    for (int e = 0; e < batch; e++) {
      int bo = b0 + e * bs;
      int bq = b1 + e * bs;
      int ao = a0 + e * as;
      FloatVector u0 = FloatVector.fromArray(S, b, bo);
      FloatVector u1 = FloatVector.fromArray(S, b, bo + L);
      FloatVector u2 = FloatVector.fromArray(S, b, bq);
      FloatVector u3 = FloatVector.fromArray(S, b, bq + L);
      FloatVector s = FloatVector.broadcast(S, a[ao]);
      a00 = u0.fma(s, a00);
      a01 = u1.fma(s, a01);
      a02 = u2.fma(s, a02);
      a03 = u3.fma(s, a03);
      s = FloatVector.broadcast(S, a[ao + 1]);
      a10 = u0.fma(s, a10);
      a11 = u1.fma(s, a11);
      a12 = u2.fma(s, a12);
      a13 = u3.fma(s, a13);
      s = FloatVector.broadcast(S, a[ao + 2]);
      a20 = u0.fma(s, a20);
      a21 = u1.fma(s, a21);
      a22 = u2.fma(s, a22);
      a23 = u3.fma(s, a23);
      s = FloatVector.broadcast(S, a[ao + 3]);
      a30 = u0.fma(s, a30);
      a31 = u1.fma(s, a31);
      a32 = u2.fma(s, a32);
      a33 = u3.fma(s, a33);
    }
    // written out here, as in outer4x2: a helper taking the vectors would box them where C2 did
    // not inline it
    int g0 = r * cols + j;
    int g1 = g0 + cols;
    int g2 = g1 + cols;
    int g3 = g2 + cols;
    FloatVector s = FloatVector.broadcast(S, scale);
    if (assign) {
      a00.mul(s).intoArray(g, g0);
      a01.mul(s).intoArray(g, g0 + L);
      a02.mul(s).intoArray(g, g0 + 2 * L);
      a03.mul(s).intoArray(g, g0 + 3 * L);
      a10.mul(s).intoArray(g, g1);
      a11.mul(s).intoArray(g, g1 + L);
      a12.mul(s).intoArray(g, g1 + 2 * L);
      a13.mul(s).intoArray(g, g1 + 3 * L);
      a20.mul(s).intoArray(g, g2);
      a21.mul(s).intoArray(g, g2 + L);
      a22.mul(s).intoArray(g, g2 + 2 * L);
      a23.mul(s).intoArray(g, g2 + 3 * L);
      a30.mul(s).intoArray(g, g3);
      a31.mul(s).intoArray(g, g3 + L);
      a32.mul(s).intoArray(g, g3 + 2 * L);
      a33.mul(s).intoArray(g, g3 + 3 * L);
    } else {
      a00.fma(s, FloatVector.fromArray(S, g, g0)).intoArray(g, g0);
      a01.fma(s, FloatVector.fromArray(S, g, g0 + L)).intoArray(g, g0 + L);
      a02.fma(s, FloatVector.fromArray(S, g, g0 + 2 * L)).intoArray(g, g0 + 2 * L);
      a03.fma(s, FloatVector.fromArray(S, g, g0 + 3 * L)).intoArray(g, g0 + 3 * L);
      a10.fma(s, FloatVector.fromArray(S, g, g1)).intoArray(g, g1);
      a11.fma(s, FloatVector.fromArray(S, g, g1 + L)).intoArray(g, g1 + L);
      a12.fma(s, FloatVector.fromArray(S, g, g1 + 2 * L)).intoArray(g, g1 + 2 * L);
      a13.fma(s, FloatVector.fromArray(S, g, g1 + 3 * L)).intoArray(g, g1 + 3 * L);
      a20.fma(s, FloatVector.fromArray(S, g, g2)).intoArray(g, g2);
      a21.fma(s, FloatVector.fromArray(S, g, g2 + L)).intoArray(g, g2 + L);
      a22.fma(s, FloatVector.fromArray(S, g, g2 + 2 * L)).intoArray(g, g2 + 2 * L);
      a23.fma(s, FloatVector.fromArray(S, g, g2 + 3 * L)).intoArray(g, g2 + 3 * L);
      a30.fma(s, FloatVector.fromArray(S, g, g3)).intoArray(g, g3);
      a31.fma(s, FloatVector.fromArray(S, g, g3 + L)).intoArray(g, g3 + L);
      a32.fma(s, FloatVector.fromArray(S, g, g3 + 2 * L)).intoArray(g, g3 + 2 * L);
      a33.fma(s, FloatVector.fromArray(S, g, g3 + 3 * L)).intoArray(g, g3 + 3 * L);
    }
  }

  private static void outer1(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign, int r, int j) {
    FloatVector acc = FloatVector.zero(S);
    for (int e = 0; e < batch; e++) {
      acc = FloatVector.fromArray(S, b, e * cols + j).fma(FloatVector.broadcast(S, a[e * rows + r]), acc);
    }
    int g0 = r * cols + j;
    FloatVector s = FloatVector.broadcast(S, scale);
    if (assign) {
      acc.mul(s).intoArray(g, g0);
    } else {
      acc.fma(s, FloatVector.fromArray(S, g, g0)).intoArray(g, g0);
    }
  }

  /**
   * Columns {@code j <= c < cols} of rows {@code r..r+3} of {@link #outerAccumulate}, fewer than a
   * vector, where a row is at least one ({@code cols >= L}): {@link #outer1}'s sums for the row's
   * last {@code L} columns, which overlap columns already done; those lanes are stored back as
   * they were. Summed one column at a time, LeNet's 84 x 120 weight gradient (8 columns past 7
   * vectors) took 38 µs, more than 120 x 256's 25.
   */
  private static void outer4Last(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign, int r, int j) {
    int jo = cols - L;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int e = 0; e < batch; e++) {
      FloatVector v = FloatVector.fromArray(S, b, e * cols + jo);
      int ao = e * rows + r;
      a0 = v.fma(FloatVector.broadcast(S, a[ao]), a0);
      a1 = v.fma(FloatVector.broadcast(S, a[ao + 1]), a1);
      a2 = v.fma(FloatVector.broadcast(S, a[ao + 2]), a2);
      a3 = v.fma(FloatVector.broadcast(S, a[ao + 3]), a3);
    }
    VectorMask<Float> fresh = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.GE, (float) (j - jo));
    FloatVector s = FloatVector.broadcast(S, scale);
    // each row's vector stored whole, its lanes before j as they were (no vector is passed to a
    // method: one the JIT did not inline would be boxed)
    int g0 = r * cols + jo;
    FloatVector old = FloatVector.fromArray(S, g, g0);
    old.blend(assign ? a0.mul(s) : a0.fma(s, old), fresh).intoArray(g, g0);
    g0 += cols;
    old = FloatVector.fromArray(S, g, g0);
    old.blend(assign ? a1.mul(s) : a1.fma(s, old), fresh).intoArray(g, g0);
    g0 += cols;
    old = FloatVector.fromArray(S, g, g0);
    old.blend(assign ? a2.mul(s) : a2.fma(s, old), fresh).intoArray(g, g0);
    g0 += cols;
    old = FloatVector.fromArray(S, g, g0);
    old.blend(assign ? a3.mul(s) : a3.fma(s, old), fresh).intoArray(g, g0);
  }

  /** {@link #outer4Last} for one row. */
  private static void outerLast(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign, int r, int j) {
    int jo = cols - L;
    FloatVector acc = FloatVector.zero(S);
    for (int e = 0; e < batch; e++) {
      acc = FloatVector.fromArray(S, b, e * cols + jo).fma(FloatVector.broadcast(S, a[e * rows + r]), acc);
    }
    VectorMask<Float> fresh = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.GE, (float) (j - jo));
    FloatVector s = FloatVector.broadcast(S, scale);
    int g0 = r * cols + jo;
    FloatVector old = FloatVector.fromArray(S, g, g0);
    old.blend(assign ? acc.mul(s) : acc.fma(s, old), fresh).intoArray(g, g0);
  }

  private static void outerScalar(float[] a, float[] b, float[] g, int rows, int cols, int batch, float scale,
      boolean assign, int r, int j) {
    float s = 0;
    for (int e = 0; e < batch; e++) {
      s += a[e * rows + r] * b[e * cols + j];
    }
    int at = r * cols + j;
    g[at] = assign ? s * scale : g[at] + s * scale;
  }


  /**
   * {@code c[i*n + j] = sum over q < k of a[i*k + q] * b[q][j]} for {@code i < m}, {@code j < n}:
   * the packed product {@code Y = A' B'} of a contraction (docs/codegen.md, "Contractions"), with
   * {@code A'} row-major and {@code B'} one array per point of the reduced domain, each at least
   * {@code n} long. On AVX-512, while a panel 4 vectors wide fits {@link #WIDE_PANEL_BYTES}, tiles
   * of 6 rows by 4 vectors cover the columns first ({@link #packedWide}); the columns they leave,
   * or all of them, go to register tiles of 6 (then 4, then 2) rows by 2 vectors that accumulate
   * over all of {@code k} (fused multiply-adds, each vector of {@code B'} loaded once per tile and
   * feeding every row of it: 12 accumulators, 2 loads and 6 broadcasts per 12 multiply-adds); a
   * panel of {@code B'} (its {@code k} rows, 2 vectors wide) stays in the L1 cache while every
   * tile of rows runs over it. A last single vector of columns runs 4 rows at a time, and an odd
   * last row 4 vectors at a time (4 independent sums, not one chain waiting on each multiply-add);
   * the columns past the last whole vector are one more vector overlapping the one before, or,
   * where {@code n} is under a vector, summed in scalar code. Each element is summed over {@code q}
   * in order, so the result does not depend on which tile computed it.
   */
  public static void packedProduct(float[] a, float[][] b, float[] c, int m, int n, int k) {
    packedProduct(a, b, zeroOffsets(k), c, m, n, k, false);
  }

  /**
   * {@link #packedProduct(float[], float[][], float[], int, int, int)} with row {@code q} of
   * {@code B'} starting at {@code bo[q]} of {@code b[q]}: {@code c[i*n + j] = sum over q < k of
   * a[i*k + q] * b[q][bo[q] + j]}. A direct convolution (docs/codegen.md, "Contractions") passes
   * its input for every row, each from the offset of the input point that the row's kernel point
   * reads for the first output column, and no copy of {@code B'} is made: the columns are the
   * output's rows laid end to end as wide as the input's, whose points past the output's width
   * the caller does not copy out.
   */
  public static void packedProduct(float[] a, float[][] b, int[] bo, float[] c, int m, int n, int k) {
    packedProduct(a, b, bo, c, m, n, k, true);
  }

  /**
   * The product; {@code runs}: the rows of {@code B'} are runs of a few arrays that overlap
   * (a direct product's), so that a panel of them 4 vectors wide stays in the L1 cache however
   * many rows it has (a full correlation's 400 rows are 16 planes of 200 numbers).
   */
  private static void packedProduct(float[] a, float[][] b, int[] bo, float[] c, int m, int n, int k, boolean runs) {
    int j = 0;
    if (!NARROW && (runs || (long) k * 4 * L * Float.BYTES <= WIDE_PANEL_BYTES)) {
      for (; j + 4 * L <= n; j += 4 * L) {
        packedWide(a, b, bo, c, m, n, k, j);
      }
    }
    int even = m - m % 2;
    int wide = j;
    for (; j + 2 * L <= n; j += 2 * L) {
      int i = 0;
      for (; i + 6 <= even; i += 6) {
        packed6x2(a, b, bo, c, n, k, i, j);
      }
      for (; i + 4 <= even; i += 4) {
        packed4x2(a, b, bo, c, n, k, i, j);
      }
      for (; i < even; i += 2) {
        packed2x2(a, b, bo, c, n, k, i, j);
      }
    }
    if (n - j > L && n >= 2 * L || n - j == L && j > 0 && m % 4 != 0) {
      // more than a vector of columns left, or one for rows that 4-row tiles leave: one more
      // tile 2 vectors wide, overlapping the columns before it, which it computes again to the
      // same numbers (a direct convolution's 92 columns: 64 in wide tiles, then 60 to 91, where
      // single vectors took 4 rows at a time; a full correlation's 144 for 6 rows: 128, then
      // 112 to 143, where 2 of the 6 rows took one chain of multiply-adds each)
      int last = n - 2 * L;
      int i = 0;
      for (; i + 6 <= even; i += 6) {
        packed6x2(a, b, bo, c, n, k, i, last);
      }
      for (; i + 4 <= even; i += 4) {
        packed4x2(a, b, bo, c, n, k, i, last);
      }
      for (; i < even; i += 2) {
        packed2x2(a, b, bo, c, n, k, i, last);
      }
      j = n;
    }
    for (; j + L <= n; j += L) {
      int i = 0;
      for (; i + 4 <= even; i += 4) {
        packed4x1(a, b, bo, c, n, k, i, j);
      }
      for (; i < even; i++) {
        packed1x1(a, b, bo, c, n, k, i, j);
      }
    }
    if (even < m) {
      int jr = wide;
      for (; jr + 4 * L <= n; jr += 4 * L) {
        packed1x4(a, b, bo, c, n, k, even, jr);
      }
      for (; jr + L <= n; jr += L) {
        packed1x1(a, b, bo, c, n, k, even, jr);
      }
      if (jr < n && n >= L) {
        packed1x1(a, b, bo, c, n, k, even, n - L);
      }
    }
    if (j < n && n >= L) {
      // the columns past the last whole vector: one more vector, overlapping the one before,
      // which computes its first columns again to the same numbers (a transformer's 28 logits
      // where a vector holds 16 floats: 12 columns of 64-term chains one element at a time took
      // 7% of its step)
      int last = n - L;
      int i = 0;
      for (; i + 4 <= even; i += 4) {
        packed4x1(a, b, bo, c, n, k, i, last);
      }
      for (; i < even; i++) {
        packed1x1(a, b, bo, c, n, k, i, last);
      }
      j = n;
    }
    for (; j < n; j++) {
      for (int i = 0; i < m; i++) {
        int ao = i * k;
        float s = 0;
        for (int q = 0; q < k; q++) {
          s = Math.fma(a[ao + q], b[q][bo[q] + j], s);
        }
        c[i * n + j] = s;
      }
    }
  }

  /** Zeros, at least {@code k} of them: the offsets of rows of {@code B'} that start where their arrays do. */
  private static int[] zeroOffsets(int k) {
    int[] z = zeroOffsets;
    if (z.length < k) {
      // grown once per larger k; two threads growing it at once each get zeros
      z = new int[Math.max(k, 2 * z.length)];
      zeroOffsets = z;
    }
    return z;
  }

  private static int[] zeroOffsets = new int[1024];

  /**
   * {@code dst[at + t] += src[from + t]} for {@code t < n}, a vector at a time: a row of a
   * scattered product added into the output at its shift (docs/codegen.md, "Contractions").
   * Where {@code n} is at least a vector but not whole vectors, the last {@code n % L} numbers
   * are the last lanes of one more vector that overlaps the last whole one. Both are loaded
   * before either is stored (a load that overlaps part of a store just made waits for it to reach
   * the cache), the overlapping one first, so that the last whole one's store then writes the
   * lanes they share.
   */
  public static void addInto(float[] src, int from, float[] dst, int at, int n) {
    int whole = n / L * L;
    int end = n >= L && whole < n ? whole - L : whole;
    int t = 0;
    for (; t < end; t += L) {
      FloatVector.fromArray(S, dst, at + t).add(FloatVector.fromArray(S, src, from + t)).intoArray(dst, at + t);
    }
    if (end < whole) {
      int o = n - L;
      VectorMask<Float> fresh = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.GE, (float) (whole - o));
      FloatVector last = FloatVector.fromArray(S, dst, at + end).add(FloatVector.fromArray(S, src, from + end));
      FloatVector.fromArray(S, dst, at + o)
          .add(FloatVector.broadcast(S, -0f).blend(FloatVector.fromArray(S, src, from + o), fresh)).intoArray(dst, at + o);
      last.intoArray(dst, at + end);
      return;
    }
    for (; t < n; t++) {
      dst[at + t] += src[from + t];
    }
  }

  /**
   * {@code g[i] += a[e*n + i] * s} for {@code i < n} and every example {@code e < batch} in turn
   * ({@code g[i] = a[i] * s} for the first when {@code assign}): a bias's gradient, the sum of its
   * deltas over the batch, as the generated loop over the examples computes it (a product
   * rounded, then a sum, example after example), but with the sums held in registers across the
   * examples where the loop loads and stores {@code g} for each (the GRU's four bias gradients in
   * each of its 16 reverse steps). The same numbers to the bit; {@code batch >= 1}.
   */
  public static void sumRows(float[] a, float[] g, int n, int batch, float s, boolean assign) {
    int i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
      // the first example's terms, or what g holds
      float[] first = assign ? a : g;
      FloatVector s0 = FloatVector.fromArray(S, first, i);
      FloatVector s1 = FloatVector.fromArray(S, first, i + L);
      FloatVector s2 = FloatVector.fromArray(S, first, i + 2 * L);
      FloatVector s3 = FloatVector.fromArray(S, first, i + 3 * L);
      int e = 0;
      if (assign) {
        s0 = s0.mul(s);
        s1 = s1.mul(s);
        s2 = s2.mul(s);
        s3 = s3.mul(s);
        e = 1;
      }
      for (; e < batch; e++) {
        int o = e * n + i;
        s0 = s0.add(FloatVector.fromArray(S, a, o).mul(s));
        s1 = s1.add(FloatVector.fromArray(S, a, o + L).mul(s));
        s2 = s2.add(FloatVector.fromArray(S, a, o + 2 * L).mul(s));
        s3 = s3.add(FloatVector.fromArray(S, a, o + 3 * L).mul(s));
      }
      s0.intoArray(g, i);
      s1.intoArray(g, i + L);
      s2.intoArray(g, i + 2 * L);
      s3.intoArray(g, i + 3 * L);
    }
    for (; i + L <= n; i += L) {
      FloatVector v = assign ? FloatVector.fromArray(S, a, i).mul(s) : FloatVector.fromArray(S, g, i);
      for (int e = assign ? 1 : 0; e < batch; e++) {
        v = v.add(FloatVector.fromArray(S, a, e * n + i).mul(s));
      }
      v.intoArray(g, i);
    }
    for (; i < n; i++) {
      float v = assign ? a[i] * s : g[i];
      for (int e = assign ? 1 : 0; e < batch; e++) {
        v += a[e * n + i] * s;
      }
      g[i] = v;
    }
  }

  /**
   * Max pooling over 2 x 2 windows of stride 2 with each window's winner, for a batch of
   * {@code channels} planes of {@code h x w} ({@code h}, {@code w} even) per example:
   * {@code y[c, i, j]} the max of {@code x[c, 2i + p, 2j + q]} over {@code p, q < 2}, taken in the
   * order (0, 0), (0, 1), (1, 0), (1, 1) as {@link Math#max} does (a NaN wins, +0 beats -0), and
   * {@code wp[c, i, j]}, {@code wq[c, i, j]} the p and q of the first point that took the max
   * (greater than the max so far, or a NaN where it was a number), as the generated loops with
   * winners compute them. {@link #L} windows at a time, with no branch on the data: each row of
   * windows from its two input rows, two vectors of each split into their even and odd columns by
   * rearrangements. A row of fewer than {@link #L} windows (LeNet's 12 and 4 where a vector holds
   * 16 floats) is one vector whose last lanes are the next rows' windows, which those rows write
   * again; the batch's last rows, where that vector would pass its end, go a window at a time.
   * No gathers: their index vectors go through Vector API code that both precisions share, which
   * a JVM running the other precision's pooling first left in its allocating Java fallback
   * (docs/performance.md, "A float CNN after a double one"). {@code wp} and {@code wq} null: the
   * max alone (a pooling where no gradient is computed).
   */
  public static void maxPool2x2(float[] x, float[] y, float[] wp, float[] wq, int channels, int h, int w, int batch) {
    int ow = w / 2;
    int rows = batch * channels * (h / 2);
    int end = rows * ow;
    int xEnd = rows * 2 * w;
    for (int k = 0; k < rows; k++) {
      // output row k (of the whole batch) from input rows 2k and 2k + 1
      int top = 2 * k * w;
      int o = k * ow;
      if (ow >= L) {
        // whole vectors, the last one overlapping the one before where ow is not a multiple (it
        // writes the same numbers again)
        for (int j = 0; j < ow; j += L) {
          int at = Math.min(j, ow - L);
          pool2x2(x, y, wp, wq, top + 2 * at, w, o + at);
        }
      } else if (o + L <= end && top + w + 2 * L <= xEnd) {
        pool2x2(x, y, wp, wq, top, w, o);
      } else {
        // as the generated loops (the same comparisons, which C2 compiles to conditional moves)
        for (int j = 0; j < ow; j++) {
          double best = Double.NEGATIVE_INFINITY;
          boolean hit = false;
          int bp = -1;
          int bq = -1;
          for (int pp = 0; pp < 2; pp++) {
            for (int qq = 0; qq < 2; qq++) {
              double v = x[top + pp * w + 2 * j + qq];
              boolean hot = !hit | v > best | v != v & best == best;
              bp = hot ? pp : bp;
              bq = hot ? qq : bq;
              best = Math.max(best, v);
              hit = true;
            }
          }
          y[o + j] = (float) best;
          if (wp != null) {
            wp[o + j] = bp;
            wq[o + j] = bq;
          }
        }
      }
    }
  }

  /**
   * The gradient of {@link #maxPool2x2} with its winners, for a batch of {@code channels} planes
   * of {@code h x w} per example: {@code out[c, 2i + p, 2j + q]} is {@code g[c, i, j]} where
   * {@code (p, q)} is the window's winner ({@code wp}, {@code wq}), else 0; where {@code t} is
   * not null, times {@code step(t[c, 2i + p, 2j + q])} (the gradient through a relu before the
   * pooling, fused: {@code ScatterFusion}). Every number of {@code out} is written, as the
   * generated scatter computes it ({@code 0 + g * s}, a zero positive). Rows at least a vector
   * wide go a vector of output columns at a time, each window's numbers read once for its two
   * columns (a lane-doubling rearrangement) and compared with its winner; narrower rows (LeNet's
   * second pooling: rows of 8 where a vector holds 16 floats) as the generated loops do, a
   * window at a time.
   */
  public static void unpool2x2(float[] g, float[] wp, float[] wq, float[] t, float[] out, int channels, int h, int w,
      int batch) {
    int planes = batch * channels;
    if (w >= L) {
      unpoolRows(g, wp, wq, t, out, planes, h, w);
    } else if (2 * w == L) {
      unpoolRowPairs(g, wp, wq, t, out, planes, h, w);
    } else {
      unpoolWindows(g, wp, wq, t, out, planes, h, w, 0, planes * h / 2 * w / 2);
    }
  }

  /**
   * {@link #unpool2x2} for rows half a vector wide (LeNet's second pooling: rows of 8, 4 windows,
   * where a vector holds 16 floats): each row of windows is one vector, its two output rows side
   * by side, lane {@code l} the window {@code (l mod w) / 2}'s number where that window's winner is
   * the lane's point ({@code p = l / w}, {@code q = l mod 2}). A loop over the windows took
   * 80-100 µs a step for LeNet; the windows past the last whole vector of {@code g} go a window at
   * a time.
   */
  private static void unpoolRowPairs(float[] g, float[] wp, float[] wq, float[] t, float[] out, int planes, int h,
      int w) {
    VectorSpecies<Float> s = S;
    VectorShuffle<Float> quad = QUAD;
    int windows = planes * (h / 2) * (w / 2);
    int ow = w / 2;
    int k = 0;
    for (; k < windows && k + L <= g.length && k + L <= wp.length && k + L <= wq.length; k += ow) {
      // row of windows k / ow: its output rows 2i and 2i + 1 lie one after the other (x = 2 k w / ow... = 4k)
      int x = 4 * k;
      // made here, not before the loop: a vector live across it is boxed
      FloatVector zero = FloatVector.zero(s);
      VectorMask<Float> won = FloatVector.fromArray(s, wp, k).rearrange(quad)
          .compare(VectorOperators.EQ, FloatVector.fromArray(s, ROW_OF_LANE, 0))
          .and(FloatVector.fromArray(s, wq, k).rearrange(quad).compare(VectorOperators.EQ,
              FloatVector.fromArray(s, ODD_LANES, 0)));
      FloatVector u = FloatVector.fromArray(s, g, k).rearrange(quad);
      if (t != null) {
        u = u.mul(zero.blend(1f, FloatVector.fromArray(s, t, x).compare(VectorOperators.GT, 0f)));
      }
      zero.blend(u, won).add(zero).intoArray(out, x);
    }
    unpoolWindows(g, wp, wq, t, out, planes, h, w, k, windows);
  }

  /** Lane {@code l} takes lane {@code (l mod L/2) / 2}: a row of windows's numbers for its two output rows. */
  private static final VectorShuffle<Float> QUAD = VectorShuffle.fromOp(S, l -> l % (L / 2) / 2);

  /** Each lane's output row in a pair of rows half a vector wide: 0, then 1. */
  private static final float[] ROW_OF_LANE = rowOfLane();

  private static float[] rowOfLane() {
    float[] l = new float[L];
    for (int i = 0; i < L; i++) {
      l[i] = i / (L / 2);
    }
    return l;
  }

  /**
   * {@link #unpool2x2} a vector of output columns at a time ({@code w >= L}), the last one of a
   * row overlapping the one before where the row is not a multiple of it.
   */
  private static void unpoolRows(float[] g, float[] wp, float[] wq, float[] t, float[] out, int planes, int h, int w) {
    VectorSpecies<Float> s = S;
    VectorShuffle<Float> doubled = DOUBLED;
    int n = L;
    int oh = h / 2;
    int ow = w / 2;
    for (int pl = 0; pl < planes; pl++) {
      int go = pl * oh * ow;
      int xo = pl * h * w;
      for (int i = 0; i < oh; i++) {
        int gr = go + i * ow;
        int x0 = xo + 2 * i * w;
        for (int c = 0; c < w; c += n) {
          int at = Math.min(c, w - n);
          int gi = gr + at / 2;
          if (gi + n > g.length || gi + n > wp.length || gi + n > wq.length) {
            // the end of the batch's last row, where a vector of its windows would read past g
            unpoolWindows(g, wp, wq, t, out, planes, h, w, gi, gr + ow);
            break;
          }
          // made here, not before the loops: a vector live across them is boxed (80 bytes a call)
          FloatVector zero = FloatVector.zero(s);
          FloatVector odd = FloatVector.fromArray(s, ODD_LANES, 0);
          FloatVector v = FloatVector.fromArray(s, g, gi).rearrange(doubled);
          FloatVector vp = FloatVector.fromArray(s, wp, gi).rearrange(doubled);
          VectorMask<Float> col = FloatVector.fromArray(s, wq, gi).rearrange(doubled).compare(VectorOperators.EQ, odd);
          for (int p = 0; p < 2; p++) {
            int o = x0 + p * w + at;
            VectorMask<Float> won = vp.compare(VectorOperators.EQ, (float) p).and(col);
            FloatVector u = v;
            if (t != null) {
              u = v.mul(zero.blend(1f, FloatVector.fromArray(s, t, o).compare(VectorOperators.GT, 0f)));
            }
            zero.blend(u, won).add(zero).intoArray(out, o);
          }
        }
      }
    }
  }

  /**
   * {@link #unpool2x2} for windows {@code from <= k < to} (numbered over the batch's planes) as
   * the generated loops compute it: their four numbers zeroed, then the winner's written at its
   * place, without a branch on the winners (which random data would mispredict).
   */
  private static void unpoolWindows(float[] g, float[] wp, float[] wq, float[] t, float[] out, int planes, int h, int w,
      int from, int to) {
    int ow = w / 2;
    int perPlane = h / 2 * ow;
    for (int k = from; k < to; k++) {
      int pl = k / perPlane;
      int i = k % perPlane / ow;
      int j = k % ow;
      int x = pl * h * w + 2 * i * w + 2 * j;
      out[x] = 0f;
      out[x + 1] = 0f;
      out[x + w] = 0f;
      out[x + w + 1] = 0f;
      int o = x + (int) wp[k] * w + (int) wq[k];
      out[o] = 0f + (t == null ? g[k] : (float) (g[k] * Ops.step(t[o])));
    }
  }

  /** Lane {@code l} takes lane {@code l / 2}: each window's number for its two output columns. */
  private static final VectorShuffle<Float> DOUBLED = VectorShuffle.fromOp(S, l -> l / 2);

  /** 0, 1, 0, 1, ...: the column of each lane within its window. */
  private static final float[] ODD_LANES = oddLanes();

  private static float[] oddLanes() {
    float[] l = new float[L];
    for (int i = 0; i < L; i++) {
      l[i] = i % 2;
    }
    return l;
  }

  /** Lane {@code l} takes lane {@code 2l mod L}: with the next vector, the even columns of two. */
  private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, l -> 2 * l % L);
  /** Lane {@code l} takes lane {@code (2l + 1) mod L}: the odd columns. */
  private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, l -> (2 * l + 1) % L);

  /**
   * {@link #L} windows of {@link #maxPool2x2}, written from {@code y[o]} on: their top-left
   * points at {@code x[top]}, {@code x[top + 2]}, ..., their other points one to the right and
   * {@code w} (and one) below. Each row is two vectors, split into the even columns and the odd
   * (the first vector's in the low lanes, the second's in the high).
   */
  private static void pool2x2(float[] x, float[] y, float[] wp, float[] wq, int top, int w, int o) {
    VectorSpecies<Float> s = S;
    FloatVector zero = FloatVector.zero(s);
    FloatVector one = FloatVector.broadcast(s, 1f);
    VectorShuffle<Float> even = EVEN;
    VectorShuffle<Float> odd = ODD;
    VectorMask<Float> high = FloatVector.fromArray(s, LANES, 0).compare(VectorOperators.GE, (float) (L / 2));
    FloatVector a = FloatVector.fromArray(s, x, top);
    FloatVector b = FloatVector.fromArray(s, x, top + L);
    FloatVector v00 = a.rearrange(even).blend(b.rearrange(even), high);
    FloatVector v01 = a.rearrange(odd).blend(b.rearrange(odd), high);
    a = FloatVector.fromArray(s, x, top + w);
    b = FloatVector.fromArray(s, x, top + w + L);
    FloatVector v10 = a.rearrange(even).blend(b.rearrange(even), high);
    FloatVector v11 = a.rearrange(odd).blend(b.rearrange(odd), high);
    FloatVector best = v00;
    // a point takes the max (and is the winner so far) where the max so far is a number and the
    // point is not <= it: greater, or a NaN
    VectorMask<Float> hot = best.eq(best).andNot(v01.compare(VectorOperators.LE, best));
    best = best.lanewise(VectorOperators.MAX, v01);
    FloatVector q = zero.blend(one, hot);
    hot = best.eq(best).andNot(v10.compare(VectorOperators.LE, best));
    best = best.lanewise(VectorOperators.MAX, v10);
    FloatVector p = zero.blend(one, hot);
    q = q.blend(zero, hot);
    hot = best.eq(best).andNot(v11.compare(VectorOperators.LE, best));
    best = best.lanewise(VectorOperators.MAX, v11);
    p = p.blend(one, hot);
    q = q.blend(one, hot);
    best.intoArray(y, o);
    if (wp != null) {
      p.intoArray(wp, o);
      q.intoArray(wq, o);
    }
  }

  /**
   * {@code out[i] = g[i] * step(t[i])} for the {@code size * batch} numbers of a batch, step being
   * 1 where {@code t > 0} and 0 elsewhere (NaN included), as {@code Ops.step}; the product is kept,
   * so a NaN or infinite {@code g} where {@code t <= 0} gives NaN, as the loop does: the gradient
   * through relu, a vector at a time, where C2 leaves the loop scalar.
   */
  public static void reluBackward(float[] g, float[] t, float[] out, int size, int batch) {
    int n = size * batch;
    int nv = S.loopBound(n);
    FloatVector one = FloatVector.broadcast(S, 1f);
    FloatVector zero = FloatVector.zero(S);
    int i = 0;
    for (; i < nv; i += L) {
      VectorMask<Float> positive = FloatVector.fromArray(S, t, i).compare(VectorOperators.GT, 0f);
      FloatVector.fromArray(S, g, i).mul(zero.blend(one, positive)).intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = g[i] * Ops.step(t[i]);
    }
  }

  /**
   * {@code out[r*size + j] = t[r*size + j] * g[j] + e[j]} (one rounding, a fused multiply-add),
   * or {@code t[r*size + j] * g[j]} when {@code e} is null, for every row {@code r < rows}: a
   * layer norm's scale and shift at every position of a batch, and the gradient through the
   * scale.
   */
  public static void scaleShift(float[] t, float[] g, float[] e, float[] out, int size, int rows) {
    int sv = S.loopBound(size);
    for (int r = 0; r < rows; r++) {
      int o = r * size;
      int j = 0;
      if (e == null) {
        for (; j < sv; j += L) {
          FloatVector.fromArray(S, t, o + j).mul(FloatVector.fromArray(S, g, j)).intoArray(out, o + j);
        }
        for (; j < size; j++) {
          out[o + j] = t[o + j] * g[j];
        }
      } else {
        for (; j < sv; j += L) {
          FloatVector.fromArray(S, t, o + j).fma(FloatVector.fromArray(S, g, j), FloatVector.fromArray(S, e, j))
              .intoArray(out, o + j);
        }
        for (; j < size; j++) {
          out[o + j] = Math.fma(t[o + j], g[j], e[j]);
        }
      }
    }
  }

  /**
   * {@code out[r] = sum over j of g[r*size + j] * (-(y[r*size + j] / s) * (1 / (2 s)))} with
   * {@code s = sqrt(v[r] + eps)}, for every row {@code r < rows}: the gradient of a layer norm with
   * respect to its variance, through {@code y = c / sqrt(v + eps)} (what autodiff writes for it).
   * Computed as {@code -(sum(g * y) / s) / (2 s)}: the dot product a vector at a time (fused
   * multiply-adds, in the build's precision), the two divisions once per row in double, where the
   * loops divide every element in double. {@code size >= 1}.
   */
  public static void normVarianceGradient(float[] g, float[] y, float[] v, double eps, float[] out, int size,
      int rows) {
    int sv = S.loopBound(size);
    for (int r = 0; r < rows; r++) {
      int o = r * size;
      FloatVector acc = FloatVector.zero(S);
      int j = 0;
      for (; j < sv; j += L) {
        acc = FloatVector.fromArray(S, g, o + j).fma(FloatVector.fromArray(S, y, o + j), acc);
      }
      double dot = acc.reduceLanes(VectorOperators.ADD);
      for (; j < size; j++) {
        dot += (double) g[o + j] * y[o + j];
      }
      double sd = Math.sqrt((double) v[r] + eps);
      out[r] = (float) (-(dot / sd) * (1.0 / (2.0 * sd)));
    }
  }

  /**
   * {@code y[at + t] += a[ao + t] * b[bo + t]} for {@code t < n}, a vector at a time (fused
   * multiply-adds): a row of a sum over positions of a product, as a layer norm's scale gradient
   * is ({@code sum(t) da[t, d] * n[t, d]}).
   */
  public static void fmaInto(float[] a, int ao, float[] b, int bo, float[] y, int at, int n) {
    int t = 0;
    for (; t + L <= n; t += L) {
      FloatVector.fromArray(S, a, ao + t).fma(FloatVector.fromArray(S, b, bo + t), FloatVector.fromArray(S, y, at + t))
          .intoArray(y, at + t);
    }
    for (; t < n; t++) {
      y[at + t] = Math.fma(a[ao + t], b[bo + t], y[at + t]);
    }
  }

  /**
   * {@code dst[to + i*k + q] = src[from + q*stride + i]} for {@code i < m}, {@code q < k}: a block
   * of a matrix transposed, packed as the rows of a product's {@code A'} (attention's
   * {@code p[h, t, u]} as rows of {@code u}). Each row of the source is read in order and its
   * numbers stored {@code k} apart; the generated loop that it replaces, a read {@code stride}
   * apart per number, took 1.7 times as long.
   */
  public static void transpose(float[] src, int from, int stride, float[] dst, int to, int m, int k) {
    for (int q = 0; q < k; q++) {
      int s = from + q * stride;
      int d = to + q;
      for (int i = 0; i < m; i++) {
        dst[d + i * k] = src[s + i];
      }
    }
  }

  /**
   * {@code count} runs of {@code n} numbers, run {@code r} from {@code src[from + r * stride]}
   * to {@code dst[to + r * n]}, whole vectors at a time: the runs of a packed operand (rows of a
   * convolution's window, five numbers each, which a System.arraycopy call apiece costs several
   * times more than copying). The last vector of a run may write up to {@code L - 1} elements
   * of {@code dst} after it (with what follows the run in {@code src}), where both arrays have
   * room for all the runs' whole vectors, checked once (else each run is copied exactly): the
   * caller packs in ascending order, so what follows a run in {@code dst} is written next or is
   * padding. {@code stride >= 0}.
   */
  public static void copyRuns(float[] src, int from, int stride, float[] dst, int to, int n, int count) {
    int whole = (n + L - 1) / L * L;
    if (from + (count - 1) * stride + whole <= src.length && to + (count - 1) * n + whole <= dst.length) {
      if (n <= L) {
        // one vector a run, without a loop over it (C2 left that loop in place: a window
        // gradient's runs of 8 took 61 µs a step this way against 31)
        for (int r = 0; r < count; r++) {
          FloatVector.fromArray(S, src, from + r * stride).intoArray(dst, to + r * n);
        }
        return;
      }
      for (int r = 0; r < count; r++) {
        int s = from + r * stride;
        int d = to + r * n;
        for (int t = 0; t < n; t += L) {
          FloatVector.fromArray(S, src, s + t).intoArray(dst, d + t);
        }
      }
    } else {
      for (int r = 0; r < count; r++) {
        System.arraycopy(src, from + r * stride, dst, to + r * n, n);
      }
    }
  }

  /**
   * One run of {@link #copyRuns}: {@code n} numbers from {@code src[from]} to {@code dst[to]},
   * whole vectors (one where {@code n <= L}) where both arrays have room for them, else exactly.
   * A packing whose window has few rows calls it once per row, one statement each: a loop over
   * the runs inlined into a large kernel is one C2 sometimes leaves rolled, with range checks
   * and a safepoint poll per run, which doubled the packing of LeNet's first convolution.
   */
  public static void copyRun(float[] src, int from, float[] dst, int to, int n) {
    if (n <= L && from + L <= src.length && to + L <= dst.length) {
      FloatVector.fromArray(S, src, from).intoArray(dst, to);
    } else {
      copyRuns(src, from, 0, dst, to, n, 1);
    }
  }

  /**
   * {@code count} runs of {@code n} numbers, run {@code r} from {@code src[from + r * stride]}
   * to {@code dst[to + r * width]}, each followed by {@code width - n} zeros: rows of a packed
   * operand laid out as wide as the rows of the output a product's rows are added into (a
   * convolution's input gradient packs the 8 x 8 planes of the output's gradient in rows 12
   * wide, so that each row of the product lands in its 12 x 12 plane as one run of adds). One
   * vector per run where {@code width <= L} and both arrays have room for it: lanes past
   * {@code n} zeroed, lanes past {@code width} written again by the next run (the caller packs in
   * ascending order) or padding after the last. Whole vectors per run where the zeros fit in the
   * run's last vector ({@code width} at most {@code n} rounded up to whole vectors; a direct
   * weight gradient's rows of 24 in rows of 28), the same way. Else exactly. {@code n <= width},
   * {@code stride >= 0}.
   */
  public static void copyRunsPadded(float[] src, int from, int stride, float[] dst, int to, int n, int width,
      int count) {
    if (width <= L && from + (count - 1) * stride + L <= src.length && to + (count - 1) * width + L <= dst.length) {
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) n);
      FloatVector zero = FloatVector.zero(S);
      for (int r = 0; r < count; r++) {
        zero.blend(FloatVector.fromArray(S, src, from + r * stride), keep).intoArray(dst, to + r * width);
      }
    } else if (n % L != 0 && width <= n + L - n % L && from + (count - 1) * stride + n + L <= src.length
        && to + (count - 1) * width + n + L <= dst.length) {
      // runs wider than a vector whose zeros fit in their last vector's lanes (a convolution's
      // output gradient, rows of 24 in rows of 28): whole vectors, the last one's lanes past the
      // run zeroed; what it writes past the row is the next row's, written after it
      int whole = n - n % L;
      VectorMask<Float> keep = FloatVector.fromArray(S, LANES, 0).compare(VectorOperators.LT, (float) (n % L));
      FloatVector zero = FloatVector.zero(S);
      for (int r = 0; r < count; r++) {
        int s = from + r * stride;
        int d = to + r * width;
        for (int t = 0; t < whole; t += L) {
          FloatVector.fromArray(S, src, s + t).intoArray(dst, d + t);
        }
        zero.blend(FloatVector.fromArray(S, src, s + whole), keep).intoArray(dst, d + whole);
      }
    } else {
      for (int r = 0; r < count; r++) {
        int d = to + r * width;
        System.arraycopy(src, from + r * stride, dst, d, n);
        java.util.Arrays.fill(dst, d + n, d + width, 0);
      }
    }
  }

  /**
   * The most bytes of a panel of {@code B'} 4 vectors wide ({@code k} rows of them) for which
   * {@link #packedProduct} runs {@link #packed6x4}'s tiles over it. Measured on a Zen 5 core
   * (48 KB of L1) over 512 rows: a transformer's MLP 64 -> 256 (16 KB panels) 104 -> 87-94 us
   * and its 256 -> 64 (64 KB panels, read from the L2 by each tile) 133 -> 96-102 us against the
   * tiles 2 vectors wide; larger panels were not measured and keep those.
   */
  static final int WIDE_PANEL_BYTES = 64 * 1024;

  /**
   * Every row of {@link #packedProduct} times columns {@code j..j+4L-1}: tiles of 6 rows by 4
   * vectors (24 of AVX-512's 32 registers accumulating, each broadcast of {@code A'} feeding 4
   * multiply-adds where {@link #packed6x2}'s feeds 2), the rows they leave 2 or 1 at a time.
   */
  private static void packedWide(float[] a, float[][] b, int[] bo, float[] c, int m, int n, int k, int j) {
    int i = 0;
    for (; i + 6 <= m; i += 6) {
      packed6x4(a, b, bo, c, n, k, i, j);
    }
    for (; i + 4 <= m; i += 4) {
      packed4x4(a, b, bo, c, n, k, i, j);
    }
    for (; i + 2 <= m; i += 2) {
      packed2x2(a, b, bo, c, n, k, i, j);
      packed2x2(a, b, bo, c, n, k, i, j + 2 * L);
    }
    if (i < m) {
      packed1x4(a, b, bo, c, n, k, i, j);
    }
  }

  /** Rows i..i+5 times columns j..j+4L-1 of {@link #packedProduct}: 24 accumulators. */
  private static void packed6x4(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c02 = c00;
    FloatVector c03 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c12 = c00;
    FloatVector c13 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c22 = c00;
    FloatVector c23 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c32 = c00;
    FloatVector c33 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c42 = c00;
    FloatVector c43 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c52 = c00;
    FloatVector c53 = c00;
    int a0 = i * k;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    int a4 = a3 + k;
    int a5 = a4 + k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector u0 = FloatVector.fromArray(S, row, jq);
      FloatVector u1 = FloatVector.fromArray(S, row, jq + L);
      FloatVector u2 = FloatVector.fromArray(S, row, jq + 2 * L);
      FloatVector u3 = FloatVector.fromArray(S, row, jq + 3 * L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c00 = u0.fma(s, c00);
      c01 = u1.fma(s, c01);
      c02 = u2.fma(s, c02);
      c03 = u3.fma(s, c03);
      s = FloatVector.broadcast(S, a[a1 + q]);
      c10 = u0.fma(s, c10);
      c11 = u1.fma(s, c11);
      c12 = u2.fma(s, c12);
      c13 = u3.fma(s, c13);
      s = FloatVector.broadcast(S, a[a2 + q]);
      c20 = u0.fma(s, c20);
      c21 = u1.fma(s, c21);
      c22 = u2.fma(s, c22);
      c23 = u3.fma(s, c23);
      s = FloatVector.broadcast(S, a[a3 + q]);
      c30 = u0.fma(s, c30);
      c31 = u1.fma(s, c31);
      c32 = u2.fma(s, c32);
      c33 = u3.fma(s, c33);
      s = FloatVector.broadcast(S, a[a4 + q]);
      c40 = u0.fma(s, c40);
      c41 = u1.fma(s, c41);
      c42 = u2.fma(s, c42);
      c43 = u3.fma(s, c43);
      s = FloatVector.broadcast(S, a[a5 + q]);
      c50 = u0.fma(s, c50);
      c51 = u1.fma(s, c51);
      c52 = u2.fma(s, c52);
      c53 = u3.fma(s, c53);
    }
    int o = i * n + j;
    c00.intoArray(c, o);
    c01.intoArray(c, o + L);
    c02.intoArray(c, o + 2 * L);
    c03.intoArray(c, o + 3 * L);
    o += n;
    c10.intoArray(c, o);
    c11.intoArray(c, o + L);
    c12.intoArray(c, o + 2 * L);
    c13.intoArray(c, o + 3 * L);
    o += n;
    c20.intoArray(c, o);
    c21.intoArray(c, o + L);
    c22.intoArray(c, o + 2 * L);
    c23.intoArray(c, o + 3 * L);
    o += n;
    c30.intoArray(c, o);
    c31.intoArray(c, o + L);
    c32.intoArray(c, o + 2 * L);
    c33.intoArray(c, o + 3 * L);
    o += n;
    c40.intoArray(c, o);
    c41.intoArray(c, o + L);
    c42.intoArray(c, o + 2 * L);
    c43.intoArray(c, o + 3 * L);
    o += n;
    c50.intoArray(c, o);
    c51.intoArray(c, o + L);
    c52.intoArray(c, o + 2 * L);
    c53.intoArray(c, o + 3 * L);
  }

  /** Rows i..i+3 times columns j..j+4L-1 of {@link #packedProduct}: 16 accumulators. */
  private static void packed4x4(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c02 = c00;
    FloatVector c03 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c12 = c00;
    FloatVector c13 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c22 = c00;
    FloatVector c23 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c32 = c00;
    FloatVector c33 = c00;
    int a0 = i * k;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector u0 = FloatVector.fromArray(S, row, jq);
      FloatVector u1 = FloatVector.fromArray(S, row, jq + L);
      FloatVector u2 = FloatVector.fromArray(S, row, jq + 2 * L);
      FloatVector u3 = FloatVector.fromArray(S, row, jq + 3 * L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c00 = u0.fma(s, c00);
      c01 = u1.fma(s, c01);
      c02 = u2.fma(s, c02);
      c03 = u3.fma(s, c03);
      s = FloatVector.broadcast(S, a[a1 + q]);
      c10 = u0.fma(s, c10);
      c11 = u1.fma(s, c11);
      c12 = u2.fma(s, c12);
      c13 = u3.fma(s, c13);
      s = FloatVector.broadcast(S, a[a2 + q]);
      c20 = u0.fma(s, c20);
      c21 = u1.fma(s, c21);
      c22 = u2.fma(s, c22);
      c23 = u3.fma(s, c23);
      s = FloatVector.broadcast(S, a[a3 + q]);
      c30 = u0.fma(s, c30);
      c31 = u1.fma(s, c31);
      c32 = u2.fma(s, c32);
      c33 = u3.fma(s, c33);
    }
    int o = i * n + j;
    c00.intoArray(c, o);
    c01.intoArray(c, o + L);
    c02.intoArray(c, o + 2 * L);
    c03.intoArray(c, o + 3 * L);
    o += n;
    c10.intoArray(c, o);
    c11.intoArray(c, o + L);
    c12.intoArray(c, o + 2 * L);
    c13.intoArray(c, o + 3 * L);
    o += n;
    c20.intoArray(c, o);
    c21.intoArray(c, o + L);
    c22.intoArray(c, o + 2 * L);
    c23.intoArray(c, o + 3 * L);
    o += n;
    c30.intoArray(c, o);
    c31.intoArray(c, o + L);
    c32.intoArray(c, o + 2 * L);
    c33.intoArray(c, o + 3 * L);
  }

  /** Rows i..i+5 times columns j..j+2L-1 of {@link #packedProduct}: 12 accumulators. */
  private static void packed6x2(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    int a0 = i * k;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    int a4 = a3 + k;
    int a5 = a4 + k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector u0 = FloatVector.fromArray(S, row, jq);
      FloatVector u1 = FloatVector.fromArray(S, row, jq + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c00 = u0.fma(s, c00);
      c01 = u1.fma(s, c01);
      s = FloatVector.broadcast(S, a[a1 + q]);
      c10 = u0.fma(s, c10);
      c11 = u1.fma(s, c11);
      s = FloatVector.broadcast(S, a[a2 + q]);
      c20 = u0.fma(s, c20);
      c21 = u1.fma(s, c21);
      s = FloatVector.broadcast(S, a[a3 + q]);
      c30 = u0.fma(s, c30);
      c31 = u1.fma(s, c31);
      s = FloatVector.broadcast(S, a[a4 + q]);
      c40 = u0.fma(s, c40);
      c41 = u1.fma(s, c41);
      s = FloatVector.broadcast(S, a[a5 + q]);
      c50 = u0.fma(s, c50);
      c51 = u1.fma(s, c51);
    }
    int o = i * n + j;
    c00.intoArray(c, o);
    c01.intoArray(c, o + L);
    o += n;
    c10.intoArray(c, o);
    c11.intoArray(c, o + L);
    o += n;
    c20.intoArray(c, o);
    c21.intoArray(c, o + L);
    o += n;
    c30.intoArray(c, o);
    c31.intoArray(c, o + L);
    o += n;
    c40.intoArray(c, o);
    c41.intoArray(c, o + L);
    o += n;
    c50.intoArray(c, o);
    c51.intoArray(c, o + L);
  }

  /**
   * Rows i..i+3 times columns j..j+L-1 of {@link #packedProduct}: 4 accumulators (the last
   * vector of columns when the padded width is an odd number of vectors, as with 16 floats a
   * vector on AVX-512).
   */
  private static void packed4x1(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    int a0 = i * k;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    for (int q = 0; q < k; q++) {
      FloatVector u = FloatVector.fromArray(S, b[q], bo[q] + j);
      c0 = u.fma(FloatVector.broadcast(S, a[a0 + q]), c0);
      c1 = u.fma(FloatVector.broadcast(S, a[a1 + q]), c1);
      c2 = u.fma(FloatVector.broadcast(S, a[a2 + q]), c2);
      c3 = u.fma(FloatVector.broadcast(S, a[a3 + q]), c3);
    }
    int o = i * n + j;
    c0.intoArray(c, o);
    c1.intoArray(c, o + n);
    c2.intoArray(c, o + 2 * n);
    c3.intoArray(c, o + 3 * n);
  }

  /** Row i times columns j..j+4L-1 of {@link #packedProduct}: 4 accumulators. */
  private static void packed1x4(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    int a0 = i * k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c0 = FloatVector.fromArray(S, row, jq).fma(s, c0);
      c1 = FloatVector.fromArray(S, row, jq + L).fma(s, c1);
      c2 = FloatVector.fromArray(S, row, jq + 2 * L).fma(s, c2);
      c3 = FloatVector.fromArray(S, row, jq + 3 * L).fma(s, c3);
    }
    int o = i * n + j;
    c0.intoArray(c, o);
    c1.intoArray(c, o + L);
    c2.intoArray(c, o + 2 * L);
    c3.intoArray(c, o + 3 * L);
  }

  /** Rows i..i+3 times columns j..j+2L-1 of {@link #packedProduct}: 8 accumulators. */
  private static void packed4x2(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    int a0 = i * k;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector u0 = FloatVector.fromArray(S, row, jq);
      FloatVector u1 = FloatVector.fromArray(S, row, jq + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c00 = u0.fma(s, c00);
      c01 = u1.fma(s, c01);
      s = FloatVector.broadcast(S, a[a1 + q]);
      c10 = u0.fma(s, c10);
      c11 = u1.fma(s, c11);
      s = FloatVector.broadcast(S, a[a2 + q]);
      c20 = u0.fma(s, c20);
      c21 = u1.fma(s, c21);
      s = FloatVector.broadcast(S, a[a3 + q]);
      c30 = u0.fma(s, c30);
      c31 = u1.fma(s, c31);
    }
    int o = i * n + j;
    c00.intoArray(c, o);
    c01.intoArray(c, o + L);
    o += n;
    c10.intoArray(c, o);
    c11.intoArray(c, o + L);
    o += n;
    c20.intoArray(c, o);
    c21.intoArray(c, o + L);
    o += n;
    c30.intoArray(c, o);
    c31.intoArray(c, o + L);
  }

  /** Rows i, i+1 times columns j..j+2L-1 of {@link #packedProduct}. */
  private static void packed2x2(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    int a0 = i * k;
    int a1 = a0 + k;
    for (int q = 0; q < k; q++) {
      float[] row = b[q];
      int jq = bo[q] + j;
      FloatVector u0 = FloatVector.fromArray(S, row, jq);
      FloatVector u1 = FloatVector.fromArray(S, row, jq + L);
      FloatVector s = FloatVector.broadcast(S, a[a0 + q]);
      c00 = u0.fma(s, c00);
      c01 = u1.fma(s, c01);
      s = FloatVector.broadcast(S, a[a1 + q]);
      c10 = u0.fma(s, c10);
      c11 = u1.fma(s, c11);
    }
    int o = i * n + j;
    c00.intoArray(c, o);
    c01.intoArray(c, o + L);
    o += n;
    c10.intoArray(c, o);
    c11.intoArray(c, o + L);
  }

  /** Row i times columns j..j+L-1 of {@link #packedProduct}. */
  private static void packed1x1(float[] a, float[][] b, int[] bo, float[] c, int n, int k, int i, int j) {
    FloatVector acc = FloatVector.zero(S);
    int a0 = i * k;
    for (int q = 0; q < k; q++) {
      acc = FloatVector.fromArray(S, b[q], bo[q] + j).fma(FloatVector.broadcast(S, a[a0 + q]), acc);
    }
    acc.intoArray(c, i * n + j);
  }



  private static float[] lanes() {
    float[] l = new float[L];
    for (int i = 0; i < L; i++) {
      l[i] = i;
    }
    return l;
  }
}
