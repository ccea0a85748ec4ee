package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.testing.IndexNets;
import dev.netc.compiler.testing.Kinks;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Forward mode and forward-over-reverse on the reference evaluator, for random networks
 * (testing.RandomNetworks: every op of the language, 1..40 operations, seeds 0..N-1 with N 400 or
 * {@code -Dnetc.forwardNetworks=N}) and for index definitions (convolution, pooling, a guarded
 * window, a scatter): at a point at least 1e-3 from every kink, with a random tangent (standard
 * normal, for every input and param),
 * <ul>
 *   <li>the jvp of the loss equals the gradient dotted with the tangent, to {@value #EXACT} of
 *       {@code 1 + sum |g_i t_i|} (the same derivative two ways: only rounding differs);</li>
 *   <li>the jvp of every output and of the loss equals central differences along the tangent
 *       (step {@value #STEP}), to {@value #FD} of {@code 1 + |difference|};</li>
 *   <li>the hvp equals central differences of the gradient along v, to {@value #FD} of
 *       {@code 1 + |difference|} (the differences' error: h² times a third derivative, and
 *       the rounding of the gradient over h, about 1e-10).</li>
 * </ul>
 */
class ForwardModeTest {
  static final double EXACT = 1e-9;
  static final double FD = 1e-5;
  static final double STEP = 1e-6;
  static final Rules RULES = Rules.standard();

  @Test
  void randomNetworks() {
    int n = Integer.getInteger("netc.forwardNetworks", 400);
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (long seed = 0; seed < n; seed++) {
      RandomNetworks.Generated g = RandomNetworks.generate(seed, 40);
      String f = check(g.source(), seed);
      if (f == null) {
        continue;
      }
      if (!f.isEmpty()) {
        failures.add("seed " + seed + ": " + f + "\n" + g.source());
      }
      checked++;
    }
    failures.stream().limit(3).forEach(System.out::println);
    assertEquals(List.of(), failures.stream().limit(2).toList(), failures.size() + " of " + checked + " disagree");
    assertTrue(checked > n * 0.95, "checked " + checked + " of " + n);
  }

  @Test
  void indexDefinitions() {
    for (int k = 0; k < IndexNets.SOURCES.size(); k++) {
      String src = IndexNets.SOURCES.get(k);
      String f = check(src, 17 + k);
      assertTrue(f != null, "no point away from kinks:\n" + src);
      assertEquals("", f, src);
    }
  }

  /** "" when every check passes, a message at the first that fails, null when no safe point was found. */
  static String check(String source, long seed) {
    Network net = Nets.check(source);
    Diagnostics d = new Diagnostics();
    Dag grad = Compilation.differentiated(net, new ReverseMode(RULES), d).orElseThrow(() -> new AssertionError(d.all()));
    Dag jvp = Compilation.jvp(net, RULES, d).orElseThrow(() -> new AssertionError(d.all()));
    Dag hvp = Compilation.hvp(grad, RULES, d).orElseThrow(() -> new AssertionError(d.all()));
    Map<String, double[]> values = null;
    for (int attempt = 0; attempt < 20 && values == null; attempt++) {
      Map<String, double[]> candidate = RandomNetworks.values(net, seed * 1_000_003L + attempt);
      if (Kinks.safe(grad, candidate, 1e-3)) {
        values = candidate;
      }
    }
    if (values == null) {
      return null;
    }
    Random r = new Random(seed);
    Map<String, double[]> tangent = new LinkedHashMap<>();
    for (Node leaf : grad.nodes()) {
      if (leaf.op() == dev.netc.compiler.model.Op.INPUT || leaf.op() == dev.netc.compiler.model.Op.PARAM) {
        double[] t = new double[leaf.shape().size()];
        for (int i = 0; i < t.length; i++) {
          t[i] = r.nextGaussian();
        }
        tangent.put(leaf.name(), t);
      }
    }
    Map<String, double[]> all = new HashMap<>(values);
    tangent.forEach((name, t) -> all.put(ForwardMode.tangentName(name), t));
    Map<Node, double[]> j = Eval.run(jvp.nodes(), all);
    Map<Node, double[]> gv = Eval.run(grad.nodes(), values);

    // jvp of the loss = gradient . tangent
    double dot = 0;
    double scale = 1;
    Map<String, Node> grads = new HashMap<>(grad.paramGradients());
    grads.putAll(grad.inputGradients());
    for (Map.Entry<String, Node> e : grads.entrySet()) {
      double[] gr = gv.get(e.getValue());
      double[] t = tangent.get(e.getKey());
      for (int i = 0; i < t.length; i++) {
        dot += gr[i] * t[i];
        scale += Math.abs(gr[i] * t[i]);
      }
    }
    double jl = j.get(jvp.loss())[0];
    if (!(Math.abs(jl - dot) <= EXACT * scale)) {
      return "jvp of the loss " + jl + ", gradient . tangent " + dot;
    }

    // central differences of the outputs and loss along the tangent
    Map<String, Node> roots = new LinkedHashMap<>(grad.outputs());
    roots.put("loss", grad.loss());
    Map<Node, double[]> up = Eval.run(grad.nodes(), shifted(values, tangent, STEP));
    Map<Node, double[]> down = Eval.run(grad.nodes(), shifted(values, tangent, -STEP));
    for (Map.Entry<String, Node> e : roots.entrySet()) {
      double[] a = e.getKey().equals("loss") ? j.get(jvp.loss()) : j.get(jvp.outputs().get(e.getKey()));
      String m = compare("jvp of " + e.getKey(), a, up.get(e.getValue()), down.get(e.getValue()));
      if (m != null) {
        return m;
      }
    }

    // hvp = central differences of the gradient along v (the params' tangent)
    Map<String, double[]> v = new HashMap<>();
    for (String p : grad.paramGradients().keySet()) {
      v.put(p, tangent.get(p));
    }
    Map<String, double[]> hv = new HashMap<>(values);
    v.forEach((name, t) -> hv.put(ForwardMode.tangentName(name), t));
    Map<Node, double[]> h = Eval.run(hvp.nodes(), hv);
    Map<Node, double[]> gUp = Eval.run(grad.nodes(), shifted(values, v, STEP));
    Map<Node, double[]> gDown = Eval.run(grad.nodes(), shifted(values, v, -STEP));
    for (Map.Entry<String, Node> e : grad.paramGradients().entrySet()) {
      String m = compare("hvp of " + e.getKey(), h.get(hvp.paramGradients().get(e.getKey())), gUp.get(e.getValue()),
          gDown.get(e.getValue()));
      if (m != null) {
        return m;
      }
    }
    if (Math.abs(h.get(hvp.loss())[0] - gv.get(grad.loss())[0]) > 0) {
      return "hvp's loss differs from the loss";
    }
    return "";
  }

  private static String compare(String what, double[] analytic, double[] up, double[] down) {
    for (int i = 0; i < analytic.length; i++) {
      double numeric = (up[i] - down[i]) / (2 * STEP);
      if (!(Math.abs(analytic[i] - numeric) <= FD * (1 + Math.abs(numeric)))) {
        return String.format("%s[%d]: %.12g, central difference %.12g", what, i, analytic[i], numeric);
      }
    }
    return null;
  }

  private static Map<String, double[]> shifted(Map<String, double[]> values, Map<String, double[]> t, double h) {
    Map<String, double[]> out = new HashMap<>();
    values.forEach((name, x) -> {
      double[] dx = t.get(name);
      double[] y = x.clone();
      if (dx != null) {
        for (int i = 0; i < y.length; i++) {
          y[i] += h * dx[i];
        }
      }
      out.put(name, y);
    });
    return out;
  }
}
