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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Property tests of {@code def} and {@code use} with random networks: each example is written
 * twice, once with functions (at file level, inside the network, or imported from a second file
 * with {@code use}; expression and block bodies; a def written with index notation) and once
 * with every call expanded by hand. Then, on random values:
 * <ul>
 *   <li>the two compile to networks whose evaluator loss, outputs and gradients agree to
 *       1e-12 of {@code max(1, |value|)} (a call is its body with the arguments in place);</li>
 *   <li>the gradients of the version with functions equal central differences of its loss
 *       (testing.GradCheck) to 1e-6 (1 + |numeric|);</li>
 *   <li>its generated class (double) computes the evaluator's loss and gradients to 1e-10.</li>
 * </ul>
 */
class FunctionPropertiesTest {
  static final long SEED = 20_261_206L;
  static final int EXAMPLES = Integer.getInteger("netc.functionProperties", 30);

  @TempDir
  Path dir;

  /** The source with functions, the library it imports, and the same network written out. */
  record Case(String withDefs, String library, String inline, long values) {
    @Override
    public String toString() {
      return "\n--- with defs:\n" + withDefs + "--- lib.net:\n" + library + "--- written out:\n" + inline + "values " + values;
    }
  }

  /** An elementwise activation: its body over a parameter name, and its expansion over any expression. */
  record Act(String body, UnaryOperator<String> inline) {}

  private static final List<Act> ACTS = List.of(
      new Act("tanh(x)", e -> "tanh(" + e + ")"),
      new Act("x .* sigmoid(x)", e -> "(" + e + ") .* sigmoid(" + e + ")"),
      new Act("0.5 * x + square(x)", e -> "0.5 * (" + e + ") + square(" + e + ")"),
      new Act("softplus(x) - 1", e -> "softplus(" + e + ") - 1"));

  @Test
  void defsAndUseAgreeWithTheNetworkWrittenOut() throws IOException {
    List<Case> cases = new ArrayList<>();
    qt().withExamples(EXAMPLES).withFixedSeed(SEED).forAll(gen()).checkAssert(cases::add);
    int[] entries = {0};
    double[] worst = {0};
    for (Case k : cases) {
      check(k, entries, worst);
    }
    System.out.printf("%d networks with defs, %d gradient entries, largest finite-difference error %.2g%n",
        cases.size(), entries[0], worst[0]);
  }

  private Gen<Case> gen() {
    return in -> {
      int n = between(in, 1, 4);
      int layers = between(in, 1, 3);
      int[] width = new int[layers + 1];
      width[0] = n;
      StringBuilder lib = new StringBuilder();
      StringBuilder file = new StringBuilder();
      StringBuilder net = new StringBuilder();
      StringBuilder out = new StringBuilder();
      Act act = ACTS.get(between(in, 0, ACTS.size() - 1));
      // where each def lives: 0 this file, 1 the network, 2 lib.net (imported)
      int denseAt = between(in, 0, 2);
      int actAt = between(in, 0, 2);
      int layerAt = between(in, 0, 2);
      if (layerAt == 2 && (denseAt != 2 || actAt != 2)) {
        layerAt = denseAt == 1 || actAt == 1 ? 1 : 0;      // lib.net sees only its own defs
      }
      if (layerAt == 0 && (denseAt == 1 || actAt == 1)) {
        layerAt = 1;                                       // nor can a file-level def
      }
      String denseDef = "def dense(W, b, x) = W * x + b\n";
      String actDef = "def act(x) = " + act.body() + "\n";
      boolean block = between(in, 0, 1) == 1;
      String layerDef = block ? "def layer(W, b, x) {\n  z = dense(W, b, x)\n  return act(z)\n}\n"
          : "def layer(W, b, x) = act(dense(W, b, x))\n";
      List<StringBuilder> homes = List.of(file, net, lib);
      homes.get(denseAt).append(denseDef);
      homes.get(actAt).append(actDef);
      homes.get(layerAt).append(layerDef);
      boolean rowsum = between(in, 0, 1) == 1;
      if (rowsum) {
        homes.get(between(in, 0, 2)).append("def rowsum(A) {\n  s[i] = sum(k) A[i, k] * A[i, k]\n  return s\n}\n");
      }
      net.append("input x").append(dims(n)).append('\n');
      out.append("input x").append(dims(n)).append('\n');
      String h = "x";
      for (int l = 1; l <= layers; l++) {
        width[l] = between(in, 1, 4);
        String decl = "param W" + l + dims(width[l], width[l - 1]) + "\nparam b" + l + dims(width[l]) + "\n";
        net.append(decl);
        out.append(decl);
        boolean viaLayer = between(in, 0, 1) == 1;
        if (viaLayer) {
          net.append("h").append(l).append(" = layer(W").append(l).append(", b").append(l).append(", ").append(h).append(")\n");
        } else {
          net.append("h").append(l).append(" = act(dense(W").append(l).append(", b").append(l).append(", ").append(h).append("))\n");
        }
        out.append("h").append(l).append(" = ").append(act.inline().apply("W" + l + " * " + h + " + b" + l)).append('\n');
        h = "h" + l;
      }
      int m = width[layers];
      net.append("target t").append(dims(m)).append('\n');
      out.append("target t").append(dims(m)).append('\n');
      String extra = "";
      String extraOut = "";
      if (rowsum) {
        net.append("param M").append(dims(m, n)).append('\n');
        out.append("param M").append(dims(m, n)).append('\n');
        out.append("r[i] = sum(k) M[i, k] * M[i, k]\n");
        extra = " + sum(rowsum(M) .* " + h + ")";
        extraOut = " + sum(r .* " + h + ")";
      }
      net.append("output ").append(h).append('\n');
      out.append("output ").append(h).append('\n');
      net.append("loss = mse(").append(h).append(", t)").append(extra).append('\n');
      out.append("loss = mse(").append(h).append(", t)").append(extraOut).append('\n');
      String name = "F" + Integer.toHexString((lib + "|" + file + "|" + net).hashCode());
      String withDefs = (lib.length() > 0 ? "use \"lib.net\"\n" : "") + file + "network " + name + " {\n"
          + net.toString().indent(2) + "}\n";
      String inline = "network " + name + " {\n" + out.toString().indent(2) + "}\n";
      return new Case(withDefs, lib.toString(), inline, longs().all().generate(in));
    };
  }

  private void check(Case k, int[] entries, double[] worst) throws IOException {
    Path sub = Files.createDirectories(dir.resolve(Long.toHexString(k.values())));
    Path main = sub.resolve("main.net");
    Files.writeString(main, k.withDefs());
    Files.writeString(sub.resolve("lib.net"), k.library());
    Compilation withDefs = Compilation.of(List.of(new SourceFile("main.net", k.withDefs(), main)), "");
    assertTrue(!withDefs.hasErrors(), () -> "does not compile: " + withDefs.diagnostics().all() + k);
    Compilation inline = Compilation.of(List.of(new SourceFile("inline.net", k.inline())), "");
    assertTrue(!inline.hasErrors(), () -> "written out, does not compile: " + inline.diagnostics().all() + k);
    Dag a = withDefs.dags().get(0);
    Dag b = inline.dags().get(0);
    Map<String, double[]> v = values(a, k.values());

    Map<Node, double[]> va = Eval.run(a.nodes(), v);
    Map<Node, double[]> vb = Eval.run(b.nodes(), v);
    same(va.get(a.loss()), vb.get(b.loss()), 1e-12, "loss", k);
    a.outputs().forEach((name, node) -> same(va.get(node), vb.get(b.outputs().get(name)), 1e-12, "output " + name, k));
    a.paramGradients().forEach((name, node) ->
        same(va.get(node), vb.get(b.paramGradients().get(name)), 1e-12, "d loss / d " + name, k));
    a.inputGradients().forEach((name, node) ->
        same(va.get(node), vb.get(b.inputGradients().get(name)), 1e-12, "d loss / d " + name, k));

    List<Node> lossNodes = Dag.closure(a.nodes(), List.of(a.loss()));
    Map<String, Node> all = new LinkedHashMap<>(a.paramGradients());
    all.putAll(a.inputGradients());
    all.forEach((name, node) -> {
      double[] symbolic = va.get(node);
      for (int i = 0; i < symbolic.length; i++) {
        double numeric = GradCheck.numericPartial(lossNodes, a.loss(), v, name, i);
        double err = Math.abs(symbolic[i] - numeric) / (1 + Math.abs(numeric));
        worst[0] = Math.max(worst[0], err);
        entries[0]++;
        assertTrue(err <= 1e-6, "d loss / d " + name + "[" + i + "]: " + symbolic[i] + " vs " + numeric + k);
      }
    });

    Emitter.GeneratedFile f = Emitter.emit(a, false, false, "main.net");
    InMemoryCompiler.Compiled compiled = Codegen.javac(List.of(f));
    Model m = Codegen.newModel(compiled, f.qualifiedName(), 0);
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
    Gradient g = m.newGradient();
    same(va.get(a.loss()), new double[] {m.lossAndGradientBatch(1, in, tg, g)}, 1e-10, "generated loss", k);
    for (int i = 0; i < m.params().size(); i++) {
      String name = m.params().get(i).name();
      same(va.get(a.paramGradients().get(name)), (double[]) g.data(i), 1e-10, "generated d loss / d " + name, k);
    }
  }

  private static void same(double[] want, double[] got, double rel, String what, Case k) {
    assertEquals(want.length, got.length, what + k);
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i] - got[i]) <= rel * Math.max(1, Math.abs(want[i])))) {
        throw new AssertionError(what + "[" + i + "]: " + want[i] + " vs " + got[i] + k);
      }
    }
  }

  /** Uniform values in [-1, 1] for every input, target and param of {@code dag}. */
  static Map<String, double[]> values(Dag dag, long seed) {
    Random rnd = new Random(seed);
    Map<String, double[]> v = new LinkedHashMap<>();
    for (Node n : dag.nodes()) {
      if (n.op() == dev.netc.compiler.model.Op.INPUT || n.op() == dev.netc.compiler.model.Op.TARGET
          || n.op() == dev.netc.compiler.model.Op.PARAM) {
        double[] a = new double[n.shape().size()];
        for (int i = 0; i < a.length; i++) {
          a[i] = rnd.nextDouble() * 2 - 1;
        }
        v.put(n.name(), a);
      }
    }
    return v;
  }

  private static int between(RandomnessSource in, int lo, int hi) {
    return integers().between(lo, hi).generate(in);
  }

  private static String dims(int... d) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < d.length; i++) {
      b.append(i == 0 ? "" : ", ").append(d[i]);
    }
    return b.append(']').toString();
  }
}
