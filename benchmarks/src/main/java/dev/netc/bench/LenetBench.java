package dev.netc.bench;

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
 * The LeNet-like CNN of issue 20 (src/main/net/lenet.net: conv 6@5x5, relu, max-pool 2,
 * conv 16@5x5, relu, max-pool 2, dense 120, 84, 10, softmax cross-entropy), one thread:
 * {@code loss} (forward) and {@code lossAndGradient} (forward + backward), float32 and
 * float64, at batch 64 (and 1). About 0.56 MFLOP per example forward, 1.7 MFLOP forward +
 * backward (multiply-adds counted as 2): the rows of docs/performance.md divide those by the
 * time per example for GFLOP/s. benchmarks/pytorch_bench.py times the same step in PyTorch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class LenetBench {
  @Param({"64"})
  public int batch;

  dev.netc.bench.gen.d.Lenet netD;
  dev.netc.bench.gen.d.Lenet.Gradient gradD;
  dev.netc.bench.gen.f.Lenet netF;
  dev.netc.bench.gen.f.Lenet.Gradient gradF;
  double[] xD;
  double[] yD;
  float[] xF;
  float[] yF;

  @Setup(Level.Trial)
  public void setup() {
    netD = new dev.netc.bench.gen.d.Lenet(42L);
    gradD = netD.newGradient();
    netF = new dev.netc.bench.gen.f.Lenet(42L);
    gradF = netF.newGradient();
    double[][] data = Data.mlp(batch, 7L);
    xD = data[0];
    yD = data[1];
    xF = Data.toFloat(xD);
    yF = Data.toFloat(yD);
  }

  @Benchmark
  public double lossD() {
    return netD.loss(batch, xD, yD);
  }

  @Benchmark
  public double gradD() {
    return netD.lossAndGradient(batch, xD, yD, gradD);
  }

  @Benchmark
  public double lossF() {
    return netF.loss(batch, xF, yF);
  }

  @Benchmark
  public double gradF() {
    return netF.lossAndGradient(batch, xF, yF, gradF);
  }
}
