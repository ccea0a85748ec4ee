package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class OptimizerTest {
  /** A model with W[2, 1] = [1, -2] and b[2] = [0.5, 0]. */
  static SoftmaxRegression model(Precision p) {
    SoftmaxRegression m = new SoftmaxRegression(1, 2, p);
    m.set(m.w, 0, 1.0);
    m.set(m.w, 1, -2.0);
    m.set(m.b, 0, 0.5);
    m.set(m.b, 1, 0.0);
    return m;
  }

  /** The gradient gW = [0.1, -0.2], gb = [0, 0.4]. */
  static Gradient gradient(SoftmaxRegression m) {
    Gradient g = m.newGradient();
    m.set(g.data(0), 0, 0.1);
    m.set(g.data(0), 1, -0.2);
    m.set(g.data(1), 1, 0.4);
    return g;
  }

  static void assertParams(SoftmaxRegression m, double tol, double w0, double w1, double b0, double b1) {
    assertEquals(w0, m.get(m.w, 0), tol);
    assertEquals(w1, m.get(m.w, 1), tol);
    assertEquals(b0, m.get(m.b, 0), tol);
    assertEquals(b1, m.get(m.b, 1), tol);
  }

  static double tol(Precision p) {
    return p == Precision.DOUBLE ? 1e-12 : 1e-6;
  }

  @Test
  void sgd() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = model(p);
      new Sgd(0.1).step(m, gradient(m));
      assertParams(m, tol(p), 0.99, -1.98, 0.5, -0.04);
    }
  }

  @Test
  void momentumTwoSteps() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = model(p);
      Momentum opt = new Momentum(0.1);
      Gradient g = gradient(m);
      opt.step(m, g);
      assertParams(m, tol(p), 0.99, -1.98, 0.5, -0.04); // v = g
      opt.step(m, g);
      // v = 0.9 g + g = 1.9 g: w = w0 - 0.1 g - 0.19 g
      assertParams(m, tol(p), 0.971, -1.942, 0.5, -0.116);
    }
  }

  @Test
  void adamWithBiasCorrection() {
    for (Precision p : Precision.values()) {
      SoftmaxRegression m = model(p);
      Adam opt = new Adam(0.1);
      Gradient g = gradient(m);
      opt.step(m, g);
      // first step: m_hat = g, v_hat = g^2, so w -= 0.1 * g / (|g| + 1e-8)
      assertParams(m, tol(p), 1 - 0.1 * 0.1 / (0.1 + 1e-8), -2 + 0.1 * 0.2 / (0.2 + 1e-8), 0.5,
          -0.1 * 0.4 / (0.4 + 1e-8));
      // second step with a different gradient for W[0]: g = -0.3
      m.set(g.data(0), 0, -0.3);
      opt.step(m, g);
      // m = 0.9*0.01 - 0.03 = -0.021, v = 0.999e-5 + 0.9e-4 = 9.999e-5,
      // w = 0.90000001 + 0.1 * (0.021/0.19) / (sqrt(9.999e-5/0.001999) + 1e-8)
      assertEquals(0.9494189911200654, m.get(m.w, 0), p == Precision.DOUBLE ? 1e-12 : 1e-6);
    }
  }

  @Test
  void stateIsPerModel() {
    SoftmaxRegression a = model(Precision.DOUBLE);
    SoftmaxRegression b = model(Precision.DOUBLE);
    Momentum opt = new Momentum(0.1);
    opt.step(a, gradient(a));
    opt.step(b, gradient(b)); // b's first step: plain SGD step, not affected by a's velocity
    assertParams(b, 1e-12, 0.99, -1.98, 0.5, -0.04);
    opt.step(a, gradient(a));
    assertParams(a, 1e-12, 0.971, -1.942, 0.5, -0.116);
    opt.reset();
    SoftmaxRegression c = model(Precision.DOUBLE);
    opt.step(c, gradient(c));
    assertParams(c, 1e-12, 0.99, -1.98, 0.5, -0.04);
  }

  @Test
  void warmStepsAllocateNothing() {
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (Precision p : Precision.values()) {
      for (Optimizer opt : new Optimizer[] {new Sgd(0.01), new Momentum(0.01), new Adam(0.01)}) {
        SoftmaxRegression m = new SoftmaxRegression(100, 10, p);
        Gradient g = m.newGradient();
        for (int i = 0; i < 20_000; i++) {
          opt.step(m, g); // warm up (and JIT)
        }
        long tid = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1000; i++) {
          opt.step(m, g);
        }
        long allocated = bean.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 1000, opt + " allocated " + allocated + " bytes in 1000 steps");
      }
    }
  }

  @Test
  void byName() {
    assertInstanceOf(Sgd.class, Optimizers.byName("sgd", 0.1));
    assertInstanceOf(Momentum.class, Optimizers.byName("Momentum", 0.1));
    assertInstanceOf(Adam.class, Optimizers.byName("adam", 0.1));
    var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.byName("rmsprop", 0.1));
    assertEquals("unknown optimizer \"rmsprop\"; valid names: sgd, momentum, adam", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Sgd(-1));
    assertThrows(IllegalArgumentException.class, () -> new Sgd(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new Momentum(0.1, 1.0));
    assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 1.5, 1e-8));
  }

  @Test
  void mismatchedGradientIsRefused() {
    SoftmaxRegression m = model(Precision.DOUBLE);
    SoftmaxRegression f = model(Precision.FLOAT);
    assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1).step(m, f.newGradient()));
  }
}
