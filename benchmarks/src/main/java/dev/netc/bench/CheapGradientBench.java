package dev.netc.bench;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
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
 * The cheap-gradient check: {@code lossAndGradient} over {@code loss} for tanh chains of depth
 * 1, 4, 16, 64 and width 16, 128, 512 (generated {@code ChainD<depth>W<width>}, double, batch 1).
 * The ratio must stay at or under 3 and not grow with depth; central finite differences would
 * cost 2 x params x loss. Calls go through {@link Model}'s batch methods, which for a double
 * model forward straight to the typed ones.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CheapGradientBench {
  @Param({"1", "4", "16", "64"})
  public int depth;

  @Param({"16", "128", "512"})
  public int width;

  @Param("1")
  public int batch;

  /** The generated package: {@code d} (double), {@code dv} (double, compiled with vector). */
  @Param({"d", "dv"})
  public String build;

  Model model;
  Gradient grad;
  double[][] x;
  double[][] y;

  @Setup(Level.Trial)
  public void setup() throws ReflectiveOperationException {
    String cls = "dev.netc.bench.gen." + build + ".ChainD" + depth + "W" + width;
    model = (Model) Class.forName(cls).getConstructor(long.class).newInstance(42L);
    grad = model.newGradient();
    double[][] data = Data.chain(batch, width, 7L);
    x = new double[][] {data[0]};
    y = new double[][] {data[1]};
  }

  @Benchmark
  public double loss() {
    return model.lossBatch(batch, x, y);
  }

  @Benchmark
  public double lossAndGradient() {
    return model.lossAndGradientBatch(batch, x, y, grad);
  }
}
