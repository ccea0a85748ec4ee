package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.autodiff.ForwardMode;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Functions beyond the error corpus and the property tests: nesting, and forward mode through stop_gradient. */
class FunctionsTest {
  /**
   * A def that uses its parameter three times, called 60 deep in one expression: the body's
   * argument is one shared expression, so checking, lowering and warnings stay linear (a tree
   * walk would visit 3^60 nodes); the generated class computes the evaluator's value.
   */
  @Test
  void deeplyNestedCallsStayLinear() {
    String call = "x";
    for (int i = 0; i < 60; i++) {
      call = "f(" + call + ")";
    }
    String src = "def f(x) = 0.5 * x .* x - x + 0.25 * x\nnetwork N {\n  input x[2]\n  param w[2]\n  a = " + call
        + " + w\n  output a\n  loss = sum(square(a))\n}\n";
    NetcCompiler.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60),
        () -> NetcCompiler.compile(List.of(new SourceFile("n.net", src)), NetcCompiler.Options.DEFAULTS));
    assertFalse(r.hasErrors(), () -> r.diagnostics().all().toString());
    assertEquals(1, r.files().size());
  }

  /**
   * Forward mode gives stop_gradient a zero tangent: the jvp of {@code sum(stop_gradient(c) .* c)}
   * along {@code dW} is {@code sum(c .* dW x)}, the reverse gradient dotted with the tangent.
   */
  @Test
  void jvpThroughStopGradientIsTheGradientDottedWithTheTangent() {
    String src = "network N {\n  input x[3]\n  param W[2, 3]\n  c = W * x\n  loss = sum(stop_gradient(c) .* c)\n}\n";
    Diagnostics d = new Diagnostics();
    List<Network> nets = Frontend.check(List.of(new SourceFile("n.net", src)), "", d);
    Dag jvp = Compilation.jvp(nets.get(0), Rules.standard(), d).orElseThrow(() -> new AssertionError(d.all()));
    Compilation c = Compilation.of(List.of(new SourceFile("n.net", src)), "");
    Dag grad = c.dags().get(0);
    Map<String, double[]> v = new LinkedHashMap<>();
    v.put("x", new double[] {0.5, -1, 2});
    v.put("W", new double[] {0.1, 0.2, -0.3, 0.4, -0.5, 0.6});
    double[] dW = {1, -2, 0.5, 0.25, 3, -1};
    double[] dx = {0, 0, 0};
    Map<String, double[]> vt = new LinkedHashMap<>(v);
    vt.put(ForwardMode.tangentName("W"), dW);
    vt.put(ForwardMode.tangentName("x"), dx);
    double got = Eval.run(jvp.nodes(), vt).get(jvp.loss())[0];
    Map<Node, double[]> g = Eval.run(grad.nodes(), v);
    double[] gw = g.get(grad.paramGradients().get("W"));
    double want = 0;
    for (int i = 0; i < 6; i++) {
      want += gw[i] * dW[i];
    }
    assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)));
  }

  /**
   * Forward-over-reverse sees the markers in the gradient: the Hessian of
   * {@code sum(stop_gradient(c) .* c)} (c = W x) times any V is 0 (the gradient is outer(c, x)
   * with c held constant), and a def whose custom derivative is the true one,
   * {@code twice(v) = square(v)  grad(g) = 2 * g .* v}, has the Hessian of {@code square}.
   */
  @Test
  void hvpSeesStopGradientAndCustomDerivatives() {
    Map<String, double[]> v = new LinkedHashMap<>();
    v.put("x", new double[] {0.5, -1, 2});
    v.put("W", new double[] {0.1, 0.2, -0.3, 0.4, -0.5, 0.6});
    v.put(ForwardMode.tangentName("W"), new double[] {1, -2, 0.5, 0.25, 3, -1});
    double[] stopped = hvpOfW("network N {\n  input x[3]\n  param W[2, 3]\n  c = W * x\n"
        + "  loss = sum(stop_gradient(c) .* c)\n}\n", v);
    for (double h : stopped) {
      assertEquals(0, h);
    }
    double[] custom = hvpOfW("def twice(v) = square(v)  grad(g) = 2 * g .* v\nnetwork N {\n  input x[3]\n"
        + "  param W[2, 3]\n  loss = sum(twice(W * x))\n}\n", v);
    double[] plain = hvpOfW("network N {\n  input x[3]\n  param W[2, 3]\n  loss = sum(square(W * x))\n}\n", v);
    for (int i = 0; i < plain.length; i++) {
      assertEquals(plain[i], custom[i], 1e-12 * Math.max(1, Math.abs(plain[i])));
    }
    assertFalse(java.util.Arrays.stream(plain).allMatch(h -> h == 0));
  }

  private static double[] hvpOfW(String src, Map<String, double[]> v) {
    Compilation c = Compilation.of(List.of(new SourceFile("n.net", src)), "");
    assertFalse(c.hasErrors(), () -> c.diagnostics().all().toString());
    Diagnostics d = new Diagnostics();
    Dag hvp = Compilation.hvp(c.dags().get(0), Rules.standard(), d).orElseThrow(() -> new AssertionError(d.all()));
    return Eval.run(hvp.nodes(), v).get(hvp.paramGradients().get("W"));
  }

  /** In float code every number of a called file-level def must fit in a float (E051), reported in the def with the call. */
  @Test
  void floatRangeInsideADef() {
    Diagnostics d = new Diagnostics();
    Frontend.check(List.of(new SourceFile("f.net", "def big(x) = x * 3.5e38\nnetwork N {\n  input x[2]\n  a = big(x)\n"
        + "  output a\n}\n")), "", true, d);
    assertEquals(List.of("f.net:1:18: error: the number 3.5e38 is 3.5E38, beyond the float range (largest 3.4028235E38);"
        + " compile with --precision double or use a smaller value (in the call to big at f.net:4:7)"),
        d.all().stream().map(dev.netc.compiler.diag.Diagnostic::header).toList());
  }
}
