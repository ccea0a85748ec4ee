package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code grad(f, v)} inside the language: lowering builds f's adjoint nodes for v in the forward
 * DAG, and the compiler's reverse pass differentiates them again (reverse-over-reverse). The
 * property tests are emit.GradPropertiesTest; here, fixed cases: the gradient penalty
 * (with its size before and after the optimizer, for docs/autodiff.md), index definitions whose
 * first pass makes SCATTER nodes, the meaning for a named value (every path), stop_gradient and
 * custom derivatives inside f (as JAX), grad inside a def, and the rule table's coverage.
 */
class GradExpressionTest {
  /** The gradient penalty of LANGUAGE-2.md on a one-layer tanh network. */
  static final String PENALTY = """
      network Gp {
        input x[3]
        target y[2]
        param W[2, 3]
        param b[2]
        a = tanh(W * x + b)
        output a
        loss = mse(a, y) + 10 * square(norm(grad(sum(a), x)) - 1)
      }
      """;

  @Test
  void gradientPenaltyTrainsWithExactGradients() {
    Network net = Nets.check(PENALTY);
    Diagnostics d = new Diagnostics();
    Dag forward = Lowering.lower(net);
    Dag raw = new ReverseMode(Rules.standard()).differentiate(forward, d).orElseThrow();
    Dag dag = Compilation.differentiated(net, new ReverseMode(Rules.standard()), d).orElseThrow();
    int forwardOnly = Lowering.lower(Nets.check(PENALTY.replace("10 * square(norm(grad(sum(a), x)) - 1)", "0"))).nodes().size();
    System.out.printf("gradient penalty: forward without the penalty %d nodes, forward with grad %d, "
        + "with the loss's gradients %d (reachable %d), optimized %d%n", forwardOnly, forward.nodes().size(),
        raw.nodes().size(), Dag.closure(raw.nodes(), raw.roots()).size(), dag.nodes().size());
    assertTrue(dag.nodes().size() < Dag.closure(raw.nodes(), raw.roots()).size());
    if (Boolean.getBoolean("netc.dumpPenalty")) {
      dag.nodes().forEach(n -> System.out.println(n + " " + n.shape() + " " + n.inputs() + " attr " + n.attr() + " " + n.name()));
    }
    for (long seed = 1; seed <= 5; seed++) {
      Map<String, double[]> values = RandomNetworks.values(net, seed);
      assertNull(GradCheck.firstMismatch(dag, values, 1e-7, 1e-6), "seed " + seed);
    }
  }

  /**
   * Forward mode and forward-over-reverse on networks with grad in the loss (third derivatives
   * for hvp): jvp = gradient . tangent and central differences, hvp = central differences of the
   * gradient (ForwardModeTest's checks).
   */
  @Test
  void jvpAndHvpThroughGrad() {
    String conv = """
        network Fc {
          input x[1, 6, 6]
          param K[2, 1, 3, 3]
          param w[8]
          target t[1]
          h = tanh(conv2d(x, K, stride=1))
          m = max_pool2d(h, 2)
          s = sum(flatten(m) .* w)
          output m
          loss = square(s - sum(t)) + sum(square(grad(s, x))) + sum(square(grad(sum(h .* h), K)))
        }
        """;
    String nested = """
        network Fn {
          input x[3]
          param W[3, 3]
          e = sum(softplus(W * x))
          g = grad(e, x)
          output g
          loss = sum(square(grad(sum(square(g)), W))) + e
        }
        """;
    for (String src : List.of(PENALTY, conv, nested)) {
      String f = ForwardModeTest.check(src, 5);
      assertTrue(f != null, "no point away from kinks:\n" + src);
      assertEquals("", f, src);
    }
  }

  /** Reverse-over-reverse stays linear in depth: a tanh chain with WGAN-GP's penalty, 50, 100 and 200 layers. */
  @Test
  void penaltyGraphGrowsLinearly() {
    int[] sizes = new int[3];
    int[] depths = {50, 100, 200};
    for (int k = 0; k < 3; k++) {
      String src = dev.netc.compiler.emit.GradPropertiesTestAccess.deepPenalty(depths[k]);
      Network net = Nets.check(src);
      Diagnostics d = new Diagnostics();
      sizes[k] = Compilation.differentiated(net, new ReverseMode(Rules.standard()), d).orElseThrow().nodes().size();
    }
    System.out.printf("tanh chain with a gradient penalty, optimized DAG: 50 layers %d nodes, 100 %d, 200 %d%n",
        sizes[0], sizes[1], sizes[2]);
    assertEquals(sizes[2] - sizes[1], 2 * (sizes[1] - sizes[0]), 2 * 5, "per-layer growth");
  }

  /** docs/autodiff.md's worked example: d/dw of (d tanh(w x)/dx)^2 = 2g (1 - a^2)(1 - 2 w a x). */
  @Test
  void workedExample() {
    String src = "network We {\n input x\n param w\n a = tanh(w * x)\n loss = square(grad(a, x))\n}\n";
    Compilation c = Compilation.of(List.of(new SourceFile("we.net", src)), "");
    assertTrue(!c.hasErrors(), c.diagnostics().all().toString());
    Dag dag = c.dags().get(0);
    Map<Node, double[]> at = Eval.run(dag.nodes(), new HashMap<>(Map.of("x", new double[] {1}, "w", new double[] {0.5})));
    double a = Math.tanh(0.5);
    double g = 0.5 * (1 - a * a);
    assertEquals(g * g, at.get(dag.loss())[0], 1e-15);
    assertEquals(2 * g * (1 - a * a) * (1 - 2 * 0.5 * a), at.get(dag.paramGradients().get("w"))[0], 1e-15);
    assertEquals(0.332681, at.get(dag.paramGradients().get("w"))[0], 5e-7);
  }

  /** The first pass of a strided convolution and a max pool makes SCATTER nodes; the second differentiates them. */
  @Test
  void scattersAreDifferentiatedAgain() {
    String src = """
        network Sc {
          input x[1, 7, 7]
          param K[2, 1, 3, 3]
          target t[2, 1, 1]
          h = tanh(conv2d(x, K, stride=2))
          m = max_pool2d(h, 2)
          loss = mse(m, t) + sum(square(grad(sum(m .* m), K))) + sum(square(grad(sum(h), x)))
        }
        """;
    Network net = Nets.check(src);
    Dag forward = Lowering.lower(net);
    Set<Op> ops = EnumSet.noneOf(Op.class);
    forward.nodes().forEach(n -> ops.add(n.op()));
    assertTrue(ops.contains(Op.SCATTER), "the first pass made " + ops);
    Diagnostics d = new Diagnostics();
    Dag dag = Compilation.differentiated(net, new ReverseMode(Rules.standard()), d).orElseThrow(() -> new AssertionError(d.all()));
    for (long seed = 1; seed <= 3; seed++) {
      assertNull(GradCheck.firstMismatch(dag, RandomNetworks.values(net, seed), 1e-7, 1e-5), "seed " + seed);
    }
  }

  /** For a named value, the total derivative through every path, as torch.autograd.grad(f, h) for an intermediate h. */
  @Test
  void namedValueGetsEveryPath() {
    String src = """
        network Nv {
          input x[3]
          h = tanh(x)
          k = h .* h
          g = grad(sum(k) + sum(3 * h), h)
          output g
        }
        """;
    Map<String, double[]> v = Map.of("x", new double[] {0.3, -0.7, 1.1});
    double[] g = eval(src, "g", v);
    for (int i = 0; i < 3; i++) {
      assertEquals(2 * Math.tanh(v.get("x")[i]) + 3, g[i], 1e-15);
    }
  }

  /** Inside f, stop_gradient and a custom derivative act as in JAX: the inner gradient uses them, and so does the outer one. */
  @Test
  void stopGradientAndCustomDerivativesInside() {
    String src = """
        def half(z) = z
          grad(q) = 0.5 * q
        network Sg {
          input x[3]
          g = grad(sum(half(x) .* stop_gradient(x)), x)
          k = grad(sum(square(half(x))), x)
          output g, k
          loss = sum(square(g)) + sum(k)
        }
        """;
    Map<String, double[]> v = new HashMap<>(Map.of("x", new double[] {0.3, -0.7, 1.1}));
    double[] g = eval(src, "g", v);
    double[] k = eval(src, "k", v);
    for (int i = 0; i < 3; i++) {
      assertEquals(0.5 * v.get("x")[i], g[i], 1e-15);       // 0.5 * stop_gradient(x)
      assertEquals(v.get("x")[i], k[i], 1e-15);             // 0.5 * 2 * half(x)
    }
    // the loss's gradient: sum(square(g)) passes nothing (g is 0.5 stop_gradient(x)); sum(k) = sum(half(x)) passes 0.5 each
    Compilation c = Compilation.of(List.of(new SourceFile("sg.net", src)), "");
    Dag dag = c.dags().get(0);
    double[] dx = Eval.run(dag.nodes(), v).get(dag.inputGradients().get("x"));
    assertArrayEquals(new double[] {0.5, 0.5, 0.5}, dx, 1e-15);
  }

  /** grad in a def's body, with respect to a parameter of the def; and grad of grad. */
  @Test
  void insideADefAndNested() {
    String src = """
        def slope(f, z) = grad(f, z)
        def energy(z) {
          e = sum(z .* z .* z)
          return e
        }
        network Df {
          input x[2]
          g = slope(energy(x), x)
          g2 = grad(sum(grad(energy(x), x)), x)
          output g, g2
        }
        """;
    Map<String, double[]> v = Map.of("x", new double[] {0.5, -2});
    assertArrayEquals(new double[] {0.75, 12}, eval(src, "g", v), 1e-15);   // 3 x^2
    assertArrayEquals(new double[] {3, -12}, eval(src, "g2", v), 1e-15);    // 6 x
  }

  @Test
  void independentValueGivesZerosAndAWarning() {
    String src = """
        network Z {
          input x[3]
          param b[2]
          g = grad(sum(x), b)
          output g
          loss = sum(g) + sum(x .* x)
        }
        """;
    Compilation c = Compilation.of(List.of(new SourceFile("z.net", src)), "");
    assertTrue(!c.hasErrors(), c.diagnostics().all().toString());
    assertTrue(c.diagnostics().all().stream().anyMatch(x -> x.code().code().equals("W004")), c.diagnostics().all().toString());
    assertArrayEquals(new double[2], eval(src, "g", Map.of("x", new double[] {1, 2, 3}, "b", new double[2])), 0);
  }

  /** Every op a DAG can hold has a reverse rule, so reverse-over-reverse never meets an op without one. */
  @Test
  void everyDagOpHasARule() {
    Rules rules = Rules.standard();
    Set<Op> without = EnumSet.noneOf(Op.class);
    for (Op op : Op.values()) {
      if (rules.rule(op).isEmpty() && op != Op.CONST && op != Op.INPUT && op != Op.TARGET && op != Op.PARAM) {
        without.add(op);
      }
    }
    // these are lowered into other ops (graph.Lowering) or never reach a DAG (GRAD, MAX/MIN: MAX_ALL/MAX2,
    // STEP_IN: a for block's body leaf); SCAN_BACK and SCAN_GRAD, the reverse of a for block, have no
    // rule yet: differentiating them again is E090 (forBlocks)
    assertEquals(EnumSet.of(Op.MEAN, Op.DOT, Op.MSE, Op.L2, Op.CROSS_ENTROPY, Op.BINARY_CROSS_ENTROPY, Op.DROPOUT,
        Op.MAX, Op.MIN, Op.GRAD, Op.STEP_IN, Op.SCAN_BACK, Op.SCAN_GRAD), without);
  }

  /**
   * Through a for block: grad's value (its first pass makes a SCAN_BACK) equals central
   * differences; differentiating it again (grad in a loss) is E090 at the block, not a crash.
   */
  @Test
  void forBlocks() {
    String src = """
        network R {
          input x[4, 3]
          param W[5, 3]
          param U[5, 5]
          state h[5] = 0
          for t in 0 .. 4 {
            h = tanh(W * x[t] + U * h)
            z[t] = h
          }
          g = grad(sum(z .* z), x)
          output g
        }
        """;
    Network net = Nets.check(src);
    Dag forward = Lowering.lower(net);
    assertTrue(forward.nodes().stream().anyMatch(n -> n.op() == Op.SCAN_BACK));
    Map<String, double[]> v = RandomNetworks.values(net, 3);
    double[] g = Eval.run(forward.nodes(), v).get(forward.outputs().get("g"));
    Network f = Nets.check(src.replace("g = grad(sum(z .* z), x)\n  output g", "loss = sum(z .* z)"));
    Dag fd = Lowering.lower(f);
    List<Node> nodes = Dag.closure(fd.nodes(), List.of(fd.loss()));
    for (int i = 0; i < g.length; i++) {
      double numeric = GradCheck.numericPartial(nodes, fd.loss(), v, "x", i);
      assertEquals(numeric, g[i], 1e-6 * (1 + Math.abs(numeric)), "x[" + i + "]");
    }
    Compilation c = Compilation.of(List.of(new SourceFile("r.net", src.replace("output g", "loss = sum(square(g))"))), "");
    assertTrue(c.hasErrors());
    assertEquals("E090", c.diagnostics().all().get(0).code().code(), c.diagnostics().all().toString());
    assertEquals(6, c.diagnostics().all().get(0).pos().line(), c.diagnostics().all().toString());
  }

  private static double[] eval(String src, String output, Map<String, double[]> values) {
    Compilation c = Compilation.of(List.of(new SourceFile("t.net", src)), "");
    assertTrue(!c.hasErrors(), c.diagnostics().all().toString());
    Dag dag = c.dags().get(0);
    Node n = dag.outputs().get(output);
    return Eval.run(dag.nodes(), new HashMap<>(values)).get(n);
  }
}
