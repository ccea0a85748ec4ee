package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OpsTest {
  /** Ops.tanh is a fast form of Math.tanh; it must agree to within a few ulps everywhere. */
  @Test
  void tanhAgreesWithMathTanh() {
    Random r = new Random(1);
    double worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      // magnitudes from 1e-12 to 40, both signs, dense around the branch points 0.02 and 20
      double x = (r.nextBoolean() ? 1 : -1) * Math.pow(10, -12 + 13.6 * r.nextDouble());
      double want = Math.tanh(x);
      double rel = Math.abs(Ops.tanh(x) - want) / Math.abs(want);
      worst = Math.max(worst, rel);
    }
    for (double x : new double[] {0.02, -0.02, 0.0199999999, 0.0200000001, 20, -20, 19.999, 20.001, 1, 0.5}) {
      worst = Math.max(worst, Math.abs(Ops.tanh(x) - Math.tanh(x)) / Math.abs(Math.tanh(x)));
    }
    System.out.println("Ops.tanh worst relative error against Math.tanh: " + worst);
    assertTrue(worst < 1e-14, "worst relative error " + worst);
    assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Ops.tanh(-0.0)));
    assertEquals(0.0, Ops.tanh(0.0));
    assertTrue(Double.isNaN(Ops.tanh(Double.NaN)));
    assertEquals(1.0, Ops.tanh(Double.POSITIVE_INFINITY));
    assertEquals(-1.0, Ops.tanh(Double.NEGATIVE_INFINITY));
    assertEquals(1.0, Ops.tanh(1e300));
    assertEquals((float) Math.tanh(0.3), Ops.tanh(0.3f), 1e-7f);
  }

  /** relu and step without branches give what their definitions give, at every special value. */
  @Test
  void reluAndStepAtSpecialValues() {
    double[] xs = {0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Double.longBitsToDouble(0xfff8000000000000L),
        Double.longBitsToDouble(0x7ff0000000000001L), 1e-310, 3.5, -2.25};
    for (double x : xs) {
      assertEquals(x > 0 ? 1.0 : 0.0, Ops.step(x), "step(" + x + ")");
      float f = (float) x;
      assertEquals(f > 0 ? 1f : 0f, Ops.step(f), "step(" + f + "f)");
      assertEquals(Float.floatToIntBits((float) Math.max((double) f, 0.0)), Float.floatToIntBits(Ops.relu(f)),
          "relu(" + f + "f)");
    }
    assertEquals(1f, Ops.step(Float.intBitsToFloat(1)));
    assertEquals(0f, Ops.step(Float.intBitsToFloat(0x7f800001)));
    assertEquals(0f, Ops.step(Float.intBitsToFloat(0xffc00000)));
    Random r = new Random(2);
    for (int i = 0; i < 100_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      double d = Double.longBitsToDouble(r.nextLong());
      assertEquals(f > 0 ? 1f : 0f, Ops.step(f));
      assertEquals(d > 0 ? 1.0 : 0.0, Ops.step(d));
    }
  }
}
