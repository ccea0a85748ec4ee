package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Kinks;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Property tests of {@code grad(f, v)} inside a loss (reverse-over-reverse), with random
 * networks: one to three dense layers of random sizes (1..4) and a random activation (tanh,
 * sigmoid, softplus, sin, relu, square), a loss that adds to the fit one of several penalties
 * built from {@code grad} (an input-gradient penalty as in WGAN-GP, a parameter-gradient norm,
 * a gradient with respect to a hidden layer, a directional derivative, grad nested in grad, a
 * grad through a def), and random values in [-1, 1] at least
 * 1e-3 from every kink (testing.Kinks). On each:
 * <ul>
 *   <li>the value of {@code grad(f, v)} (an output) equals central differences of f's value
 *       with respect to v when v is an input or param, to 1e-6 (1 + |numeric|): grad is the
 *       first-order gradient;</li>
 *   <li>the loss's gradients, which differentiate the first pass's backward ops again, equal
 *       central differences of the loss (testing.GradCheck), to 1e-6 (1 + |numeric|);</li>
 *   <li>the generated class (double) computes the evaluator's loss, outputs, param gradients and
 *       input gradients to 1e-10 of max(1, |value|).</li>
 * </ul>
 * Index definitions (convolution, pooling: SCATTER and WINNERS nodes in the first pass) are in
 * {@link #indexDefinitions()}.
 */
class GradPropertiesTest {
  static final long SEED = 20_261_205L;
  static final int EXAMPLES = Integer.getInteger("netc.gradProperties", 40);
  static final double FD = 1e-6;

  /** A network with grad in its loss and an output holding the grad's value. */
  record Case(String source, String f, String v, long values) {
    @Override
    public String toString() {
      return "\n" + source + "f = " + f + ", v = " + v + ", values " + values;
    }
  }

  private static final List<String> ACTS = List.of("tanh", "sigmoid", "softplus", "sin", "relu", "square");

  @Test
  void gradInsideALossIsExactToSecondOrder() {
    List<Case> cases = new ArrayList<>();
    qt().withExamples(EXAMPLES).withFixedSeed(SEED).forAll(gen()).checkAssert(cases::add);
    int[] counts = new int[3];
    for (Case k : cases) {
      check(k, counts);
    }
    System.out.printf("%d networks with grad in the loss (%d skipped near kinks), %d entries checked%n",
        counts[0], counts[1], counts[2]);
    assertTrue(counts[0] >= cases.size() * 3 / 4, counts[0] + " of " + cases.size());
  }

  @Test
  void indexDefinitions() {
    String conv = """
        network GpConv {
          input x[1, 6, 6]
          param K[2, 1, 3, 3]
          param c[2, 1, 1]
          param w[8]
          target y[1]
          h = tanh(conv2d(x, K) + c)
          m = max_pool2d(h, 2)
          s = sum(flatten(m) .* w)
          g = grad(s + sum(square(h)), x)
          output g
          loss = square(s - sum(y)) + 0.5 * sum(square(g))
        }
        """;
    String window = """
        network GpWindow {
          input x[6]
          param w[3]
          target t[4]
          y[i] = sum(p) x[i + p] * w[p] where i < 4
          z[i] = max(j) y[i] * x[i + j] where j < 3
          f = sum(square(z)) + sum(softplus(y))
          g = grad(f, w)
          output g
          loss = mse(y, t) + sum(square(g)) + sum(grad(f, x) .* x)
        }
        """;
    int[] counts = new int[3];
    check(new Case(conv, "s + sum(square(h))", "x", 3), counts);
    check(new Case(window, "f", "w", 4), counts);
    assertEquals(2, counts[0], "checked (none near a kink)");
  }

  /** A tanh chain of {@code layers} layers of width 8 with WGAN-GP's penalty on its input gradient. */
  static String deepPenalty(int layers) {
    StringBuilder b = new StringBuilder("network Deep {\n input x[8]\n target y[8]\n");
    String h = "x";
    for (int l = 1; l <= layers; l++) {
      b.append(" param W").append(l).append("[8, 8]\n param b").append(l).append("[8]\n");
      b.append(" h").append(l).append(" = tanh(W").append(l).append(" * ").append(h).append(" + b").append(l).append(")\n");
      h = "h" + l;
    }
    return b.append(" output ").append(h).append("\n loss = mse(").append(h).append(", y) + 10 * square(norm(grad(sum(")
        .append(h).append("), x)) - 1)\n}\n").toString();
  }

  /**
   * The generated code's rules hold with grad in the loss: no method over the JIT's 8,000 bytes
   * for a 150-layer chain (double and float), and lossAndGradient allocates nothing once warm.
   */
  @Test
  void deepPenaltyHasSmallMethodsAndAllocatesNothing() throws java.io.IOException {
    for (boolean isFloat : new boolean[] {false, true}) {
      List<Emitter.GeneratedFile> files = Codegen.generate("deep.net", deepPenalty(150), isFloat);
      MethodSizeTest.assertSmall(Codegen.javac(files), "150-layer chain with a gradient penalty" + (isFloat ? " float" : ""));
    }
    Model m = Codegen.model(deepPenalty(10), false, 1);
    Random r = new Random(1);
    int batch = AllocationTest.BATCH;
    double[][] x = {new double[batch * 8]};
    double[][] y = {new double[batch * 8]};
    for (int i = 0; i < x[0].length; i++) {
      x[0][i] = r.nextGaussian();
      y[0][i] = r.nextGaussian();
    }
    Gradient g = m.newGradient();
    double[][] dx = {new double[8]};
    AllocationTest.assertNoAllocation("10-layer penalty lossAndGradientBatch", () -> m.lossAndGradientBatch(batch, x, y, g));
    AllocationTest.assertNoAllocation("10-layer penalty inputGradient", () -> m.inputGradient(x, y, dx));
  }

  private Gen<Case> gen() {
    return in -> {
      int layers = between(in, 1, 3);
      int[] width = new int[layers + 1];
      width[0] = between(in, 1, 4);
      String act = ACTS.get(between(in, 0, ACTS.size() - 1));
      StringBuilder net = new StringBuilder();
      net.append("input x[").append(width[0]).append("]\n");
      String h = "x";
      for (int l = 1; l <= layers; l++) {
        width[l] = between(in, 1, 4);
        net.append("param W").append(l).append('[').append(width[l]).append(", ").append(width[l - 1]).append("]\n");
        net.append("param b").append(l).append('[').append(width[l]).append("]\n");
        net.append('h').append(l).append(" = ").append(act).append("(W").append(l).append(" * ").append(h)
            .append(" + b").append(l).append(")\n");
        h = "h" + l;
      }
      net.append("target t[").append(width[layers]).append("]\n");
      String f;
      String v;
      String penalty;
      switch (between(in, 0, 6)) {
        case 0 -> { // WGAN-GP
          f = "sum(" + h + ")";
          v = "x";
          penalty = "10 * square(norm(g) - 1)";
        }
        case 1 -> { // the norm of the fit's parameter gradient
          f = "mse(" + h + ", t)";
          v = "W1";
          penalty = "0.5 * sum(square(g))";
        }
        case 2 -> { // a hidden layer
          f = "sum(square(" + h + "))";
          v = layers > 1 ? "h1" : "b1";
          penalty = "sum(g .* g) + sum(" + (layers > 1 ? "h1" : "b1") + " .* g)";
        }
        case 3 -> { // a directional derivative along the input
          f = "logsumexp(" + h + ")";
          v = "x";
          penalty = "square(dot(g, x))";
        }
        case 4 -> { // grad nested in grad (third derivatives in the loss's gradient)
          f = "sum(square(grad(sum(" + h + "), x)))";
          v = "x";
          penalty = "sum(g)";
        }
        case 5 -> { // through a def, with respect to the last weights
          f = "energy(" + h + ")";
          v = "W" + layers;
          penalty = "sum(square(g))";
        }
        default -> { // softmax cross-entropy, gradient with respect to the last bias
          f = "softmax_cross_entropy(" + h + ", t)";
          v = "b" + layers;
          penalty = "sum(square(g))";
        }
      }
      net.append("g = grad(").append(f).append(", ").append(v).append(")\n");
      if (!f.contains("t)")) {
        net.append("output g\n"); // predict has no targets
      }
      net.append("loss = mse(").append(h).append(", t) + ").append(penalty).append('\n');
      String defs = "def energy(z) = sum(softplus(z) .* z)\n";
      String name = "G" + Integer.toHexString(net.toString().hashCode());
      String source = defs + "network " + name + " {\n" + net.toString().indent(2) + "}\n";
      return new Case(source, f, v, longs().all().generate(in));
    };
  }

  /** counts: [checked, skipped near a kink, entries compared with finite differences]. */
  private static void check(Case k, int[] counts) {
    Compilation c = Compilation.of(List.of(new SourceFile("test.net", k.source())), "");
    assertTrue(!c.hasErrors(), () -> "does not compile: " + c.diagnostics().all() + k);
    Dag dag = c.dags().get(0);
    Map<String, double[]> v = null;
    for (int attempt = 0; attempt < 20 && v == null; attempt++) {
      Map<String, double[]> candidate = values(dag, k.values() + attempt);
      if (Kinks.safe(dag, candidate, 1e-3)) {
        v = candidate;
      }
    }
    if (v == null) {
      counts[1]++;
      return;
    }
    counts[0]++;
    Map<Node, double[]> at = Eval.run(dag.nodes(), v);

    // grad's value: central differences of f with respect to v (an input or a param)
    boolean leafV = dag.nodes().stream().anyMatch(n -> k.v().equals(n.name()) && (n.op() == Op.INPUT || n.op() == Op.PARAM));
    if (leafV) {
      Compilation fc = Compilation.of(List.of(new SourceFile("f.net", fOnly(k))), "");
      assertTrue(!fc.hasErrors(), () -> "f alone does not compile: " + fc.diagnostics().all() + k);
      Dag fd = fc.dags().get(0);
      List<Node> fNodes = Dag.closure(fd.nodes(), List.of(fd.loss()));
      double[] g = Eval.run(fd.nodes(), v).get(fd.outputs().get("g"));
      for (int i = 0; i < g.length; i++) {
        double numeric = GradCheck.numericPartial(fNodes, fd.loss(), v, k.v(), i);
        assertTrue(Math.abs(g[i] - numeric) <= FD * (1 + Math.abs(numeric)),
            "grad(f, " + k.v() + ")[" + i + "]: " + g[i] + " vs " + numeric + k);
        counts[2]++;
      }
    }

    // the loss's gradients (second derivatives of f inside) against central differences
    List<Node> lossNodes = Dag.closure(dag.nodes(), List.of(dag.loss()));
    Map<String, Node> all = new LinkedHashMap<>(dag.paramGradients());
    all.putAll(dag.inputGradients());
    final Map<String, double[]> point = v;
    all.forEach((name, node) -> {
      double[] symbolic = at.get(node);
      for (int i = 0; i < symbolic.length; i++) {
        double numeric = GradCheck.numericPartial(lossNodes, dag.loss(), point, name, i);
        assertTrue(Math.abs(symbolic[i] - numeric) <= FD * (1 + Math.abs(numeric)),
            "d loss / d " + name + "[" + i + "]: " + symbolic[i] + " vs " + numeric + k);
        counts[2]++;
      }
    });

    // the generated class computes what the evaluator does
    Emitter.GeneratedFile file = Emitter.emit(dag, false, false, "test.net");
    InMemoryCompiler.Compiled compiled = Codegen.javac(List.of(file));
    Model m = Codegen.newModel(compiled, file.qualifiedName(), 0);
    for (int i = 0; i < m.params().size(); i++) {
      double[] p = v.get(m.params().get(i).name());
      System.arraycopy(p, 0, (double[]) m.paramData(i), 0, p.length);
    }
    double[][] in = new double[m.inputs().size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = v.get(m.inputs().get(i).name());
    }
    double[][] tg = new double[m.targets().size()][];
    for (int i = 0; i < tg.length; i++) {
      tg[i] = v.get(m.targets().get(i).name());
    }
    Gradient gr = m.newGradient();
    same(at.get(dag.loss()), new double[] {m.lossAndGradientBatch(1, in, tg, gr)}, "generated loss", k);
    for (int i = 0; i < m.params().size(); i++) {
      String name = m.params().get(i).name();
      same(at.get(dag.paramGradients().get(name)), (double[]) gr.data(i), "generated d loss / d " + name, k);
    }
    double[][] out = new double[m.outputs().size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new double[at.get(dag.outputs().get(m.outputs().get(i).name())).length];
    }
    m.predictBatch(1, in, out);
    for (int i = 0; i < out.length; i++) {
      same(at.get(dag.outputs().get(m.outputs().get(i).name())), out[i], "generated output " + m.outputs().get(i).name(), k);
    }
    double[][] ig = new double[in.length][];
    for (int i = 0; i < in.length; i++) {
      ig[i] = new double[in[i].length];
    }
    m.inputGradient(in, tg, ig);
    for (int i = 0; i < in.length; i++) {
      String name = m.inputs().get(i).name();
      same(at.get(dag.inputGradients().get(name)), ig[i], "generated d loss / d " + name, k);
    }
  }

  /**
   * The case's network with f as its loss and g as an output (the target an input, so that
   * predict may compute g when f reads it): to difference f alone and read g beside it.
   */
  private static String fOnly(Case k) {
    String s = k.source().replace("target t[", "input t[");
    int g = s.indexOf("  g = grad(");
    int loss = s.indexOf("  loss = ");
    int end = s.indexOf('\n', loss);
    return s.substring(0, g) + "  g = grad(" + k.f() + ", " + k.v() + ")\n  output g\n  loss = " + k.f()
        + s.substring(end);
  }

  private static void same(double[] want, double[] got, String what, Case k) {
    assertEquals(want.length, got.length, what + k);
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i] - got[i]) <= 1e-10 * Math.max(1, Math.abs(want[i])))) {
        throw new AssertionError(what + "[" + i + "]: " + want[i] + " vs " + got[i] + k);
      }
    }
  }

  /** Uniform values in [-1, 1] for every input, target and param of {@code dag}'s network. */
  static Map<String, double[]> values(Dag dag, long seed) {
    Random rnd = new Random(seed);
    Map<String, double[]> v = new HashMap<>();
    List<dev.netc.compiler.model.Symbol> leaves = new ArrayList<>(dag.network().inputs());
    leaves.addAll(dag.network().targets());
    dag.network().params().forEach(p -> leaves.add(p.symbol()));
    for (dev.netc.compiler.model.Symbol n : leaves) {
      double[] a = new double[n.shape().size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = rnd.nextDouble() * 2 - 1;
      }
      v.put(n.name(), a);
    }
    return v;
  }

  private static int between(RandomnessSource in, int lo, int hi) {
    return integers().between(lo, hi).generate(in);
  }
}
