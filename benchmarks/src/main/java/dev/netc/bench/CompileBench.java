package dev.netc.bench;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Compile time: a 1,000-layer tanh chain (width 24) from {@code .net} text to Java source with
 * {@link NetcCompiler#compile}. Single shot; the first iteration of each fork is the cold time a
 * CLI user sees (run with {@code -wi 0}), later ones are warm. Goal: under 2 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 5)
@Fork(1)
public class CompileBench {
  @Param("1000")
  public int depth;

  @Benchmark
  public Object compileChain() {
    String text = ChainSource.chain("Deep", depth, 24);
    NetcCompiler.Result r = NetcCompiler.compile(
        List.of(new SourceFile("deep.net", text)), new NetcCompiler.Options("dev.netc.bench.deep", false));
    if (r.hasErrors() || r.files().size() != 1) {
      throw new IllegalStateException("compile failed: " + r.diagnostics());
    }
    return r.files().get(0).content();
  }

  /** A plain timed run: {@code java -cp benchmarks.jar dev.netc.bench.CompileBench [depth]}. */
  public static void main(String[] args) {
    CompileBench b = new CompileBench();
    try {
      b.depth = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    } catch (NumberFormatException e) {
      b.depth = -1;
    }
    if (b.depth < 1 || args.length > 1) {
      System.err.println("usage: CompileBench [depth >= 1]");
      System.exit(2);
    }
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      String java = (String) b.compileChain();
      long t1 = System.nanoTime();
      System.out.printf("compile %d-layer chain, run %d%s: %.0f ms (%d chars of Java)%n",
          b.depth, i + 1, i == 0 ? " (cold JVM)" : "", (t1 - t0) / 1e6, java.length());
    }
  }
}
