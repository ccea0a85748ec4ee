package dev.netc.bench;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Gradient;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * A GRU language model's step (issue 21; resources dev/netc/bench/gru.net: embedding 32, hidden
 * 128, T 16, vocabulary 30, softmax cross-entropy over the 16 rows with padding id 0), one thread,
 * batch 32: {@code loss} (the forward loop) and {@code lossAndGradient} (forward and
 * backpropagation through time), float32 and float64. The network is compiled when the benchmark
 * starts (NetcCompiler and javac in memory, the class's default kernels: the Vector API's, since
 * the fork runs with the module, as {@code ./netc train} does), and called through its typed methods ({@code int[]} ids). About
 * 1.05 M multiply-adds (2.1 MFLOP) per example forward: 16 steps of three gates of 128 x (32 + 128)
 * and the read-out 30 x 128; 67 MFLOP per batch of 32.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GruBench {
  @Param({"32"})
  public int batch;

  Object netD;
  Object netF;
  Gradient gradD;
  Gradient gradF;
  Method lossD;
  Method gradMethodD;
  Method lossF;
  Method gradMethodF;
  int[] tok;
  int[] next;

  static Object compile(boolean isFloat) throws Exception {
    String text;
    try (var in = GruBench.class.getResourceAsStream("gru.net")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile("gru.net", text)),
        new NetcCompiler.Options("dev.netc.bench.gru" + (isFloat ? "f" : "d"), isFloat));
    if (r.hasErrors()) {
      throw new IllegalStateException(r.diagnostics().all().toString());
    }
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(r.files());
    return c.load(r.files().get(0).qualifiedName()).getConstructor(long.class).newInstance(42L);
  }

  @Setup(Level.Trial)
  public void setup() throws Exception {
    netD = compile(false);
    netF = compile(true);
    gradD = ((dev.netc.runtime.Model) netD).newGradient();
    gradF = ((dev.netc.runtime.Model) netF).newGradient();
    lossD = netD.getClass().getMethod("loss", int.class, int[].class, int[].class);
    lossF = netF.getClass().getMethod("loss", int.class, int[].class, int[].class);
    gradMethodD = netD.getClass().getMethod("lossAndGradient", int.class, int[].class, int[].class, gradD.getClass());
    gradMethodF = netF.getClass().getMethod("lossAndGradient", int.class, int[].class, int[].class, gradF.getClass());
    Random rnd = new Random(7);
    tok = new int[batch * 16];
    next = new int[batch * 16];
    for (int i = 0; i < tok.length; i++) {
      tok[i] = 1 + rnd.nextInt(29);
      next[i] = rnd.nextInt(30);
    }
  }

  @Benchmark
  public Object lossD() throws Exception {
    return lossD.invoke(netD, batch, tok, next);
  }

  @Benchmark
  public Object gradD() throws Exception {
    return gradMethodD.invoke(netD, batch, tok, next, gradD);
  }

  @Benchmark
  public Object lossF() throws Exception {
    return lossF.invoke(netF, batch, tok, next);
  }

  @Benchmark
  public Object gradF() throws Exception {
    return gradMethodF.invoke(netF, batch, tok, next, gradF);
  }
}
