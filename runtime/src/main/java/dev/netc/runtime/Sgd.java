package dev.netc.runtime;

/** Plain stochastic gradient descent: {@code w -= lr * g}. Stateless. */
public final class Sgd implements Optimizer {
  private double lr;

  /** @param lr the learning rate, finite and positive */
  public Sgd(double lr) {
    this.lr = Optimizers.checkLr(lr);
  }

  @Override
  public double lr() {
    return lr;
  }

  @Override
  public void setLr(double lr) {
    this.lr = Optimizers.checkLr(lr);
  }

  @Override
  public void step(Model model, Gradient gradient) {
    int n = model.params().size();
    for (int i = 0; i < n; i++) {
      Object p = model.paramData(i);
      Object g = gradient.data(i);
      PerModelState.checkLengths(i, p, g);
      if (p instanceof double[] w) {
        double[] gd = (double[]) g;
        for (int j = 0; j < w.length; j++) {
          w[j] -= lr * gd[j];
        }
      } else {
        float[] w = (float[]) p;
        float[] gf = (float[]) g;
        for (int j = 0; j < w.length; j++) {
          w[j] = (float) (w[j] - lr * gf[j]);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "sgd(lr=" + lr + ")";
  }
}
