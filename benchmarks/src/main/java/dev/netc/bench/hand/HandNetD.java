package dev.netc.bench.hand;

/**
 * A stack of dense layers written by hand the careful way, in double: params as flat row-major
 * arrays {@code W[out, in]} and {@code b[out]} (the layout netc uses), every buffer preallocated
 * for the largest batch, dot products with four independent accumulators, and the backward pass
 * as row-wise axpys over two separate arrays ({@code gW[r, :] += d[r] * a[:]} and
 * {@code da[:] += d[r] * W[r, :]}) so that C2 vectorizes them. Loss and gradient are means over
 * the batch, with the same formulas as netc: {@code mse(a, y) = 1/2 sum (a - y)^2} and
 * {@code softmax_cross_entropy(z, y) = -sum y (z - logsumexp z)}, gradient {@code p sum(y) - y}.
 *
 * <p>Used for the MLP (784-128-10, tanh, softmax CE) and the chains (tanh layers, mse).
 */
public final class HandNetD {
  public static final int IDENTITY = 0;
  public static final int TANH = 1;
  public static final int SIGMOID = 2;

  public static final int MSE = 0;
  public static final int SOFTMAX_CE = 1;

  private final int layers;
  private final int[] dims; // dims[0] = input width, dims[l + 1] = width of layer l
  private final int[] act;
  private final int lossKind;
  private final int maxBatch;

  /** W[l] is [dims[l + 1], dims[l]] row-major; b[l] is [dims[l + 1]]. */
  public final double[][] W;
  public final double[][] b;
  public final double[][] gW;
  public final double[][] gb;

  // a[0] is the input (not owned); a[l + 1] the activation of layer l, [maxBatch * dims[l + 1]]
  private final double[][] a;
  private final double[][] d; // d[l]: d loss / d pre-activation of layer l, scaled by 1 / batch
  private final double[] lossPerEx;

  private final HandAdam.D adam;

  public HandNetD(int[] dims, int[] act, int lossKind, int maxBatch) {
    this.layers = dims.length - 1;
    this.dims = dims.clone();
    this.act = act.clone();
    this.lossKind = lossKind;
    this.maxBatch = maxBatch;
    W = new double[layers][];
    b = new double[layers][];
    gW = new double[layers][];
    gb = new double[layers][];
    a = new double[layers + 1][];
    d = new double[layers][];
    for (int l = 0; l < layers; l++) {
      W[l] = new double[dims[l + 1] * dims[l]];
      b[l] = new double[dims[l + 1]];
      gW[l] = new double[W[l].length];
      gb[l] = new double[b[l].length];
      a[l + 1] = new double[maxBatch * dims[l + 1]];
      d[l] = new double[maxBatch * dims[l + 1]];
    }
    lossPerEx = new double[maxBatch];
    double[][] params = new double[2 * layers][];
    double[][] grads = new double[2 * layers][];
    for (int l = 0; l < layers; l++) {
      params[2 * l] = W[l];
      params[2 * l + 1] = b[l];
      grads[2 * l] = gW[l];
      grads[2 * l + 1] = gb[l];
    }
    adam = new HandAdam.D(params, grads, 1e-3);
  }

  /** 784-128-10, tanh hidden, softmax cross-entropy. */
  public static HandNetD mlp(int maxBatch) {
    return new HandNetD(new int[] {784, 128, 10}, new int[] {TANH, IDENTITY}, SOFTMAX_CE, maxBatch);
  }

  /** {@code depth} tanh layers of {@code width}, mse. */
  public static HandNetD chain(int depth, int width, int maxBatch) {
    int[] dims = new int[depth + 1];
    int[] act = new int[depth];
    java.util.Arrays.fill(dims, width);
    java.util.Arrays.fill(act, TANH);
    return new HandNetD(dims, act, MSE, maxBatch);
  }

  private void check(int batch) {
    if (batch < 1 || batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch + " not in [1, " + maxBatch + "]");
    }
  }

  private void forward(int batch, double[] x) {
    a[0] = x;
    for (int l = 0; l < layers; l++) {
      int n = dims[l];
      int m = dims[l + 1];
      double[] w = W[l];
      double[] bias = b[l];
      double[] in = a[l];
      double[] out = a[l + 1];
      int kind = act[l];
      int ex = 0;
      // four examples at a time: each row of W is loaded once for four dot products
      for (; ex + 3 < batch; ex += 4) {
        int io = ex * n;
        int oo = ex * m;
        for (int r = 0; r < m; r++) {
          int wo = r * n;
          double s0 = 0;
          double s1 = 0;
          double s2 = 0;
          double s3 = 0;
          for (int c = 0; c < n; c++) {
            double wc = w[wo + c];
            s0 += wc * in[io + c];
            s1 += wc * in[io + n + c];
            s2 += wc * in[io + 2 * n + c];
            s3 += wc * in[io + 3 * n + c];
          }
          out[oo + r] = activate(kind, bias[r] + s0);
          out[oo + m + r] = activate(kind, bias[r] + s1);
          out[oo + 2 * m + r] = activate(kind, bias[r] + s2);
          out[oo + 3 * m + r] = activate(kind, bias[r] + s3);
        }
      }
      for (; ex < batch; ex++) {
        int io = ex * n;
        int oo = ex * m;
        for (int r = 0; r < m; r++) {
          out[oo + r] = activate(kind, bias[r] + dot(w, r * n, in, io, n));
        }
      }
    }
  }

  private static double activate(int kind, double z) {
    return kind == TANH ? Math.tanh(z) : kind == SIGMOID ? 1 / (1 + Math.exp(-z)) : z;
  }

  /** Four independent accumulators: breaks the add latency chain of a scalar dot product. */
  static double dot(double[] w, int wo, double[] v, int vo, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int c = 0;
    for (; c + 3 < n; c += 4) {
      s0 += w[wo + c] * v[vo + c];
      s1 += w[wo + c + 1] * v[vo + c + 1];
      s2 += w[wo + c + 2] * v[vo + c + 2];
      s3 += w[wo + c + 3] * v[vo + c + 3];
    }
    for (; c < n; c++) {
      s0 += w[wo + c] * v[vo + c];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Loss per example into lossPerEx; if {@code grad}, d[last] = d mean loss / d pre-activation. */
  private double lossAndSeed(int batch, double[] y, boolean grad) {
    int last = layers - 1;
    int m = dims[layers];
    double[] out = a[layers];
    double[] dl = d[last];
    double inv = 1.0 / batch;
    double total = 0;
    for (int ex = 0; ex < batch; ex++) {
      int o = ex * m;
      double lossEx;
      if (lossKind == MSE) {
        double acc = 0;
        for (int i = 0; i < m; i++) {
          double diff = out[o + i] - y[o + i];
          acc += diff * diff;
          if (grad) {
            dl[o + i] = diff * inv;
          }
        }
        lossEx = 0.5 * acc;
      } else {
        double mx = out[o];
        for (int i = 1; i < m; i++) {
          mx = Math.max(mx, out[o + i]);
        }
        double tot = 0;
        for (int i = 0; i < m; i++) {
          double e = Math.exp(out[o + i] - mx);
          tot += e;
          if (grad) {
            dl[o + i] = e;
          }
        }
        double lse = mx + Math.log(tot);
        double acc = 0;
        double ysum = 0;
        for (int i = 0; i < m; i++) {
          acc -= y[o + i] * (out[o + i] - lse);
          ysum += y[o + i];
        }
        lossEx = acc;
        if (grad) {
          double k = ysum / tot;
          for (int i = 0; i < m; i++) {
            dl[o + i] = (dl[o + i] * k - y[o + i]) * inv;
          }
        }
      }
      lossPerEx[ex] = lossEx;
      total += lossEx;
    }
    if (grad) {
      applyActDerivative(last, batch);
    }
    return total / batch;
  }

  /** d[l] *= act'(a[l + 1]) (tanh: 1 - a^2; sigmoid: a (1 - a)). */
  private void applyActDerivative(int l, int batch) {
    int kind = act[l];
    if (kind == IDENTITY) {
      return;
    }
    double[] dl = d[l];
    double[] out = a[l + 1];
    int len = batch * dims[l + 1];
    if (kind == TANH) {
      for (int i = 0; i < len; i++) {
        dl[i] *= 1 - out[i] * out[i];
      }
    } else {
      for (int i = 0; i < len; i++) {
        dl[i] *= out[i] * (1 - out[i]);
      }
    }
  }

  public double loss(int batch, double[] x, double[] y) {
    check(batch);
    forward(batch, x);
    return lossAndSeed(batch, y, false);
  }

  /** Mean loss; gW and gb are overwritten with its gradient. */
  public double lossAndGradient(int batch, double[] x, double[] y) {
    check(batch);
    forward(batch, x);
    double loss = lossAndSeed(batch, y, true);
    for (int l = layers - 1; l >= 0; l--) {
      int n = dims[l];
      int m = dims[l + 1];
      double[] w = W[l];
      double[] gw = gW[l];
      double[] gbias = gb[l];
      double[] in = a[l];
      double[] dl = d[l];
      java.util.Arrays.fill(gw, 0.0);
      java.util.Arrays.fill(gbias, 0.0);
      double[] dprev = l > 0 ? d[l - 1] : null;
      if (dprev != null) {
        java.util.Arrays.fill(dprev, 0, batch * n, 0.0);
      }
      for (int ex = 0; ex < batch; ex++) {
        int io = ex * n;
        int oo = ex * m;
        for (int r = 0; r < m; r++) {
          double s = dl[oo + r];
          gbias[r] += s;
          int wr = r * n;
          for (int c = 0; c < n; c++) {
            gw[wr + c] += s * in[io + c];
          }
          if (dprev != null) {
            for (int c = 0; c < n; c++) {
              dprev[io + c] += s * w[wr + c];
            }
          }
        }
      }
      if (dprev != null) {
        applyActDerivative(l - 1, batch);
      }
    }
    return loss;
  }

  /** One training step: gradient, then Adam (lr 1e-3, as the netc benchmarks). */
  public double trainStep(int batch, double[] x, double[] y) {
    double loss = lossAndGradient(batch, x, y);
    adam.step();
    return loss;
  }

  public int layers() {
    return layers;
  }

  public long paramCount() {
    long n = 0;
    for (int l = 0; l < layers; l++) {
      n += W[l].length + b[l].length;
    }
    return n;
  }
}
