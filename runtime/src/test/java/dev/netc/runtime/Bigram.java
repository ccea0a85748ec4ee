package dev.netc.runtime;

import java.util.List;

/**
 * A hand-written character bigram model standing in for a generated class with integer data:
 * input {@code ctx[1] int}, target {@code next int}, param {@code L[V, V]} (the logits of the next
 * id given the previous one), output {@code z[V] = L[ctx[0]]}, loss the softmax cross-entropy of
 * {@code z} and {@code next}, mean over the batch. Ids arrive as exact doubles.
 */
final class Bigram implements Model {
  final int v;
  final double[] logits;

  Bigram(int v) {
    this.v = v;
    this.logits = new double[v * v];
  }

  @Override
  public String name() {
    return "Bigram";
  }

  @Override
  public Precision precision() {
    return Precision.DOUBLE;
  }

  @Override
  public List<TensorInfo> params() {
    return List.of(new TensorInfo("L", new int[] {v, v}));
  }

  @Override
  public List<TensorInfo> inputs() {
    return List.of(TensorInfo.ids("ctx", new int[] {1}, v));
  }

  @Override
  public List<TensorInfo> targets() {
    return List.of(TensorInfo.ids("next", new int[] {}, v));
  }

  @Override
  public List<TensorInfo> outputs() {
    return List.of(new TensorInfo("z", new int[] {v}));
  }

  @Override
  public boolean hasLoss() {
    return true;
  }

  @Override
  public Object paramData(int index) {
    return logits;
  }

  @Override
  public Gradient newGradient() {
    return new SoftmaxRegression.Grad(new double[v * v]);
  }

  @Override
  public void initialize(long seed) {
    java.util.Arrays.fill(logits, 0);
  }

  private int id(double x) {
    int i = (int) x;
    if (i != x || i < 0 || i >= v) {
      throw new IllegalArgumentException("id out of range: " + x);
    }
    return i;
  }

  @Override
  public void predictBatch(int batch, double[][] inputs, double[][] outputs) {
    for (int e = 0; e < batch; e++) {
      System.arraycopy(logits, id(inputs[0][e]) * v, outputs[0], e * v, v);
    }
  }

  private double logSumExp(int row) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[row * v + j]);
    }
    double s = 0;
    for (int j = 0; j < v; j++) {
      s += Math.exp(logits[row * v + j] - max);
    }
    return max + Math.log(s);
  }

  @Override
  public double lossBatch(int batch, double[][] inputs, double[][] targets) {
    double sum = 0;
    for (int e = 0; e < batch; e++) {
      int row = id(inputs[0][e]);
      sum += logSumExp(row) - logits[row * v + id(targets[0][e])];
    }
    return sum / batch;
  }

  @Override
  public double lossAndGradientBatch(int batch, double[][] inputs, double[][] targets, Gradient gradient) {
    double[] g = (double[]) gradient.data(0);
    java.util.Arrays.fill(g, 0);
    double sum = 0;
    for (int e = 0; e < batch; e++) {
      int row = id(inputs[0][e]);
      int y = id(targets[0][e]);
      double lse = logSumExp(row);
      sum += lse - logits[row * v + y];
      for (int j = 0; j < v; j++) {
        g[row * v + j] += (Math.exp(logits[row * v + j] - lse) - (j == y ? 1 : 0)) / batch;
      }
    }
    return sum / batch;
  }

  @Override
  public double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients) {
    throw new UnsupportedOperationException("integer inputs have no gradient");
  }
}
