package dev.netc.bench;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParallelModel;
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
 * Two threads against one on the MLP 784-128-10 at batch 256: the generated class alone, and
 * {@link ParallelModel} splitting each batch across two instances (issue #7's goal: at least
 * 1.7x). Through the {@code Model} interface in both cases, double and float.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ThreadsBench {
  @Param({"256"})
  public int batch;

  @Param({"double", "float"})
  public String precision;

  Model one;
  Gradient gradOne;
  ParallelModel two;
  Gradient gradTwo;
  double[][] x;
  double[][] y;

  @Setup(Level.Trial)
  public void setup() {
    boolean f = precision.equals("float");
    one = f ? new dev.netc.bench.gen.f.Mlp(42L) : new dev.netc.bench.gen.d.Mlp(42L);
    two = new ParallelModel(() -> f ? new dev.netc.bench.gen.f.Mlp(42L) : new dev.netc.bench.gen.d.Mlp(42L), 2, 32);
    gradOne = one.newGradient();
    gradTwo = two.newGradient();
    double[][] data = Data.mlp(batch, 7L);
    x = new double[][] {data[0]};
    y = new double[][] {data[1]};
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    two.close();
  }

  @Benchmark
  public double oneThread() {
    return one.lossAndGradientBatch(batch, x, y, gradOne);
  }

  @Benchmark
  public double twoThreads() {
    return two.lossAndGradientBatch(batch, x, y, gradTwo);
  }
}
