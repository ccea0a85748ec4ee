package dev.netc.runtime;

/**
 * Adam with bias correction, as PyTorch's {@code Adam} (no weight decay, no amsgrad). At step
 * {@code t = 1, 2, ...}: {@code m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. The moments and the step count
 * are kept per model; the moments in the param's precision.
 */
public final class Adam implements Optimizer {
  private double lr;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final PerModelState<State> state = new PerModelState<>(State::new);

  private static final class State {
    final Object[] m;
    final Object[] v;
    /** The param and gradient arrays last checked against the moments (the checks run again when one changes). */
    final Object[] checkedParam;
    final Object[] checkedGradient;
    long t;

    State(Model model) {
      int n = model.params().size();
      m = new Object[n];
      v = new Object[n];
      checkedParam = new Object[n];
      checkedGradient = new Object[n];
      for (int i = 0; i < n; i++) {
        m[i] = PerModelState.zerosLike(model.paramData(i));
        v[i] = PerModelState.zerosLike(model.paramData(i));
      }
    }
  }

  /** Adam with {@code beta1 = 0.9, beta2 = 0.999, eps = 1e-8}. */
  public Adam(double lr) {
    this(lr, 0.9, 0.999, 1e-8);
  }

  public Adam(double lr, double beta1, double beta2, double eps) {
    this.lr = Optimizers.checkLr(lr);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("adam eps must be positive, got " + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
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
  public void writeState(Model model, java.io.DataOutput out) throws java.io.IOException {
    State s = state.get(model);
    out.writeLong(s.t);
    for (int i = 0; i < s.m.length; i++) {
      PerModelState.write(out, s.m[i]);
      PerModelState.write(out, s.v[i]);
    }
  }

  @Override
  public void readState(Model model, java.io.DataInput in) throws java.io.IOException {
    State s = state.get(model);
    long t = in.readLong();
    if (t < 0) {
      throw new java.io.IOException("negative step count " + t);
    }
    for (int i = 0; i < s.m.length; i++) {
      PerModelState.read(in, s.m[i]);
      PerModelState.read(in, s.v[i]);
    }
    s.t = t;
  }

  @Override
  public void step(Model model, Gradient gradient) {
    State s = state.get(model);
    s.t++;
    double bc1 = 1 - Math.pow(beta1, s.t);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, s.t));
    double stepSize = lr / bc1;
    for (int i = 0; i < s.m.length; i++) {
      Object p = model.paramData(i);
      Object g = gradient.data(i);
      if (p != s.checkedParam[i] || g != s.checkedGradient[i]) {
        // a tiny network's step is short: check each pair of arrays once, not at every step
        PerModelState.checkLengths(i, p, g);
        PerModelState.checkLengths(i, p, s.m[i]);
        s.checkedParam[i] = p;
        s.checkedGradient[i] = g;
      }
      if (p instanceof double[] w) {
        double[] gd = (double[]) g;
        double[] m = (double[]) s.m[i];
        double[] v = (double[]) s.v[i];
        IntraOp.Pool pool = w.length < IntraOp.MIN_ELEMENTS ? null : IntraOp.acquire(w.length, 0);
        if (pool == null) {
          stepD(w, gd, m, v, beta1, beta2, stepSize, bc2Sqrt, eps, 0, w.length);
        } else {
          JobD job = pool.job(IntraOp.Pool.ADAM, false, JobD::new);
          job.set(this, w, gd, m, v, stepSize, bc2Sqrt);
          pool.run(job, w.length, 16);
        }
      } else {
        float[] w = (float[]) p;
        float[] gf = (float[]) g;
        float[] m = (float[]) s.m[i];
        float[] v = (float[]) s.v[i];
        IntraOp.Pool pool = w.length < IntraOp.MIN_ELEMENTS ? null : IntraOp.acquire(w.length, 0);
        if (pool == null) {
          stepF(w, gf, m, v, beta1, beta2, stepSize, bc2Sqrt, eps, 0, w.length);
        } else {
          JobF job = pool.job(IntraOp.Pool.ADAM, true, JobF::new);
          job.set(this, w, gf, m, v, stepSize, bc2Sqrt);
          pool.run(job, w.length, 16);
        }
      }
    }
  }

  /** One step over elements {@code from <= j < to} of a double param. */
  private static void stepD(double[] w, double[] gd, double[] m, double[] v, double beta1, double beta2,
      double stepSize, double bc2Sqrt, double eps, int from, int to) {
    double c1 = 1 - beta1;
    double c2 = 1 - beta2;
    for (int j = from; j < to; j++) {
      double gj = gd[j];
      double mj = beta1 * m[j] + c1 * gj;
      double vj = beta2 * v[j] + c2 * gj * gj;
      m[j] = mj;
      v[j] = vj;
      w[j] -= stepSize * mj / (Math.sqrt(vj) / bc2Sqrt + eps);
    }
  }

  /**
   * One step over elements {@code from <= j < to} of a float param: float arithmetic throughout
   * (the JIT can then vectorize it; converting every element to double and back made this 7x
   * slower than the double branch).
   */
  private static void stepF(float[] w, float[] gf, float[] m, float[] v, double beta1, double beta2,
      double stepSize, double bc2Sqrt, double eps, int from, int to) {
    float b1 = (float) beta1;
    float c1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float c2 = (float) (1 - beta2);
    float step = (float) stepSize;
    float invBc2 = (float) (1 / bc2Sqrt);
    float e = (float) eps;
    for (int j = from; j < to; j++) {
      float gj = gf[j];
      float mj = b1 * m[j] + c1 * gj;
      float vj = b2 * v[j] + c2 * gj * gj;
      m[j] = mj;
      v[j] = vj;
      w[j] -= step * mj / ((float) Math.sqrt(vj) * invBc2 + e);
    }
  }

  /** A large double param's step, shared by the intra-op threads ({@link IntraOp}). */
  private static final class JobD extends IntraOp.Job {
    private double[] w;
    private double[] g;
    private double[] m;
    private double[] v;
    private double beta1;
    private double beta2;
    private double stepSize;
    private double bc2Sqrt;
    private double eps;

    void set(Adam adam, double[] w, double[] g, double[] m, double[] v, double stepSize, double bc2Sqrt) {
      this.w = w;
      this.g = g;
      this.m = m;
      this.v = v;
      this.beta1 = adam.beta1;
      this.beta2 = adam.beta2;
      this.stepSize = stepSize;
      this.bc2Sqrt = bc2Sqrt;
      this.eps = adam.eps;
    }

    @Override
    void run(int from, int to) {
      stepD(w, g, m, v, beta1, beta2, stepSize, bc2Sqrt, eps, from, to);
    }

    @Override
    void clear() {
      w = null;
      g = null;
      m = null;
      v = null;
    }
  }

  /** A large float param's step, shared by the intra-op threads ({@link IntraOp}). */
  private static final class JobF extends IntraOp.Job {
    private float[] w;
    private float[] g;
    private float[] m;
    private float[] v;
    private double beta1;
    private double beta2;
    private double stepSize;
    private double bc2Sqrt;
    private double eps;

    void set(Adam adam, float[] w, float[] g, float[] m, float[] v, double stepSize, double bc2Sqrt) {
      this.w = w;
      this.g = g;
      this.m = m;
      this.v = v;
      this.beta1 = adam.beta1;
      this.beta2 = adam.beta2;
      this.stepSize = stepSize;
      this.bc2Sqrt = bc2Sqrt;
      this.eps = adam.eps;
    }

    @Override
    void run(int from, int to) {
      stepF(w, g, m, v, beta1, beta2, stepSize, bc2Sqrt, eps, from, to);
    }

    @Override
    void clear() {
      w = null;
      g = null;
      m = null;
      v = null;
    }
  }

  @Override
  public void reset() {
    state.clear();
  }

  @Override
  public String toString() {
    return "adam(lr=" + lr + ", beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ")";
  }
}
