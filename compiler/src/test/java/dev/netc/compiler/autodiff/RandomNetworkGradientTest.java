package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Kinks;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Random well-typed networks (testing.RandomNetworks) of 1..40 operations mixing every op of the
 * spec: lowered, differentiated and optimized exactly as the compiler does it, and the gradient
 * of the loss with respect to every param and every input, evaluated by the reference evaluator,
 * checked against central finite differences (abs 1e-7 or rel 1e-5, as for the single ops).
 *
 * <p>The number of networks is 2000, or {@code -Dnetc.randomNetworks=N}. The seeds are 0..N-1, so
 * a failure names a seed that reproduces it. A point within 1e-3 of a kink (or with a value over
 * 1e6, see testing.Kinks) is resampled, up to 20 times; a network with no safe point is skipped,
 * and skips must stay under 1%.
 */
class RandomNetworkGradientTest {
  static final double ABS_TOL = 1e-7;
  static final double REL_TOL = 1e-5;
  static final int MAX_OPS = 40;
  static final int ATTEMPTS = 20;

  static int networks() {
    return Integer.getInteger("netc.randomNetworks", 2000);
  }

  @Test
  void gradientsOfRandomNetworksAgreeWithFiniteDifferences() {
    int n = networks();
    long start = System.nanoTime();
    int checked = 0;
    int skipped = 0;
    long ops = 0;
    long entries = 0;
    double maxLoss = 0;
    List<String> failures = new ArrayList<>();
    ReverseMode reverse = new ReverseMode(Rules.standard());
    for (long seed = 0; seed < n; seed++) {
      RandomNetworks.Generated g = RandomNetworks.generate(seed, MAX_OPS);
      Network net = Nets.check(g.source());
      Diagnostics d = new Diagnostics();
      Dag dag = Compilation.differentiated(net, reverse, d)
          .orElseThrow(() -> new AssertionError("seed " + g.name() + ": " + d.all()));
      Map<String, double[]> values = null;
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        Map<String, double[]> candidate = RandomNetworks.values(net, seed * 1_000_003L + attempt);
        if (Kinks.safe(dag, candidate, 1e-3)) {
          values = candidate;
          break;
        }
      }
      if (values == null) {
        skipped++;
        continue;
      }
      double loss = Math.abs(Eval.run(dag.nodes(), values).get(dag.loss())[0]);
      maxLoss = Math.max(maxLoss, loss);
      String mismatch = GradCheck.firstMismatch(dag, values, ABS_TOL, REL_TOL);
      if (mismatch != null) {
        failures.add("seed " + seed + ": " + mismatch + "\n" + g.source());
      }
      checked++;
      ops += g.ops();
      for (double[] v : values.values()) {
        entries += v.length;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("random networks: %d generated, %d checked, %d skipped (no point away from kinks), "
        + "%d failures; %d operations, %d leaf entries; largest |loss| %.3g; %.1f s%n", n, checked, skipped, failures.size(),
        ops, entries, maxLoss, seconds);
    failures.stream().limit(5).forEach(System.out::println);
    assertEquals(List.of(), failures.stream().limit(3).toList(), failures.size() + " networks disagree");
    assertTrue(skipped * 100 < n, "too many skipped: " + skipped + " of " + n);
  }

  /** The generator mixes every op and function of the spec, every shape, fan-out and repeats. */
  @Test
  void randomNetworksCoverTheLanguage() {
    java.util.Set<Op> seen = java.util.EnumSet.noneOf(Op.class);
    java.util.Set<String> text = new java.util.HashSet<>();
    int duplicated = 0;
    int fannedOut = 0;
    int maxOps = 0;
    for (long seed = 0; seed < 500; seed++) {
      RandomNetworks.Generated g = RandomNetworks.generate(seed, MAX_OPS);
      maxOps = Math.max(maxOps, g.ops());
      assertTrue(g.ops() >= 1 && g.ops() <= MAX_OPS);
      Dag dag = dev.netc.compiler.graph.Lowering.lower(Nets.check(g.source()));
      dag.nodes().forEach(x -> seen.add(x.op()));
      for (Op op : Op.values()) {
        if (op.functionName() != null && g.source().contains(op.functionName() + "(")) {
          text.add(op.functionName());
        }
      }
      for (String t : new String[] {" + ", " - ", " * ", " .* ", " \u2299 ", " / ", " ^ ", "^ -", "^ 0.5", "= -", "= +"}) {
        if (g.source().contains(t)) {
          text.add(t);
        }
      }
      List<String> defs = g.source().lines().filter(l -> l.matches("\\s+v\\d+ = .*")).map(l -> l.substring(l.indexOf('='))).toList();
      if (defs.size() != new java.util.HashSet<>(defs).size()) {
        duplicated++;
      }
      java.util.Map<dev.netc.compiler.graph.Node, Integer> uses = new java.util.HashMap<>();
      dag.nodes().forEach(x -> x.inputs().forEach(i -> uses.merge(i, 1, Integer::sum)));
      if (uses.values().stream().anyMatch(u -> u > 1)) {
        fannedOut++;
      }
    }
    for (Op op : Op.values()) {
      // stop_gradient disagrees with finite differences by design (CliFunctionsTest checks it)
      if (op.functionName() != null && op != Op.STOP_GRADIENT) {
        assertTrue(text.contains(op.functionName()), "never calls " + op.functionName());
      }
    }
    for (Op op : List.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG, Op.POW, Op.MATMUL, Op.TRANSPOSE, Op.OUTER,
        Op.MAX2, Op.MIN2, Op.MAX_ALL, Op.MIN_ALL, Op.BROADCAST, Op.LEAKY_RELU, Op.STEP, Op.SIGN, Op.HINGE)) {
      assertTrue(seen.contains(op), "never lowers to " + op);
    }
    assertEquals(11, text.stream().filter(t -> t.startsWith(" ") || t.startsWith("^") || t.startsWith("=")).count(),
        "operators seen: " + text);
    assertEquals(MAX_OPS, maxOps);
    assertTrue(duplicated > 100, "networks with a repeated definition: " + duplicated);
    assertTrue(fannedOut > 400, "networks with fan-out: " + fannedOut);
  }
}
