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
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Property tests of recurrences ({@code for} blocks with {@code state}s): random sizes and
 * values of an RNN, a GRU, an LSTM (two states), learned initial states and padded targets. The
 * evaluator's gradient (backpropagation through time, {@code SCAN_BACK}) with respect to every
 * param and real input equals central differences of its loss. Every op in these cells is smooth
 * (tanh, sigmoid, products, softmax cross-entropy), so no kink is near.
 */
class RecurrenceGradientPropertiesTest {
  static final double FD_TOL = 1e-6;
  static final int EXAMPLES = Integer.getInteger("netc.recurrenceProperties", 20);
  static final long SEED = 20_261_205L;

  record Case(String source, long values) {
    @Override
    public String toString() {
      return "\n" + source + "values seed " + values;
    }
  }

  static final double GEN_REL = 1e-10;
  static final double FLOAT_REL = 1e-4;

  record Built(Dag dag, Model model, Model floatModel) {}

  private final Map<String, Built> built = new HashMap<>();
  private double worst;
  private int entries;

  @Test
  void rnnGradients() {
    property(in -> {
      int t = between(in, 1, 6);
      int v = between(in, 2, 6);
      int e = between(in, 1, 4);
      int h = between(in, 1, 5);
      boolean learned = between(in, 0, 1) == 1;
      boolean ignore = between(in, 0, 1) == 1;
      boolean real = between(in, 0, 1) == 1;
      String body = "const T = " + t + "\n"
          + "input tok[T] int\n"
          + (real ? "input x[T, " + e + "]\n" : "")
          + "target next[T] int" + (ignore ? " ignore=0" : "") + "\n"
          + "param E[" + v + ", " + e + "]\nparam Wx[" + h + ", " + e + "]\nparam Wh[" + h + ", " + h + "]\nparam b[" + h + "]\n"
          + "param Wo[" + v + ", " + h + "]\nparam bo[" + v + "]\n"
          + (learned ? "param h0[" + h + "]\nstate h[" + h + "] = h0\n" : "state h[" + h + "] = 0\n")
          + "for t in 0 .. T {\n"
          + "  h = tanh(Wx * " + (real ? "(E[tok[t]] .* x[t])" : "E[tok[t]]") + " + Wh * h + b)\n"
          + "  z[t] = Wo * h + bo\n"
          + "}\n"
          + "output z\n"
          + "loss = softmax_cross_entropy(z, next)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  @Test
  void gruGradients() {
    property(gru());
  }

  /**
   * The same cells with the Vector API kernels' thresholds at 1, so that every gate of these small
   * cells is a buffer of its own computed by {@code activate(act, W x, U h, bias, ...)} (the
   * two-product form) and every product goes to the vector kernels, as a GRU of width 128 does.
   */
  @Test
  void gruGradientsThroughTheVectorKernels() {
    int length = Planner.vectorMinLength;
    int elements = Planner.vectorMinElements;
    Planner.vectorMinLength = 1;
    Planner.vectorMinElements = 1;
    try {
      String source = net("const T = 3\ninput tok[T] int\ntarget next[T] int ignore=0\nparam E[4, 2]\n"
          + "param Wr[3, 2]\nparam Ur[3, 3]\nparam br[3]\nstate h[3] = 0\n"
          + "for t in 0 .. T {\n  r = sigmoid(Wr * E[tok[t]] + Ur * h + br)\n  h = r .* h + tanh(Wr * E[tok[t]] + br)\n"
          + "  z[t] = Ur * h\n}\nloss = softmax_cross_entropy(z, next)\n");
      String java = Emitter.emit(compile(source), false, false, "test.net").content();
      assertTrue(java.contains("VectorKernelsD.activate(dev.netc.runtime.VectorKernelsD.SIGMOID, "), java);
      assertTrue(!java.contains("Ops.sigmoid("), "a gate left in a fused loop:\n" + java);
      built.clear();
      property(gru());
    } finally {
      Planner.vectorMinLength = length;
      Planner.vectorMinElements = elements;
      built.clear();
    }
  }

  private Gen<Case> gru() {
    return in -> {
      int t = between(in, 1, 5);
      int v = between(in, 2, 5);
      int e = between(in, 1, 3);
      int h = between(in, 1, 4);
      boolean learned = between(in, 0, 1) == 1;
      String body = "const T = " + t + "\n"
          + "input tok[T] int\n"
          + "target next[T] int ignore=0\n"
          + "param E[" + v + ", " + e + "]\n"
          + "param Wr[" + h + ", " + e + "]\nparam Ur[" + h + ", " + h + "]\nparam br[" + h + "]\n"
          + "param Wu[" + h + ", " + e + "]\nparam Uu[" + h + ", " + h + "]\nparam bu[" + h + "]\n"
          + "param Wc[" + h + ", " + e + "]\nparam Uc[" + h + ", " + h + "]\nparam bc[" + h + "]\n"
          + "param Wo[" + v + ", " + h + "]\nparam bo[" + v + "]\n"
          + (learned ? "param h0[" + h + "]\nstate h[" + h + "] = h0\n" : "state h[" + h + "] = 0\n")
          + "for t in 0 .. T {\n"
          + "  x = E[tok[t]]\n"
          + "  r = sigmoid(Wr * x + Ur * h + br)\n"
          + "  u = sigmoid(Wu * x + Uu * h + bu)\n"
          + "  c = tanh(Wc * x + Uc * (r .* h) + bc)\n"
          + "  h = (1 - u) .* h + u .* c\n"
          + "  z[t] = Wo * h + bo\n"
          + "}\n"
          + "loss = softmax_cross_entropy(z, next)\n";
      return new Case(net(body), longs().all().generate(in));
    };
  }

  @Test
  void lstmGradients() {
    property(in -> {
      int t = between(in, 1, 5);
      int d = between(in, 1, 3);
      int h = between(in, 1, 3);
      String gates = "";
      for (String g : List.of("i", "f", "o", "g")) {
        gates += "param W" + g + "[" + h + ", " + d + "]\nparam U" + g + "[" + h + ", " + h + "]\nparam b" + g + "[" + h + "]\n";
      }
      String body = "const T = " + t + "\n"
          + "input x[T, " + d + "]\n"
          + "target y[T]\n"
          + gates
          + "param w[" + h + "]\nparam c0[" + h + "]\n"
          + "state h[" + h + "] = 0\nstate c[" + h + "] = c0\n"
          + "for t in 0 .. T {\n"
          + "  i = sigmoid(Wi * x[t] + Ui * h + bi)\n"
          + "  f = sigmoid(Wf * x[t] + Uf * h + bf)\n"
          + "  o = sigmoid(Wo * x[t] + Uo * h + bo)\n"
          + "  g = tanh(Wg * x[t] + Ug * h + bg)\n"
          + "  c = f .* c + i .* g\n"
          + "  h = o .* tanh(c)\n"
          + "  p[t] = dot(w, h)\n"
          + "  q[t] = c\n"
          + "}\n"
          + "output p\n"
          + "loss = mse(p, y) + 0.1 * sum(q)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  /** Two stacked blocks (the second reads the first's rows, backwards), an initial state computed from an input. */
  @Test
  void stackedReversedGradients() {
    property(in -> {
      int t = between(in, 1, 5);
      int d = between(in, 1, 3);
      int h = between(in, 1, 3);
      String body = "const T = " + t + "\n"
          + "input x[T, " + d + "]\ninput s[" + d + "]\n"
          + "target y[T]\n"
          + "param A[" + h + ", " + d + "]\nparam B[" + h + ", " + h + "]\nparam C[" + h + ", " + h + "]\nparam D[" + h + ", " + h + "]\n"
          + "param w[" + h + "]\n"
          + "g0 = tanh(A * s)\n"
          + "state g[" + h + "] = g0\n"
          + "state k[" + h + "] = 0.5\n"
          + "for t in 0 .. T {\n"
          + "  g = tanh(A * x[t] + B * g)\n"
          + "  hs[t] = g\n"
          + "}\n"
          + "for u in 0 .. T {\n"
          + "  k = sigmoid(C * hs[T - 1 - u] + D * k)\n"
          + "  p[u] = dot(w, k)\n"
          + "}\n"
          + "loss = mse(p, y)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  /** A scalar state with a learned initial value, a scalar row, a captured value computed from params. */
  @Test
  void scalarStateGradients() {
    property(in -> {
      int t = between(in, 1, 6);
      int d = between(in, 1, 3);
      String body = "const T = " + t + "\n"
          + "input x[T, " + d + "]\n"
          + "target y[T]\n"
          + "param w[" + d + "]\nparam a\nparam s0\nparam v[" + d + "]\n"
          + "w2 = w .* v\n"
          + "state s = s0\n"
          + "for t in 0 .. T {\n"
          + "  s = tanh(a * s + dot(w2, x[t]))\n"
          + "  p[t] = s * s0\n"
          + "}\n"
          + "loss = mse(p, y)\n";
      return new Case(net(body), longs().all().generate(in));
    });
  }

  private void property(Gen<Case> gen) {
    qt().withExamples(EXAMPLES).withFixedSeed(SEED).withShrinkCycles(30).forAll(gen).checkAssert(this::check);
    System.out.printf("%d networks (each also as a double and a float class), %d gradient entries, largest finite-difference error %.2g%n", built.size(), entries, worst);
    assertTrue(entries > 0);
  }

  static Dag compile(String source) {
    Compilation c = Compilation.of(List.of(new SourceFile("test.net", source)), "");
    assertTrue(!c.hasErrors(), () -> "does not compile:\n" + source + c.diagnostics().all());
    return c.dags().get(0);
  }

  private void check(Case k) {
    Built bt = built.computeIfAbsent(k.source(), RecurrenceGradientPropertiesTest::build);
    Dag dag = bt.dag();
    Map<String, double[]> v = values(dag.network(), k.values());
    Map<Node, double[]> want = Eval.run(dag.nodes(), v);
    List<Node> lossNodes = Dag.closure(dag.nodes(), List.of(dag.loss()));
    List<String> differentiated = new ArrayList<>();
    dag.network().params().forEach(p -> differentiated.add(p.symbol().name()));
    dag.network().inputs().stream().filter(s -> !s.integer()).forEach(s -> differentiated.add(s.name()));
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
    agrees(dag, bt.model(), v, false, k);
    agrees(dag, bt.floatModel(), v, true, k);
  }

  static Built build(String source) {
    Dag dag = compile(source);
    Emitter.GeneratedFile f = Emitter.emit(dag, false, false, "test.net");
    Emitter.GeneratedFile ff = Emitter.emit(dag, true, false, "test.net");
    return new Built(dag, Codegen.newModel(Codegen.javac(List.of(f)), f.qualifiedName(), 0),
        Codegen.newModel(Codegen.javac(List.of(ff)), ff.qualifiedName(), 0));
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
      Map<String, double[]> ve = e == 0 ? v : values(dag.network(), k.values() + e);
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

  private static double[][] arrays(List<TensorInfo> infos, Map<String, double[]> v) {
    double[][] a = new double[infos.size()][];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(infos.get(i).name());
    }
    return a;
  }

  /** Real values uniform in [-1, 1]; ids uniform over their range, a target's padding id in about a quarter of the rows. */
  static Map<String, double[]> values(Network n, long seed) {
    Random rnd = new Random(seed);
    Map<String, double[]> v = new HashMap<>();
    List<Symbol> all = new ArrayList<>(n.inputs());
    n.params().forEach(p -> all.add(p.symbol()));
    all.addAll(n.targets());
    for (Symbol s : all) {
      double[] a = new double[s.shape().size()];
      for (int i = 0; i < a.length; i++) {
        if (s.integer()) {
          a[i] = s.ignore().isPresent() && rnd.nextInt(4) == 0 ? s.ignore().getAsInt() : rnd.nextInt(n.idLimits().get(s.name()));
        } else {
          a[i] = rnd.nextDouble() * 2 - 1;
        }
      }
      v.put(s.name(), a);
    }
    return v;
  }

  private static int between(RandomnessSource in, int lo, int hi) {
    return integers().between(lo, hi).generate(in);
  }

  static String net(String body) {
    return "network R" + Integer.toHexString(body.hashCode()) + " {\n" + body.indent(4) + "}\n";
  }
}
