package dev.netc.runtime;

/**
 * SGD with classic heavy-ball momentum, as PyTorch's {@code SGD(momentum=beta)} (no dampening, no
 * Nesterov): {@code v = beta * v + g; w -= lr * v}, with {@code v} starting at zero (so the first
 * step is a plain SGD step). The velocity {@code v} is kept per model, in the param's precision.
 */
public final class Momentum implements Optimizer {
  private double lr;
  private final double beta;
  private final PerModelState<Object[]> state =
      new PerModelState<>(Momentum::newState);

  /** Momentum with {@code beta = 0.9}. */
  public Momentum(double lr) {
    this(lr, 0.9);
  }

  /** @param beta the momentum coefficient in {@code [0, 1)} */
  public Momentum(double lr, double beta) {
    this.lr = Optimizers.checkLr(lr);
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("momentum beta must be in [0, 1), got " + beta);
    }
    this.beta = beta;
  }

  private static Object[] newState(Model model) {
    Object[] v = new Object[model.params().size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = PerModelState.zerosLike(model.paramData(i));
    }
    return v;
  }

  @Override
  public double lr() {
    return lr;
  }

  @Override
  public void setLr(double lr) {
    this.lr = Optimizers.checkLr(lr);
  }

  public double beta() {
    return beta;
  }

  @Override
  public void writeState(Model model, java.io.DataOutput out) throws java.io.IOException {
    for (Object v : state.get(model)) {
      PerModelState.write(out, v);
    }
  }

  @Override
  public void readState(Model model, java.io.DataInput in) throws java.io.IOException {
    for (Object v : state.get(model)) {
      PerModelState.read(in, v);
    }
  }

  @Override
  public void step(Model model, Gradient gradient) {
    Object[] vel = state.get(model);
    for (int i = 0; i < vel.length; i++) {
      Object p = model.paramData(i);
      Object g = gradient.data(i);
      PerModelState.checkLengths(i, p, g);
      PerModelState.checkLengths(i, p, vel[i]);
      if (p instanceof double[] w) {
        double[] gd = (double[]) g;
        double[] v = (double[]) vel[i];
        for (int j = 0; j < w.length; j++) {
          v[j] = beta * v[j] + gd[j];
          w[j] -= lr * v[j];
        }
      } else {
        float[] w = (float[]) p;
        float[] gf = (float[]) g;
        float[] v = (float[]) vel[i];
        for (int j = 0; j < w.length; j++) {
          float vj = (float) (beta * v[j] + gf[j]);
          v[j] = vj;
          w[j] = (float) (w[j] - lr * vj);
        }
      }
    }
  }

  @Override
  public void reset() {
    state.clear();
  }

  @Override
  public String toString() {
    return "momentum(lr=" + lr + ", beta=" + beta + ")";
  }
}
