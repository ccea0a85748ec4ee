package dev.netc.bench;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cheap-gradient check of {@link CheapGradientBench}, {@code lossAndGradient} over
 * {@code loss} for the tanh chains of depth 1, 4, 16, 64 and width 16, 128, 512 (double, batch 1),
 * measured interleaved in one JVM so that a shared host's drift falls on both sides of the ratio.
 * JMH runs every chain's {@code loss} first and every {@code lossAndGradient} minutes later, and on
 * a host whose speed moves by 10-40% between forks the chains near 3 crossed it in one run and not
 * in the next.
 *
 * <p>Each round times a block of {@code loss} calls and then a block of {@code lossAndGradient}
 * calls, each block about {@code blockMillis} long (at least 3 calls), and takes the ratio of
 * their means; the result is the median of those ratios over the rounds, with the quartiles. A
 * block's first call finds the caches as the other block left them, which matters only for
 * chains whose params fit in a cache, and those make hundreds of calls per block.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.netc.bench.CheapGradientInterleaved [d|dv|both] [rounds] [blockMillis]</pre>
 */
public final class CheapGradientInterleaved {
  private CheapGradientInterleaved() {}

  static final int[] DEPTHS = {1, 4, 16, 64};
  static final int[] WIDTHS = {16, 128, 512};

  /** The median, first and third quartile of the per-round ratios, and the median block means. */
  record Result(String build, int depth, int width, double loss, double grad, double ratio, double q1,
      double q3) {}

  public static void main(String[] args) throws ReflectiveOperationException {
    String which = args.length > 0 ? args[0] : "both";
    int rounds = 15;
    double blockMillis = 20;
    try {
      rounds = args.length > 1 ? Integer.parseInt(args[1]) : rounds;
      blockMillis = args.length > 2 ? Double.parseDouble(args[2]) : blockMillis;
    } catch (NumberFormatException e) {
      rounds = -1;
    }
    if (!List.of("d", "dv", "both").contains(which) || rounds < 1 || !(blockMillis > 0) || args.length > 3) {
      System.err.println("usage: CheapGradientInterleaved [d|dv|both] [rounds >= 1] [blockMillis > 0]");
      System.exit(2);
    }
    List<String> builds = which.equals("both") ? List.of("d", "dv") : List.of(which);
    List<Result> results = new ArrayList<>();
    for (String build : builds) {
      for (int depth : DEPTHS) {
        for (int width : WIDTHS) {
          results.add(measure(build, depth, width, rounds, blockMillis));
        }
      }
    }
    System.out.printf("Cheap gradient, interleaved (double, batch 1): %d rounds of a loss block and a"
        + " lossAndGradient block of about %.0f ms each; ratio = median over the rounds (quartiles)%n",
        rounds, blockMillis);
    System.out.printf("%-5s %5s %5s %12s %16s %6s %13s%n", "build", "depth", "width", "loss", "lossAndGradient",
        "ratio", "(q1 - q3)");
    for (Result r : results) {
      System.out.printf("%-5s %5d %5d %12s %16s %6.2f %13s%n", r.build(), r.depth(), r.width(), time(r.loss()),
          time(r.grad()), r.ratio(), String.format("(%.2f - %.2f)", r.q1(), r.q3()));
    }
  }

  static Result measure(String build, int depth, int width, int rounds, double blockMillis)
      throws ReflectiveOperationException {
    String cls = "dev.netc.bench.gen." + build + ".ChainD" + depth + "W" + width;
    Model model = (Model) Class.forName(cls).getConstructor(long.class).newInstance(42L);
    Gradient grad = model.newGradient();
    double[][] data = Data.chain(1, width, 7L);
    double[][] x = {data[0]};
    double[][] y = {data[1]};
    double sink = 0;
    // warm up both methods until they are compiled, then size the blocks
    long warmEnd = System.nanoTime() + 1_000_000_000L;
    long lossCalls = 0;
    long lossNanos = 0;
    while (System.nanoTime() < warmEnd || lossCalls < 5) {
      long t0 = System.nanoTime();
      sink += model.lossBatch(1, x, y);
      long t1 = System.nanoTime();
      sink += model.lossAndGradientBatch(1, x, y, grad);
      lossNanos += t1 - t0;
      lossCalls++;
    }
    int calls = (int) Math.max(3, Math.min(1_000_000, blockMillis * 1e6 / Math.max(1, lossNanos / lossCalls)));
    double[] loss = new double[rounds];
    double[] gradient = new double[rounds];
    double[] ratio = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        sink += model.lossBatch(1, x, y);
      }
      long t1 = System.nanoTime();
      // the gradient block has the same number of calls: its time is what the ratio measures
      for (int i = 0; i < calls; i++) {
        sink += model.lossAndGradientBatch(1, x, y, grad);
      }
      long t2 = System.nanoTime();
      loss[round] = (t1 - t0) / (double) calls;
      gradient[round] = (t2 - t1) / (double) calls;
      ratio[round] = gradient[round] / loss[round];
    }
    if (Double.isNaN(sink)) {
      System.out.println(sink);
    }
    double[] sorted = ratio.clone();
    Arrays.sort(sorted);
    return new Result(build, depth, width, Stats.median(loss), Stats.median(gradient), Stats.median(ratio),
        sorted[(rounds - 1) / 4], sorted[(3 * (rounds - 1) + 3) / 4]);
  }

  static String time(double ns) {
    if (ns >= 1e6) {
      return String.format("%.2f ms", ns / 1e6);
    }
    return ns >= 1e3 ? String.format("%.2f us", ns / 1e3) : String.format("%.0f ns", ns);
  }
}
