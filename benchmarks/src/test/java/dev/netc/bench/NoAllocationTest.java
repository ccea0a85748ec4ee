package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.runtime.Adam;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The definitive form of the allocation goal (JMH's gc profiler also counts JMH's own garbage):
 * once warm, netc's lossAndGradient and a training step with the runtime's Adam allocate nothing,
 * measured by the thread's allocated-bytes counter.
 */
class NoAllocationTest {
  static long allocated() {
    return Allocations.allocated();
  }

  /** Bytes allocated by a window of runs of r once warm (see {@link Allocations}). */
  static long bytesOf(Runnable r) {
    return Allocations.steadyBytes(r);
  }

  /** jvp and hvp (the chain compiled with them, for DerivativesBench) allocate nothing once warm either. */
  @Test
  void jvpAndHvpAllocateNothing() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    allocated();
    var c = new dev.netc.bench.gen.dd.Chain(1L);
    double[][] ch = Data.chain(3, 24, 1L);
    var tangent = c.newGradient();
    var product = c.newGradient();
    double[] tx = new double[3 * 24];
    double[] out = new double[3 * 24];
    java.util.Arrays.fill(tx, 0.1);
    java.util.Arrays.fill(c.b1, 0.2);
    assertEquals(0, bytesOf(() -> c.jvp(3, ch[0], ch[1], tx, tangent, out)), "jvp, batch 3");
    assertEquals(0, bytesOf(() -> c.hvp(3, ch[0], ch[1], tangent, product)), "hvp, batch 3");
  }

  @Test
  void trainStepsAllocateNothing() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    allocated();
    double[][] xor = Data.xor(4);
    var xd = new dev.netc.bench.gen.d.Xor(1L);
    var gxd = xd.newGradient();
    Adam a1 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      xd.lossAndGradient(4, xor[0], xor[1], gxd);
      a1.step(xd, gxd);
    }), "Xor double");
    var xf = new dev.netc.bench.gen.f.Xor(1L);
    var gxf = xf.newGradient();
    float[] fx = Data.toFloat(xor[0]);
    float[] fy = Data.toFloat(xor[1]);
    Adam a2 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      xf.lossAndGradient(4, fx, fy, gxf);
      a2.step(xf, gxf);
    }), "Xor float");
    double[][] ch = Data.chain(3, 16, 1L);
    var cd = new dev.netc.bench.gen.d.ChainD4W16(1L);
    var gcd = cd.newGradient();
    Adam a3 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      cd.lossAndGradient(3, ch[0], ch[1], gcd);
      a3.step(cd, gcd);
    }), "ChainD4W16 double, batch 3");
    // compiled with vector: the Vector API kernels' vectors must not escape once compiled
    var vd = new dev.netc.bench.gen.dv.ChainD4W16(1L);
    var gvd = vd.newGradient();
    Adam a4 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      vd.lossAndGradient(3, ch[0], ch[1], gvd);
      a4.step(vd, gvd);
    }), "ChainD4W16 double vector, batch 3");
    var vf = new dev.netc.bench.gen.fv.ChainD4W16(1L);
    var gvf = vf.newGradient();
    float[] cx = Data.toFloat(ch[0]);
    float[] cy = Data.toFloat(ch[1]);
    Adam a5 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      vf.lossAndGradient(3, cx, cy, gvf);
      a5.step(vf, gvf);
    }), "ChainD4W16 float vector, batch 3");
    // the vector builds of the benchmark workloads: widths 24 (scalar remainders) and 784/128/10
    double[][] c24 = Data.chain(3, 24, 2L);
    float[][] f24 = {Data.toFloat(c24[0]), Data.toFloat(c24[1])};
    var chd = new dev.netc.bench.gen.dv.Chain(1L);
    var gchd = chd.newGradient();
    var chf = new dev.netc.bench.gen.fv.Chain(1L);
    var gchf = chf.newGradient();
    Adam a6 = new Adam(1e-3);
    Adam a7 = new Adam(1e-3);
    assertEquals(0, bytesOf(() -> {
      chd.lossAndGradient(3, c24[0], c24[1], gchd);
      a6.step(chd, gchd);
      chf.lossAndGradient(3, f24[0], f24[1], gchf);
      a7.step(chf, gchf);
    }), "Chain (40 x 24) vector, double and float, batch 3");
    double[][] mlp = Data.mlp(5, 2L);
    float[][] fm = {Data.toFloat(mlp[0]), Data.toFloat(mlp[1])};
    var md = new dev.netc.bench.gen.dv.Mlp(1L);
    var gmd = md.newGradient();
    var mf = new dev.netc.bench.gen.fv.Mlp(1L);
    var gmf = mf.newGradient();
    assertEquals(0, bytesOf(() -> {
      md.lossAndGradient(5, mlp[0], mlp[1], gmd);
      mf.lossAndGradient(5, fm[0], fm[1], gmf);
    }), "Mlp 784-128-10 vector, double and float, batch 5");
  }

  /**
   * LeNet's vector build in float (LenetBench.gradFV's class, batch 8): the runtime's kernels of
   * convolutions, pooling and their gradients allocate nothing once warm either (no test covered
   * a CNN before). Float alone, and no double CNN in this JVM: after one, the float pooling's
   * gathers, whose index vectors go through Vector API code both precisions share, stay in the
   * API's Java fallback, which allocates (docs/performance.md, "A float CNN after a double one").
   */
  @Test
  void lenetAllocatesNothingInFloat() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    allocated();
    int batch = 8;
    var net = new dev.netc.bench.gen.fv.Lenet(42L);
    var grad = net.newGradient();
    double[][] data = Data.mlp(batch, 7L);
    float[] x = Data.toFloat(data[0]);
    float[] y = Data.toFloat(data[1]);
    assertEquals(0, bytesOf(() -> net.lossAndGradient(batch, x, y, grad)), "Lenet float vector, batch 8");
  }
}
