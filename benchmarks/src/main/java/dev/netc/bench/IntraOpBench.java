package dev.netc.bench;

import dev.netc.runtime.Adam;
import dev.netc.runtime.IntraOp;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MLP 784-128-10 of {@link MlpBench}, vector build, with intra-op threads ({@link IntraOp}):
 * each large product and Adam's step over W1 shared by {@code threads} threads, at batch 1 and 64.
 * {@code threads=1} is the same code as {@code MlpBench.vec*}; compare {@code threads=2} with
 * PyTorch's two-thread column.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class IntraOpBench {
  @Param({"1", "64"})
  public int batch;

  @Param({"2"})
  public int threads;

  dev.netc.bench.gen.dv.Mlp vecD;
  dev.netc.bench.gen.dv.Mlp.Gradient gradD;
  Adam adamD;
  dev.netc.bench.gen.fv.Mlp vecF;
  dev.netc.bench.gen.fv.Mlp.Gradient gradF;
  Adam adamF;
  double[] xD;
  double[] yD;
  float[] xF;
  float[] yF;

  @Setup(Level.Trial)
  public void setup() {
    IntraOp.setThreads(threads);
    vecD = new dev.netc.bench.gen.dv.Mlp(42L);
    gradD = vecD.newGradient();
    adamD = new Adam(1e-3);
    vecF = new dev.netc.bench.gen.fv.Mlp(42L);
    gradF = vecF.newGradient();
    adamF = new Adam(1e-3);
    double[][] data = Data.mlp(batch, 7L);
    xD = data[0];
    yD = data[1];
    xF = Data.toFloat(xD);
    yF = Data.toFloat(yD);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    IntraOp.setThreads(1);
  }

  @Benchmark
  public double lossD() {
    return vecD.loss(batch, xD, yD);
  }

  @Benchmark
  public double gradD() {
    return vecD.lossAndGradient(batch, xD, yD, gradD);
  }

  @Benchmark
  public double trainD() {
    double loss = vecD.lossAndGradient(batch, xD, yD, gradD);
    adamD.step(vecD, gradD);
    return loss;
  }

  @Benchmark
  public double lossF() {
    return vecF.loss(batch, xF, yF);
  }

  @Benchmark
  public double gradF() {
    return vecF.lossAndGradient(batch, xF, yF, gradF);
  }

  @Benchmark
  public double trainF() {
    double loss = vecF.lossAndGradient(batch, xF, yF, gradF);
    adamF.step(vecF, gradF);
    return loss;
  }
}
