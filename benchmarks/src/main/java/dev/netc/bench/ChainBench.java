package dev.netc.bench;

import dev.netc.bench.hand.HandNetD;
import dev.netc.bench.hand.HandNetF;
import dev.netc.runtime.Adam;
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
 * Chain of 40 tanh layers of width 24 (mse), batch 1 and 32: netc's generated class against the hand-written baseline, double and float, for
 * {@code loss}, {@code lossAndGradient} and a training step (gradient + Adam, lr 1e-3). Params
 * start equal (copied from the netc model), data are the same.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ChainBench {
  @Param({"1", "32"})
  public int batch;

  dev.netc.bench.gen.d.Chain netcD;
  dev.netc.bench.gen.d.Chain.Gradient gradD;
  Adam adamD;
  dev.netc.bench.gen.f.Chain netcF;
  dev.netc.bench.gen.f.Chain.Gradient gradF;
  Adam adamF;
  dev.netc.bench.gen.dv.Chain vecD;
  dev.netc.bench.gen.dv.Chain.Gradient vecGradD;
  Adam vecAdamD;
  dev.netc.bench.gen.fv.Chain vecF;
  dev.netc.bench.gen.fv.Chain.Gradient vecGradF;
  Adam vecAdamF;
  HandNetD handD;
  HandNetF handF;
  double[] xD;
  double[] yD;
  float[] xF;
  float[] yF;

  @Setup(Level.Trial)
  public void setup() {
    netcD = new dev.netc.bench.gen.d.Chain(42L);
    gradD = netcD.newGradient();
    adamD = new Adam(1e-3);
    netcF = new dev.netc.bench.gen.f.Chain(42L);
    gradF = netcF.newGradient();
    adamF = new Adam(1e-3);
    vecD = new dev.netc.bench.gen.dv.Chain(42L);
    vecGradD = vecD.newGradient();
    vecAdamD = new Adam(1e-3);
    vecF = new dev.netc.bench.gen.fv.Chain(42L);
    vecGradF = vecF.newGradient();
    vecAdamF = new Adam(1e-3);
    handD = HandNetD.chain(40, 24, batch);
    handF = HandNetF.chain(40, 24, batch);
    Data.copyParams(netcD, handD);
    Data.copyParams(netcF, handF);
    double[][] data = Data.chain(batch, 24, 7L);
    xD = data[0];
    yD = data[1];
    xF = Data.toFloat(xD);
    yF = Data.toFloat(yD);
  }

  @Benchmark
  public double netcLossD() {
    return netcD.loss(batch, xD, yD);
  }

  @Benchmark
  public double handLossD() {
    return handD.loss(batch, xD, yD);
  }

  @Benchmark
  public double netcGradD() {
    return netcD.lossAndGradient(batch, xD, yD, gradD);
  }

  @Benchmark
  public double handGradD() {
    return handD.lossAndGradient(batch, xD, yD);
  }

  @Benchmark
  public double netcTrainD() {
    double loss = netcD.lossAndGradient(batch, xD, yD, gradD);
    adamD.step(netcD, gradD);
    return loss;
  }

  @Benchmark
  public double handTrainD() {
    return handD.trainStep(batch, xD, yD);
  }

  @Benchmark
  public double netcLossF() {
    return netcF.loss(batch, xF, yF);
  }

  @Benchmark
  public double handLossF() {
    return handF.loss(batch, xF, yF);
  }

  @Benchmark
  public double netcGradF() {
    return netcF.lossAndGradient(batch, xF, yF, gradF);
  }

  @Benchmark
  public double handGradF() {
    return handF.lossAndGradient(batch, xF, yF);
  }

  @Benchmark
  public double netcTrainF() {
    double loss = netcF.lossAndGradient(batch, xF, yF, gradF);
    adamF.step(netcF, gradF);
    return loss;
  }

  @Benchmark
  public double handTrainF() {
    return handF.trainStep(batch, xF, yF);
  }

  // the same network compiled with vector (the Vector API kernels)

  @Benchmark
  public double vecLossD() {
    return vecD.loss(batch, xD, yD);
  }

  @Benchmark
  public double vecGradD() {
    return vecD.lossAndGradient(batch, xD, yD, vecGradD);
  }

  @Benchmark
  public double vecTrainD() {
    double loss = vecD.lossAndGradient(batch, xD, yD, vecGradD);
    vecAdamD.step(vecD, vecGradD);
    return loss;
  }

  @Benchmark
  public double vecLossF() {
    return vecF.loss(batch, xF, yF);
  }

  @Benchmark
  public double vecGradF() {
    return vecF.lossAndGradient(batch, xF, yF, vecGradF);
  }

  @Benchmark
  public double vecTrainF() {
    double loss = vecF.lossAndGradient(batch, xF, yF, vecGradF);
    vecAdamF.step(vecF, vecGradF);
    return loss;
  }
}
