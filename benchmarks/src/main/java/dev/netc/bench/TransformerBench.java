package dev.netc.bench;

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
 * Issue 21's one-block causal transformer on characters (src/main/net/transformer.net, the sizes
 * of samples/words/transformer.net before its token shift: T 16, vocabulary 28, d 64, 4 heads of 16, a gelu MLP of 256,
 * pre-norm layer norms), one thread, batch 32: {@code loss} (forward) and {@code lossAndGradient}
 * (forward + backward) in float32 and float64, in the plain Java build ({@code gen.d}, {@code gen.f}:
 * what a JVM without the Vector API module runs) and the Vector API build ({@code gen.dv},
 * {@code gen.fv}: what the default class runs with the module, as under {@code ./netc}). Random ids in 1..27, no
 * padding. {@code netc check --cost} counts 1.77 MFLOP per example forward and 5.74 forward +
 * backward. benchmarks/pytorch_bench.py's {@code transformer} workload times the same step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TransformerBench {
  @Param({"32"})
  public int batch;

  dev.netc.bench.gen.d.WordsTransformer netD;
  dev.netc.bench.gen.d.WordsTransformer.Gradient gradD;
  dev.netc.bench.gen.f.WordsTransformer netF;
  dev.netc.bench.gen.f.WordsTransformer.Gradient gradF;
  dev.netc.bench.gen.dv.WordsTransformer netDV;
  dev.netc.bench.gen.dv.WordsTransformer.Gradient gradDV;
  dev.netc.bench.gen.fv.WordsTransformer netFV;
  dev.netc.bench.gen.fv.WordsTransformer.Gradient gradFV;
  int[] tok;
  int[] next;

  @Setup(Level.Trial)
  public void setup() {
    netD = new dev.netc.bench.gen.d.WordsTransformer(42L);
    gradD = netD.newGradient();
    netF = new dev.netc.bench.gen.f.WordsTransformer(42L);
    gradF = netF.newGradient();
    netDV = new dev.netc.bench.gen.dv.WordsTransformer(42L);
    gradDV = netDV.newGradient();
    netFV = new dev.netc.bench.gen.fv.WordsTransformer(42L);
    gradFV = netFV.newGradient();
    SplittableRandom random = new SplittableRandom(7L);
    tok = random.ints(batch * 16L, 1, 28).toArray();
    next = random.ints(batch * 16L, 1, 28).toArray();
  }

  @Benchmark
  public double lossD() {
    return netD.loss(batch, tok, next);
  }

  @Benchmark
  public double gradD() {
    return netD.lossAndGradient(batch, tok, next, gradD);
  }

  @Benchmark
  public double lossF() {
    return netF.loss(batch, tok, next);
  }

  @Benchmark
  public double gradF() {
    return netF.lossAndGradient(batch, tok, next, gradF);
  }

  @Benchmark
  public double lossDV() {
    return netDV.loss(batch, tok, next);
  }

  @Benchmark
  public double gradDV() {
    return netDV.lossAndGradient(batch, tok, next, gradDV);
  }

  @Benchmark
  public double lossFV() {
    return netFV.loss(batch, tok, next);
  }

  @Benchmark
  public double gradFV() {
    return netFV.lossAndGradient(batch, tok, next, gradFV);
  }
}
