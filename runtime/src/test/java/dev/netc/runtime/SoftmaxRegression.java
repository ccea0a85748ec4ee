package dev.netc.runtime;

import java.util.List;

/**
 * A hand-written multinomial logistic regression, in double or float, standing in for a generated
 * class: input x[d], target y[k], params W[k, d] (xavier) and b[k] (zeros), output p = softmax(W x
 * + b), loss = softmax_cross_entropy(W x + b, y), mean over the batch. With {@code wrongGradient}
 * it reports a deliberately wrong gradient for b (to test the gradient check).
 */
final class SoftmaxRegression implements Model {
  final int d;
  final int k;
  final Precision precision;
  final Object w;
  final Object b;
  boolean wrongGradient;
  double wrongFactor = 1.01;
  private final String name;
  private final List<TensorInfo> outputs;
  private final List<TensorInfo> targets;
  private final List<TensorInfo> inputs;
  private final List<TensorInfo> params;

  SoftmaxRegression(int d, int k, Precision precision) {
    this("Softmax", d, k, precision);
  }

  SoftmaxRegression(String name, int d, int k, Precision precision) {
    this.name = name;
    this.d = d;
    this.k = k;
    this.precision = precision;
    this.w = precision == Precision.DOUBLE ? new double[k * d] : new float[k * d];
    this.params = List.of(new TensorInfo("W", new int[] {k, d}), new TensorInfo("b", new int[] {k}));
    this.inputs = List.of(new TensorInfo("x", new int[] {d}));
    this.targets = List.of(new TensorInfo("y", new int[] {k}));
    this.outputs = List.of(new TensorInfo("p", new int[] {k}));
    this.b = precision == Precision.DOUBLE ? new double[k] : new float[k];
  }

  static final class Grad implements Gradient {
    final Object[] data;

    Grad(Object... data) {
      this.data = data;
    }

    @Override
    public Object data(int index) {
      return data[index];
    }

    @Override
    public void clear() {
      for (Object a : data) {
        if (a instanceof double[] x) {
          java.util.Arrays.fill(x, 0);
        } else {
          java.util.Arrays.fill((float[]) a, 0);
        }
      }
    }
  }

  double get(Object a, int i) {
    return a instanceof double[] x ? x[i] : ((float[]) a)[i];
  }

  void set(Object a, int i, double v) {
    if (a instanceof double[] x) {
      x[i] = v;
    } else {
      ((float[]) a)[i] = (float) v;
    }
  }

  /** Rounds to the model's precision. */
  double r(double v) {
    return precision == Precision.FLOAT ? (float) v : v;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Precision precision() {
    return precision;
  }

  @Override
  public List<TensorInfo> params() {
    return params;
  }

  @Override
  public List<TensorInfo> inputs() {
    return inputs;
  }

  @Override
  public List<TensorInfo> targets() {
    return targets;
  }

  @Override
  public List<TensorInfo> outputs() {
    return outputs;
  }

  @Override
  public boolean hasLoss() {
    return true;
  }

  @Override
  public Object paramData(int index) {
    return index == 0 ? w : b;
  }

  @Override
  public Gradient newGradient() {
    return precision == Precision.DOUBLE
        ? new Grad(new double[k * d], new double[k])
        : new Grad(new float[k * d], new float[k]);
  }

  @Override
  public void initialize(long seed) {
    if (w instanceof double[] x) {
      Init.xavier(x, new int[] {k, d}, Rng.forParam(seed, "W"));
      Init.zeros((double[]) b);
    } else {
      Init.xavier((float[]) w, new int[] {k, d}, Rng.forParam(seed, "W"));
      Init.zeros((float[]) b);
    }
  }

  private final double[] z = new double[64];
  private double[] accW;
  private double[] accB;

  /** Logits of example e into z; returns nothing. */
  private void logits(double[] x, int e) {
    for (int i = 0; i < k; i++) {
      double s = get(b, i);
      for (int j = 0; j < d; j++) {
        s += get(w, i * d + j) * x[e * d + j];
      }
      z[i] = r(s);
    }
  }

  private double logSumExp() {
    double m = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      m = Math.max(m, z[i]);
    }
    double s = 0;
    for (int i = 0; i < k; i++) {
      s += Math.exp(z[i] - m);
    }
    return r(m + Math.log(s));
  }

  @Override
  public void predictBatch(int batch, double[][] inputs, double[][] outputs) {
    for (int e = 0; e < batch; e++) {
      logits(inputs[0], e);
      double lse = logSumExp();
      for (int i = 0; i < k; i++) {
        outputs[0][e * k + i] = r(Math.exp(z[i] - lse));
      }
    }
  }

  private double exampleLoss(double[] y, int e) {
    double lse = logSumExp();
    double l = 0;
    for (int i = 0; i < k; i++) {
      l -= y[e * k + i] * (z[i] - lse);
    }
    return r(l);
  }

  @Override
  public double lossBatch(int batch, double[][] inputs, double[][] targets) {
    double sum = 0;
    for (int e = 0; e < batch; e++) {
      logits(inputs[0], e);
      sum += exampleLoss(targets[0], e);
    }
    return r(sum / batch);
  }

  @Override
  public double lossAndGradientBatch(
      int batch, double[][] inputs, double[][] targets, Gradient gradient) {
    Object gw = gradient.data(0);
    Object gb = gradient.data(1);
    if (accW == null) {
      accW = new double[k * d];
      accB = new double[k];
    }
    java.util.Arrays.fill(accW, 0);
    java.util.Arrays.fill(accB, 0);
    double sum = 0;
    double[] x = inputs[0];
    double[] y = targets[0];
    for (int e = 0; e < batch; e++) {
      logits(x, e);
      sum += exampleLoss(y, e);
      double lse = logSumExp();
      double ysum = 0;
      for (int i = 0; i < k; i++) {
        ysum += y[e * k + i];
      }
      for (int i = 0; i < k; i++) {
        double dz = Math.exp(z[i] - lse) * ysum - y[e * k + i];
        accB[i] += dz;
        for (int j = 0; j < d; j++) {
          accW[i * d + j] += dz * x[e * d + j];
        }
      }
    }
    for (int i = 0; i < k * d; i++) {
      set(gw, i, accW[i] / batch);
    }
    for (int i = 0; i < k; i++) {
      set(gb, i, accB[i] / batch * (wrongGradient ? wrongFactor : 1.0));
    }
    return r(sum / batch);
  }

  @Override
  public double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients) {
    double[] x = inputs[0];
    double[] y = targets[0];
    logits(x, 0);
    double loss = exampleLoss(y, 0);
    double lse = logSumExp();
    double ysum = 0;
    for (int i = 0; i < k; i++) {
      ysum += y[i];
    }
    java.util.Arrays.fill(inputGradients[0], 0, d, 0.0);
    for (int i = 0; i < k; i++) {
      double dz = Math.exp(z[i] - lse) * ysum - y[i];
      for (int j = 0; j < d; j++) {
        inputGradients[0][j] += r(dz * get(w, i * d + j)) * (wrongGradient ? wrongFactor : 1.0);
      }
    }
    return loss;
  }

  /** A synthetic separable data set: class c examples lie around a center of their own. */
  static Dataset blobs(int n, int d, int k, long seed) {
    Rng rng = new Rng(seed);
    double[][] centers = new double[k][d];
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < d; j++) {
        centers[c][j] = 4 * rng.nextGaussian();
      }
    }
    double[] x = new double[n * d];
    double[] y = new double[n * k];
    int[] labels = new int[n];
    for (int e = 0; e < n; e++) {
      int c = rng.nextInt(k);
      labels[e] = c;
      y[e * k + c] = 1;
      for (int j = 0; j < d; j++) {
        x[e * d + j] = centers[c][j] + 0.5 * rng.nextGaussian();
      }
    }
    return new Dataset(List.of(new TensorInfo("x", new int[] {d})),
        List.of(new TensorInfo("y", new int[] {k})), n, new double[][] {x}, new double[][] {y},
        new int[][] {labels});
  }
}
