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
 * {@code gen.d}/{@code gen.f}: the class built with {@code --kernels scalar} (what the default
 * class runs without the Vector API module); {@code *V}, {@code gen.dv}/{@code gen.fv}: with
 * {@code --kernels vector} (what it runs with the module, as under {@code ./netc}). The fork has
 * the module for both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class LenetBench {
  @Param({"64"})
  public int batch;

  dev.netc.bench.gen.d.Lenet netD;
  dev.netc.bench.gen.d.Lenet.Gradient gradD;
  dev.netc.bench.gen.f.Lenet netF;
  dev.netc.bench.gen.f.Lenet.Gradient gradF;
  dev.netc.bench.gen.dv.Lenet netDV;
  dev.netc.bench.gen.dv.Lenet.Gradient gradDV;
  dev.netc.bench.gen.fv.Lenet netFV;
  dev.netc.bench.gen.fv.Lenet.Gradient gradFV;
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
    netDV = new dev.netc.bench.gen.dv.Lenet(42L);
    gradDV = netDV.newGradient();
    netFV = new dev.netc.bench.gen.fv.Lenet(42L);
    gradFV = netFV.newGradient();
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

  @Benchmark
  public double lossDV() {
    return netDV.loss(batch, xD, yD);
  }

  @Benchmark
  public double gradDV() {
    return netDV.lossAndGradient(batch, xD, yD, gradDV);
  }

  @Benchmark
  public double lossFV() {
    return netFV.loss(batch, xF, yF);
  }

  @Benchmark
  public double gradFV() {
    return netFV.lossAndGradient(batch, xF, yF, gradFV);
  }
}
