package dev.netc.bench;

import dev.netc.runtime.VectorKernelsD;
import dev.netc.runtime.VectorKernelsF;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The runtime's Vector API kernels alone, on the MLP's first layer (W 128 x 784): {@code W * x}
 * for a batch ({@code matmulRows}) and the batch's outer products for W's gradient
 * ({@code outerAccumulate}), in float and double. Each call is {@code 2 * 128 * 784 * batch}
 * floating-point operations, so GFLOP/s = 200,704 * batch / (ns per call). This is how close the
 * generated code's matrix products come to the core's peak.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelsBench {
  static final int M = 128;
  static final int K = 784;

  @Param({"1", "64"})
  public int batch;

  float[] wF;
  float[] xF;
  float[] zF;
  float[] gF;
  double[] wD;
  double[] xD;
  double[] zD;
  double[] gD;

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    wD = new double[M * K];
    xD = new double[batch * K];
    zD = new double[batch * M];
    gD = new double[M * K];
    for (int i = 0; i < wD.length; i++) {
      wD[i] = r.nextDouble(-0.05, 0.05);
    }
    for (int i = 0; i < xD.length; i++) {
      xD[i] = r.nextDouble();
    }
    for (int i = 0; i < zD.length; i++) {
      zD[i] = r.nextDouble(-1, 1);
    }
    wF = Data.toFloat(wD);
    xF = Data.toFloat(xD);
    zF = Data.toFloat(zD);
    gF = new float[M * K];
  }

  @Benchmark
  public float[] matmulRowsF() {
    VectorKernelsF.matmulRows(wF, xF, zF, M, K, batch);
    return zF;
  }

  @Benchmark
  public double[] matmulRowsD() {
    VectorKernelsD.matmulRows(wD, xD, zD, M, K, batch);
    return zD;
  }

  @Benchmark
  public float[] outerF() {
    VectorKernelsF.outerAccumulate(zF, xF, gF, M, K, batch, 1f / batch, true);
    return gF;
  }

  @Benchmark
  public double[] outerD() {
    VectorKernelsD.outerAccumulate(zD, xD, gD, M, K, batch, 1.0 / batch, true);
    return gD;
  }
}
