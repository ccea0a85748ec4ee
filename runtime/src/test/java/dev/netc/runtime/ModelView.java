package dev.netc.runtime;

import java.util.List;

/** A view of a {@link SoftmaxRegression} that exposes only its first param (W). */
class ModelView implements Model {
  final SoftmaxRegression m;

  ModelView(SoftmaxRegression m) {
    this.m = m;
  }

  @Override
  public String name() {
    return m.name();
  }

  @Override
  public Precision precision() {
    return m.precision();
  }

  @Override
  public List<TensorInfo> params() {
    return m.params().subList(0, 1);
  }

  @Override
  public List<TensorInfo> inputs() {
    return m.inputs();
  }

  @Override
  public List<TensorInfo> targets() {
    return m.targets();
  }

  @Override
  public List<TensorInfo> outputs() {
    return m.outputs();
  }

  @Override
  public boolean hasLoss() {
    return false;
  }

  @Override
  public Object paramData(int index) {
    return m.paramData(index);
  }

  @Override
  public Gradient newGradient() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void initialize(long seed) {}

  @Override
  public void predictBatch(int batch, double[][] inputs, double[][] outputs) {
    throw new UnsupportedOperationException();
  }

  @Override
  public double lossBatch(int batch, double[][] inputs, double[][] targets) {
    throw new UnsupportedOperationException();
  }

  @Override
  public double lossAndGradientBatch(int batch, double[][] inputs, double[][] targets, Gradient gradient) {
    throw new UnsupportedOperationException();
  }

  @Override
  public double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients) {
    throw new UnsupportedOperationException();
  }
}
