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
import dev.netc.compiler.testing.GradCheck;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
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
 * Property tests of sequences: gathers ({@code E[tok[t], d]}, and the row {@code E[tok[t]]}, a
 * slice of the trailing axis) from int inputs with repeated ids,
 * whose adjoint is a scatter-add (a repeated id accumulates), and {@code softmax_cross_entropy}
 * over rows with int class indices, with and without a padding id. As in
 * {@link IndexGradientPropertiesTest}: the evaluator's gradient with respect to every param and
 * real input equals central differences of its loss (an int input's gradient is all zeros), and
 * the generated double and float classes agree with the evaluator, for one example and a batch.
 * Ids are drawn from a small vocabulary so that ids repeat within an example, and a padding id
 * appears in about a quarter of the rows.
 */
class SequenceGradientPropertiesTest {
  static final double FD_TOL = 1e-6;
  static final double GEN_REL = 1e-10;
  static final double FLOAT_REL = 1e-4;
  static final int EXAMPLES = Integer.getInteger("netc.indexProperties", 30);
  static final long SEED = 20_261_205L;

  record Case(String source, long values) {
    @Override
    public String toString() {
      return "\n" + source + "values seed " + values;
    }
  }

  record Built(Dag dag, Model model, Model floatModel) {}

  private final Map<String, Built> built = new HashMap<>();
  private double worst;
  private int entries;
  private int repeated;

  @Test
  void gatherAndClassIndexLossGradients() {
    property(in -> {
      int t = between(in, 1, 6);
      int v = between(in, 1, 5);
      int d = between(in, 1, 4);
      int c = between(in, 2, 5);
      boolean ignore = between(in, 0, 1) == 1;
      boolean real = between(in, 0, 1) == 1;
      boolean slice = between(in, 0, 1) == 1;
      String body = "input tok[" + t + "] int\n"
          + (real ? "input x[" + t + ", " + d + "]\n" : "")
          + "target y[" + t + "] int" + (ignore ? " ignore=" + between(in, 0, c - 1) : "") + "\n"
          + "param E[" + v + ", " + d + "]\n"
          + "param W[" + c + ", " + d + "]\n"
          + (slice ? "rows[t] = E[tok[t]]" + (real ? " .* x[t]" : "") : "rows[t, d] = E[tok[t], d]" + (real ? " * x[t, d]" : ""))
          + "\n"
          + "z[t, k] = sum(d) tanh(rows[t, d]) * W[k, d]\n"
          + "output z\n"
          + "loss = softmax_cross_entropy(z, y)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  /** A token shift: row t gets the embedding of the id k places back, 0 for t < k (the guard keeps tok[t - k] in bounds). */
  @Test
  void shiftedGatherGradients() {
    property(in -> {
      int t = between(in, 2, 6);
      int k = between(in, 1, t - 1);
      int v = between(in, 1, 4);
      int d = between(in, 1, 3);
      String body = "input tok[" + t + "] int\n"
          + "target y[" + t + "] int\n"
          + "param E[" + v + ", " + d + "]\n"
          + "param S[" + v + ", " + d + "]\n"
          + "param W[3, " + d + "]\n"
          + "back[t, d] = S[tok[t - " + k + "], d] where t >= " + k + "\n"
          + "z[t, c] = sum(d) tanh(E[tok[t], d] + back[t, d]) * W[c, d]\n"
          + "output z\n"
          + "loss = softmax_cross_entropy(z, y)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  @Test
  void rowGatherInsideAReduction() {
    property(in -> {
      int t = between(in, 1, 5);
      int v = between(in, 1, 4);
      int d = between(in, 1, 4);
      String body = "input tok[" + t + "] int\n"
          + "input w[" + t + "]\n"
          + "target y int\n"
          + "param E[" + v + ", " + d + "]\n"
          + "param U[" + d + ", " + d + "]\n"
          + "h[k] = sum(t, d) w[t] * E[tok[t], d] * U[d, k]\n"
          + "output h\n"
          + "loss = softmax_cross_entropy(h, y)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  private void property(Gen<Case> gen) {
    List<Case> cases = new ArrayList<>();
    qt().withExamples(EXAMPLES).withFixedSeed(SEED).forAll(gen).checkAssert(cases::add);
    build(cases);
    qt().withExamples(EXAMPLES).withFixedSeed(SEED).withShrinkCycles(30).forAll(gen).checkAssert(this::check);
    System.out.printf("%d networks, %d gradient entries, %d examples with a repeated id, largest finite-difference error %.2g%n",
        built.size(), entries, repeated, worst);
    assertTrue(repeated > 0, "no example repeated an id");
  }

  private void build(List<Case> cases) {
    Map<String, Dag> dags = new LinkedHashMap<>();
    List<Emitter.GeneratedFile> files = new ArrayList<>();
    List<Emitter.GeneratedFile> floatFiles = new ArrayList<>();
    for (Case k : cases) {
      if (built.containsKey(k.source()) || dags.containsKey(k.source())) {
        continue;
      }
      Compilation c = Compilation.of(List.of(new SourceFile("test.net", k.source())), "");
      assertTrue(!c.hasErrors(), () -> "does not compile:" + k + c.diagnostics().all());
      Dag dag = c.dags().get(0);
      dags.put(k.source(), dag);
      files.add(Emitter.emit(dag, false, false, "test.net"));
      floatFiles.add(Emitter.emit(dag, true, false, "test.net"));
    }
    if (files.isEmpty()) {
      return;
    }
    InMemoryCompiler.Compiled compiled = Codegen.javac(files);
    InMemoryCompiler.Compiled floatCompiled = Codegen.javac(floatFiles);
    int f = 0;
    for (Map.Entry<String, Dag> e : dags.entrySet()) {
      String name = files.get(f++).qualifiedName();
      built.put(e.getKey(), new Built(e.getValue(), Codegen.newModel(compiled, name, 0), Codegen.newModel(floatCompiled, name, 0)));
    }
  }

  private void check(Case k) {
    if (!built.containsKey(k.source())) {
      build(List.of(k));
    }
    Built b = built.get(k.source());
    Dag dag = b.dag();
    Model m = b.model();
    Map<String, double[]> v = values(k, m, k.values());
    Map<Node, double[]> want = Eval.run(dag.nodes(), v);
    List<Node> lossNodes = Dag.closure(dag.nodes(), List.of(dag.loss()));
    for (TensorInfo in : m.inputs()) {
      if (in.integer()) {
        double[] g = want.get(dag.inputGradients().get(in.name()));
        for (double x : g) {
          assertEquals(0.0, x, "the gradient of an int input is zero" + k);
        }
        double[] ids = v.get(in.name());
        if (java.util.Arrays.stream(ids).distinct().count() < ids.length) {
          repeated++;
        }
      }
    }
    List<String> differentiated = new ArrayList<>();
    m.params().forEach(t -> differentiated.add(t.name()));
    m.inputs().stream().filter(t -> !t.integer()).forEach(t -> differentiated.add(t.name()));
    for (String name : differentiated) {
      Node gn = dag.paramGradients().containsKey(name) ? dag.paramGradients().get(name) : dag.inputGradients().get(name);
      double[] symbolic = want.get(gn);
      for (int i = 0; i < symbolic.length; i++) {
        double numeric = GradCheck.numericPartial(lossNodes, dag.loss(), v, name, i);
        double err = Math.abs(symbolic[i] - numeric) / (1 + Math.abs(numeric));
        worst = Math.max(worst, err);
        entries++;
        if (!(err <= FD_TOL)) {
          throw new AssertionError("d loss / d " + name + "[" + i + "]: evaluator " + symbolic[i] + ", central difference "
              + numeric + k);
        }
      }
    }
    agrees(dag, b.model(), v, false, k);
    agrees(dag, b.floatModel(), v, true, k);
  }

  private static void agrees(Dag dag, Model m, Map<String, double[]> values, boolean isFloat, Case k) {
    String code = isFloat ? " (float code)" : "";
    Map<String, double[]> v = isFloat ? rounded(values) : values;
    setParams(m, v);
    Map<Node, double[]> want = Eval.run(dag.nodes(), v);
    double[][] in = arrays(m.inputs(), v);
    double[][] tg = arrays(m.targets(), v);
    double[][] out = new double[m.outputs().size()][];
    for (int o = 0; o < out.length; o++) {
      out[o] = new double[m.outputs().get(o).size()];
    }
    m.predictBatch(1, in, out);
    for (int o = 0; o < out.length; o++) {
      String name = m.outputs().get(o).name();
      close(want.get(dag.outputs().get(name)), out[o], isFloat, "output " + name + code, k);
    }
    double loss = want.get(dag.loss())[0];
    Gradient g = m.newGradient();
    close(new double[] {loss}, new double[] {m.lossAndGradientBatch(1, in, tg, g)}, isFloat, "loss" + code, k);
    for (int i = 0; i < m.params().size(); i++) {
      String name = m.params().get(i).name();
      close(want.get(dag.paramGradients().get(name)), toDouble(g.data(i)), isFloat, "d loss / d " + name + code, k);
    }
    double[][] ig = new double[m.inputs().size()][];
    for (int i = 0; i < ig.length; i++) {
      ig[i] = new double[m.inputs().get(i).size()];
      java.util.Arrays.fill(ig[i], Double.NaN);
    }
    close(new double[] {loss}, new double[] {m.inputGradient(in, tg, ig)}, isFloat, "loss of inputGradient" + code, k);
    for (int i = 0; i < ig.length; i++) {
      String name = m.inputs().get(i).name();
      close(want.get(dag.inputGradients().get(name)), ig[i], isFloat, "d loss / d " + name + code, k);
    }

    int batch = 2 + (int) (k.values() & 1);
    double meanLoss = 0;
    double[][] meanGrad = new double[m.params().size()][];
    List<Map<String, double[]>> examples = new ArrayList<>();
    for (int e = 0; e < batch; e++) {
      Map<String, double[]> ve = e == 0 ? v : values(k, m, k.values() + e);
      ve = isFloat ? rounded(ve) : ve;
      for (TensorInfo p : m.params()) {
        ve.put(p.name(), v.get(p.name()));
      }
      examples.add(ve);
      Map<Node, double[]> we = Eval.run(dag.nodes(), ve);
      meanLoss += we.get(dag.loss())[0] / batch;
      for (int i = 0; i < meanGrad.length; i++) {
        double[] gi = we.get(dag.paramGradients().get(m.params().get(i).name()));
        meanGrad[i] = meanGrad[i] == null ? new double[gi.length] : meanGrad[i];
        for (int j = 0; j < gi.length; j++) {
          meanGrad[i][j] += gi[j] / batch;
        }
      }
    }
    double[][] bin = new double[m.inputs().size()][];
    double[][] btg = new double[m.targets().size()][];
    for (int i = 0; i < bin.length; i++) {
      bin[i] = concat(examples, m.inputs().get(i).name());
    }
    for (int t = 0; t < btg.length; t++) {
      btg[t] = concat(examples, m.targets().get(t).name());
    }
    Gradient bg = m.newGradient();
    close(new double[] {meanLoss}, new double[] {m.lossAndGradientBatch(batch, bin, btg, bg)}, isFloat,
        "batch " + batch + " loss" + code, k);
    for (int i = 0; i < meanGrad.length; i++) {
      close(meanGrad[i], toDouble(bg.data(i)), isFloat, "batch " + batch + " d loss / d " + m.params().get(i).name() + code, k);
    }
  }

  static void setParams(Model m, Map<String, double[]> v) {
    for (int i = 0; i < m.params().size(); i++) {
      double[] p = v.get(m.params().get(i).name());
      Object data = m.paramData(i);
      for (int j = 0; j < p.length; j++) {
        if (data instanceof double[] d) {
          d[j] = p[j];
        } else {
          ((float[]) data)[j] = (float) p[j];
        }
      }
    }
  }

  private static Map<String, double[]> rounded(Map<String, double[]> v) {
    Map<String, double[]> r = new HashMap<>();
    v.forEach((name, a) -> {
      double[] b = new double[a.length];
      for (int i = 0; i < a.length; i++) {
        b[i] = (float) a[i];
      }
      r.put(name, b);
    });
    return r;
  }

  private static double[] toDouble(Object a) {
    if (a instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) a;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static double[] concat(List<Map<String, double[]>> examples, String name) {
    int n = examples.get(0).get(name).length;
    double[] a = new double[n * examples.size()];
    for (int e = 0; e < examples.size(); e++) {
      System.arraycopy(examples.get(e).get(name), 0, a, e * n, n);
    }
    return a;
  }

  private static void close(double[] want, double[] got, boolean isFloat, String what, Case k) {
    assertEquals(want.length, got.length, what + k);
    double largest = 0;
    for (double w : want) {
      largest = Math.max(largest, Math.abs(w));
    }
    for (int i = 0; i < want.length; i++) {
      double tol = isFloat ? FLOAT_REL * Math.max(1, largest) : GEN_REL * Math.max(1, Math.abs(want[i]));
      if (!(Math.abs(want[i] - got[i]) <= tol)) {
        throw new AssertionError(what + "[" + i + "]: evaluator " + want[i] + ", generated " + got[i] + k);
      }
    }
  }

  /**
   * Real values uniform in [-1, 1]; an int tensor's ids uniform in {@code 0 .. limit - 1}, and
   * for a target with a padding id, that id in about a quarter of the rows.
   */
  static Map<String, double[]> values(Case k, Model m, long seed) {
    Random rnd = new Random(seed);
    Map<String, double[]> v = new HashMap<>();
    for (List<TensorInfo> group : List.of(m.inputs(), m.params(), m.targets())) {
      for (TensorInfo t : group) {
        double[] a = new double[t.size()];
        for (int i = 0; i < a.length; i++) {
          if (t.integer()) {
            a[i] = t.ignore().isPresent() && rnd.nextInt(4) == 0 ? t.ignore().getAsInt() : rnd.nextInt(Math.min(t.limit(), 50));
          } else {
            a[i] = rnd.nextDouble() * 2 - 1;
          }
        }
        v.put(t.name(), a);
      }
    }
    return v;
  }

  private static double[][] arrays(List<TensorInfo> infos, Map<String, double[]> v) {
    double[][] a = new double[infos.size()][];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(infos.get(i).name());
    }
    return a;
  }

  private static int between(RandomnessSource in, int lo, int hi) {
    return integers().between(lo, hi).generate(in);
  }

  private static String net(String body) {
    return "network S" + Integer.toHexString(body.hashCode()) + " {\n" + body.indent(4) + "}\n";
  }
}
