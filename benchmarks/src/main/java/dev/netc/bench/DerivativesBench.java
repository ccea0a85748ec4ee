package dev.netc.bench;

import dev.netc.bench.gen.dd.Chain;
import java.util.Random;
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
 * ChainBench's network (40 tanh layers of width 24, mse), compiled with {@code jvp} and
 * {@code hvp} (double): {@code loss}, {@code lossAndGradient}, {@code jvp} (a tangent of the
 * input and of every param) and {@code hvp} (a vector of every param), batch 1 and 32. The goal
 * (issue 22): jvp at most 3 times and hvp at most 5 times the time of loss.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class DerivativesBench {
  @Param({"1", "32"})
  public int batch;

  Chain net;
  Chain.Gradient grad;
  Chain.Gradient tangent;
  Chain.Gradient product;
  double[] x;
  double[] y;
  double[] tangentX;
  double[] tangentOut;

  @Setup(Level.Trial)
  public void setup() {
    net = new Chain(42L);
    grad = net.newGradient();
    tangent = net.newGradient();
    product = net.newGradient();
    Random r = new Random(3);
    for (int p = 0; p < net.params().size(); p++) {
      double[] t = (double[]) tangent.data(p);
      for (int i = 0; i < t.length; i++) {
        t[i] = r.nextGaussian();
      }
    }
    double[][] data = Data.chain(batch, 24, 7L);
    x = data[0];
    y = data[1];
    tangentX = new double[x.length];
    for (int i = 0; i < tangentX.length; i++) {
      tangentX[i] = r.nextGaussian();
    }
    tangentOut = new double[batch * 24];
  }

  @Benchmark
  public double loss() {
    return net.loss(batch, x, y);
  }

  @Benchmark
  public double lossAndGradient() {
    return net.lossAndGradient(batch, x, y, grad);
  }

  @Benchmark
  public double jvp() {
    return net.jvp(batch, x, y, tangentX, tangent, tangentOut);
  }

  @Benchmark
  public double hvp() {
    return net.hvp(batch, x, y, tangent, product);
  }
}
