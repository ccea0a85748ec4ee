package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.bench.hand.HandNetD;
import dev.netc.bench.hand.HandNetF;
import dev.netc.bench.hand.HandXorD;
import dev.netc.bench.hand.HandXorF;
import dev.netc.runtime.Adam;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import org.junit.jupiter.api.Test;

/**
 * The hand-written baselines compute what the netc classes compute: same params (copied from
 * the generated model), same data, same loss and gradient, and the same params after training
 * steps with Adam. So the benchmarks compare like with like.
 */
class HandVsNetcTest {
  static final double TOL_D = 1e-10;
  static final double TOL_F = 2e-4;

  /** |a - b| <= tol * max(1, max |b|) element by element. */
  static void close(String what, double[] expected, double[] actual, double tol) {
    assertEquals(expected.length, actual.length, what + " length");
    double scale = 1;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[i]);
      assertTrue(err <= tol * scale,
          what + "[" + i + "]: netc " + expected[i] + ", hand " + actual[i] + " (tol " + tol * scale + ")");
    }
  }

  static double[] d(float[] f) {
    double[] r = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      r[i] = f[i];
    }
    return r;
  }

  static double[] asDouble(Object o) {
    return o instanceof double[] a ? a : d((float[]) o);
  }

  static void closeLoss(String what, double expected, double actual, double tol) {
    assertTrue(Math.abs(expected - actual) <= tol * Math.max(1, Math.abs(expected)),
        what + ": netc " + expected + ", hand " + actual);
  }

  /** Checks grads param by param; hand grads listed W1, b1, W2, b2, ... as the netc params. */
  static void closeGrads(String what, Gradient g, double[][] hand, double tol) {
    for (int i = 0; i < hand.length; i++) {
      close(what + " grad " + i, asDouble(g.data(i)), hand[i], tol);
    }
  }

  static double[][] grads(HandNetD h) {
    double[][] r = new double[2 * h.layers()][];
    for (int l = 0; l < h.layers(); l++) {
      r[2 * l] = h.gW[l];
      r[2 * l + 1] = h.gb[l];
    }
    return r;
  }

  static double[][] grads(HandNetF h) {
    double[][] r = new double[2 * h.layers()][];
    for (int l = 0; l < h.layers(); l++) {
      r[2 * l] = d(h.gW[l]);
      r[2 * l + 1] = d(h.gb[l]);
    }
    return r;
  }

  static double[][] params(HandNetD h) {
    double[][] r = new double[2 * h.layers()][];
    for (int l = 0; l < h.layers(); l++) {
      r[2 * l] = h.W[l];
      r[2 * l + 1] = h.b[l];
    }
    return r;
  }

  static double[][] params(HandNetF h) {
    double[][] r = new double[2 * h.layers()][];
    for (int l = 0; l < h.layers(); l++) {
      r[2 * l] = d(h.W[l]);
      r[2 * l + 1] = d(h.b[l]);
    }
    return r;
  }

  static void closeParams(String what, Model m, double[][] hand, double tol) {
    for (int i = 0; i < hand.length; i++) {
      close(what + " param " + i, asDouble(m.paramData(i)), hand[i], tol);
    }
  }

  @Test
  void xorDouble() {
    var netc = new dev.netc.bench.gen.d.Xor(42L);
    var g = netc.newGradient();
    var hand = new HandXorD(4);
    Data.copyParams(netc, hand);
    double[][] data = Data.xor(4);
    closeLoss("xor loss", netc.loss(4, data[0], data[1]), hand.loss(4, data[0], data[1]), TOL_D);
    closeLoss("xor loss+grad", netc.lossAndGradient(4, data[0], data[1], g),
        hand.lossAndGradient(4, data[0], data[1]), TOL_D);
    closeGrads("xor", g, new double[][] {hand.gW1, hand.gb1, hand.gW2, hand.gb2}, TOL_D);
    Adam adam = new Adam(1e-3);
    for (int step = 0; step < 3; step++) {
      netc.lossAndGradient(4, data[0], data[1], g);
      adam.step(netc, g);
      hand.trainStep(4, data[0], data[1]);
    }
    closeParams("xor after 3 Adam steps", netc, new double[][] {hand.W1, hand.b1, hand.W2, hand.b2}, TOL_D);
  }

  @Test
  void xorFloat() {
    var netc = new dev.netc.bench.gen.f.Xor(42L);
    var g = netc.newGradient();
    var hand = new HandXorF(4);
    Data.copyParams(netc, hand);
    double[][] data = Data.xor(4);
    float[] x = Data.toFloat(data[0]);
    float[] y = Data.toFloat(data[1]);
    closeLoss("xor loss", netc.loss(4, x, y), hand.loss(4, x, y), TOL_F);
    closeLoss("xor loss+grad", netc.lossAndGradient(4, x, y, g), hand.lossAndGradient(4, x, y), TOL_F);
    closeGrads("xor", g, new double[][] {d(hand.gW1), d(hand.gb1), d(hand.gW2), d(hand.gb2)}, TOL_F);
  }

  void netDouble(String what, Model netc, HandNetD hand, int batch, double[][] data,
      java.util.function.Supplier<Double> netcLoss, java.util.function.Supplier<Double> netcGrad,
      Gradient g) {
    Data.copyParams(netc, hand);
    closeLoss(what + " loss", netcLoss.get(), hand.loss(batch, data[0], data[1]), TOL_D);
    closeLoss(what + " loss+grad", netcGrad.get(), hand.lossAndGradient(batch, data[0], data[1]), TOL_D);
    closeGrads(what, g, grads(hand), TOL_D);
    Adam adam = new Adam(1e-3);
    for (int step = 0; step < 2; step++) {
      netcGrad.get();
      adam.step(netc, g);
      hand.trainStep(batch, data[0], data[1]);
    }
    closeParams(what + " after 2 Adam steps", netc, params(hand), 1e-9);
  }

  void netFloat(String what, Model netc, HandNetF hand, int batch, float[][] data,
      java.util.function.Supplier<Double> netcLoss, java.util.function.Supplier<Double> netcGrad,
      Gradient g) {
    Data.copyParams(netc, hand);
    closeLoss(what + " loss", netcLoss.get(), hand.loss(batch, data[0], data[1]), TOL_F);
    closeLoss(what + " loss+grad", netcGrad.get(), hand.lossAndGradient(batch, data[0], data[1]), TOL_F);
    closeGrads(what, g, grads(hand), TOL_F);
  }

  @Test
  void mlpDouble() {
    for (int batch : new int[] {1, 5, 64}) {
      var netc = new dev.netc.bench.gen.d.Mlp(42L);
      var g = netc.newGradient();
      double[][] data = Data.mlp(batch, 7L);
      netDouble("mlp batch " + batch, netc, HandNetD.mlp(batch), batch, data,
          () -> netc.loss(batch, data[0], data[1]),
          () -> netc.lossAndGradient(batch, data[0], data[1], g), g);
    }
  }

  @Test
  void mlpFloat() {
    for (int batch : new int[] {1, 64}) {
      var netc = new dev.netc.bench.gen.f.Mlp(42L);
      var g = netc.newGradient();
      double[][] data = Data.mlp(batch, 7L);
      float[][] f = {Data.toFloat(data[0]), Data.toFloat(data[1])};
      netFloat("mlp batch " + batch, netc, HandNetF.mlp(batch), batch, f,
          () -> netc.loss(batch, f[0], f[1]),
          () -> netc.lossAndGradient(batch, f[0], f[1], g), g);
    }
  }

  @Test
  void chainDouble() {
    for (int batch : new int[] {1, 7, 32}) {
      var netc = new dev.netc.bench.gen.d.Chain(42L);
      var g = netc.newGradient();
      double[][] data = Data.chain(batch, 24, 7L);
      netDouble("chain batch " + batch, netc, HandNetD.chain(40, 24, batch), batch, data,
          () -> netc.loss(batch, data[0], data[1]),
          () -> netc.lossAndGradient(batch, data[0], data[1], g), g);
    }
  }

  @Test
  void chainFloat() {
    for (int batch : new int[] {1, 32}) {
      var netc = new dev.netc.bench.gen.f.Chain(42L);
      var g = netc.newGradient();
      double[][] data = Data.chain(batch, 24, 7L);
      float[][] f = {Data.toFloat(data[0]), Data.toFloat(data[1])};
      netFloat("chain batch " + batch, netc, HandNetF.chain(40, 24, batch), batch, f,
          () -> netc.loss(batch, f[0], f[1]),
          () -> netc.lossAndGradient(batch, f[0], f[1], g), g);
    }
  }

  @Test
  void cheapGradientChainsCompile() {
    var m = new dev.netc.bench.gen.d.ChainD4W16(1L);
    var hand = HandNetD.chain(4, 16, 2);
    double[][] data = Data.chain(2, 16, 3L);
    var g = m.newGradient();
    netDouble("chain d4 w16", m, hand, 2, data, () -> m.loss(2, data[0], data[1]),
        () -> m.lossAndGradient(2, data[0], data[1], g), g);
  }

  // the same networks compiled with vector: the Vector API kernels agree with the hand-written code too

  @Test
  void mlpDoubleVector() {
    for (int batch : new int[] {1, 5, 64}) {
      var netc = new dev.netc.bench.gen.dv.Mlp(42L);
      var g = netc.newGradient();
      double[][] data = Data.mlp(batch, 7L);
      netDouble("mlp vector batch " + batch, netc, HandNetD.mlp(batch), batch, data,
          () -> netc.loss(batch, data[0], data[1]),
          () -> netc.lossAndGradient(batch, data[0], data[1], g), g);
    }
  }

  @Test
  void mlpFloatVector() {
    for (int batch : new int[] {1, 64}) {
      var netc = new dev.netc.bench.gen.fv.Mlp(42L);
      var g = netc.newGradient();
      double[][] data = Data.mlp(batch, 7L);
      float[][] f = {Data.toFloat(data[0]), Data.toFloat(data[1])};
      netFloat("mlp vector batch " + batch, netc, HandNetF.mlp(batch), batch, f,
          () -> netc.loss(batch, f[0], f[1]),
          () -> netc.lossAndGradient(batch, f[0], f[1], g), g);
    }
  }

  @Test
  void chainDoubleVector() {
    for (int batch : new int[] {1, 7, 32}) {
      var netc = new dev.netc.bench.gen.dv.Chain(42L);
      var g = netc.newGradient();
      double[][] data = Data.chain(batch, 24, 7L);
      netDouble("chain vector batch " + batch, netc, HandNetD.chain(40, 24, batch), batch, data,
          () -> netc.loss(batch, data[0], data[1]),
          () -> netc.lossAndGradient(batch, data[0], data[1], g), g);
    }
  }

  @Test
  void chainFloatVector() {
    for (int batch : new int[] {1, 32}) {
      var netc = new dev.netc.bench.gen.fv.Chain(42L);
      var g = netc.newGradient();
      double[][] data = Data.chain(batch, 24, 7L);
      float[][] f = {Data.toFloat(data[0]), Data.toFloat(data[1])};
      netFloat("chain vector batch " + batch, netc, HandNetF.chain(40, 24, batch), batch, f,
          () -> netc.loss(batch, f[0], f[1]),
          () -> netc.lossAndGradient(batch, f[0], f[1], g), g);
    }
  }
}
