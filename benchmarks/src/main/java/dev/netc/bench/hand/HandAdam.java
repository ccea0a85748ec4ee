package dev.netc.bench.hand;

/**
 * Adam written by hand over flat param and gradient arrays, with the formulas of
 * {@code dev.netc.runtime.Adam} (PyTorch's: bias correction, no weight decay): at step t,
 * {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * w -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. The float version computes in
 * float, as the runtime does.
 */
public final class HandAdam {
  private HandAdam() {}

  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPS = 1e-8;

  /** Adam over double arrays. */
  public static final class D {
    private final double[][] w;
    private final double[][] g;
    private final double[][] m;
    private final double[][] v;
    private final double lr;
    private long t;

    public D(double[][] params, double[][] grads, double lr) {
      this.w = params;
      this.g = grads;
      this.lr = lr;
      m = new double[params.length][];
      v = new double[params.length][];
      for (int i = 0; i < params.length; i++) {
        m[i] = new double[params[i].length];
        v[i] = new double[params[i].length];
      }
    }

    public void step() {
      t++;
      double bc1 = 1 - Math.pow(BETA1, t);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, t));
      double stepSize = lr / bc1;
      for (int i = 0; i < w.length; i++) {
        double[] wi = w[i];
        double[] gi = g[i];
        double[] mi = m[i];
        double[] vi = v[i];
        for (int j = 0; j < wi.length; j++) {
          double gj = gi[j];
          double mj = BETA1 * mi[j] + (1 - BETA1) * gj;
          double vj = BETA2 * vi[j] + (1 - BETA2) * gj * gj;
          mi[j] = mj;
          vi[j] = vj;
          wi[j] -= stepSize * mj / (Math.sqrt(vj) / bc2Sqrt + EPS);
        }
      }
    }
  }

  /** Adam over float arrays, in float arithmetic, as the runtime. */
  public static final class F {
    private final float[][] w;
    private final float[][] g;
    private final float[][] m;
    private final float[][] v;
    private final double lr;
    private long t;

    public F(float[][] params, float[][] grads, double lr) {
      this.w = params;
      this.g = grads;
      this.lr = lr;
      m = new float[params.length][];
      v = new float[params.length][];
      for (int i = 0; i < params.length; i++) {
        m[i] = new float[params[i].length];
        v[i] = new float[params[i].length];
      }
    }

    public void step() {
      t++;
      double bc1 = 1 - Math.pow(BETA1, t);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, t));
      double stepSize = lr / bc1;
      for (int i = 0; i < w.length; i++) {
        float[] wi = w[i];
        float[] gi = g[i];
        float[] mi = m[i];
        float[] vi = v[i];
        float b1 = (float) BETA1;
        float c1 = (float) (1 - BETA1);
        float b2 = (float) BETA2;
        float c2 = (float) (1 - BETA2);
        float step = (float) stepSize;
        float invBc2 = (float) (1 / bc2Sqrt);
        float e = (float) EPS;
        for (int j = 0; j < wi.length; j++) {
          float gj = gi[j];
          float mj = b1 * mi[j] + c1 * gj;
          float vj = b2 * vi[j] + c2 * gj * gj;
          mi[j] = mj;
          vi[j] = vj;
          wi[j] -= step * mj / ((float) Math.sqrt(vj) * invBc2 + e);
        }
      }
    }
  }
}
