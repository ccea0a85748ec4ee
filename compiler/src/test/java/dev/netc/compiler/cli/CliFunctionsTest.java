package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code def}, {@code use}, {@code stop_gradient} and custom derivatives through the command
 * line: every command follows imports (relative to the importing file); a missing import or a
 * cycle is exit 1 naming the file, line and column; and {@code netc eval}'s generated code
 * gives the gradients that the derivative rules promise, computed here from equivalent networks
 * without them.
 */
class CliFunctionsTest {
  @TempDir Path tmp;

  private static final String LAYERS = """
      def dense(W, b, x) = W * x + b
      def layer(W, b, x) {
        z = dense(W, b, x)
        return sigmoid(z)
      }
      """;

  private static final String XOR = """
      use "lib/layers.net"
      network Xor {
        input x[2]
        target y[1]
        param W1[4, 2] init xavier
        param b1[4]
        param W2[1, 4] init xavier
        param b2[1]
        h = layer(W1, b1, x)
        a = layer(W2, b2, h)
        output a
        loss = mse(a, y)
      }
      """;

  @Test
  void everyCommandFollowsImports() throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("nets/lib"));
    Files.writeString(lib.resolve("layers.net"), LAYERS);
    Path xor = tmp.resolve("nets/xor.net");
    Files.writeString(xor, XOR);
    expect(0, CliRun.of("check", xor));
    Path out = tmp.resolve("out");
    expect(0, CliRun.of("compile", xor, "-d", out));
    try (Stream<Path> s = Files.walk(out)) {
      assertEquals(1, s.filter(p -> p.toString().endsWith("Xor.java")).count());
    }
    Path values = tmp.resolve("v.json");
    Files.writeString(values, "{\"x\": [1, 0], \"y\": [1]}");
    CliRun eval = CliRun.of("eval", xor, "--values", values);
    expect(0, eval);
    assertTrue(CliEvalTest.parse(eval.out()).members.containsKey("gradients"), eval::toString);
    Path csv = tmp.resolve("xor.csv");
    Files.writeString(csv, "x_0,x_1,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    CliRun train = CliRun.of("train", xor, "--data", csv, "--epochs", "3", "--save", tmp.resolve("p.bin"));
    expect(0, train);

    // run from another directory: the import is found next to the importing file, not the working directory
    expect(0, CliRun.of("check", xor.toAbsolutePath()));
  }

  @Test
  void aMissingImportIsAnErrorAtTheUse() throws Exception {
    Path f = tmp.resolve("a.net");
    Files.writeString(f, "use \"nowhere/layers.net\"\nnetwork A {\n  input x[2]\n  a = dense(x)\n  output a\n}\n");
    CliRun r = CliRun.of("check", f);
    expect(1, r);
    assertTrue(r.err().contains(f + ":1:5: error: cannot read 'nowhere/layers.net' ("), r::toString);
    assertTrue(r.err().contains("no such file"), r::toString);
    assertFalse(Files.exists(tmp.resolve("out")));
    CliRun c = CliRun.of("compile", f, "-d", tmp.resolve("out"));
    expect(1, c);
    assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
  }

  @Test
  void anImportCycleIsAnErrorNamingTheChain() throws Exception {
    Files.writeString(tmp.resolve("a.net"), "use \"b.net\"\ndef fa(x) = 2 * x\nnetwork A {\n  input x[2]\n  a = fa(x)\n  output a\n}\n");
    Files.writeString(tmp.resolve("b.net"), "use \"c.net\"\ndef fb(x) = x\n");
    Files.writeString(tmp.resolve("c.net"), "use \"a.net\"\ndef fc(x) = x\n");
    CliRun r = CliRun.of("check", tmp.resolve("a.net"));
    expect(1, r);
    String a = tmp.resolve("a.net").toString();
    String c = tmp.resolve("c.net").toString();
    assertTrue(r.err().contains(c + ":1:5: error: '" + a + "' imports itself: " + a + " -> " + tmp.resolve("b.net") + " -> "
        + c + " -> " + a), r::toString);
  }

  @Test
  void anErrorInAnImportedDefNamesTheCall() throws Exception {
    Files.writeString(tmp.resolve("layers.net"), LAYERS);
    Path f = tmp.resolve("net.net");
    Files.writeString(f, "use \"layers.net\"\nnetwork A {\n  input x[3]\n  param W[2, 3]\n  param b[3]\n"
        + "  h = layer(W, b, x)\n  output h\n}\n");
    CliRun r = CliRun.of("check", f);
    expect(1, r);
    assertTrue(r.err().contains(tmp.resolve("layers.net") + ":1:28: error: '+' cannot broadcast [2] and [3]"), r::toString);
    assertTrue(r.err().contains("(in the call to dense at " + tmp.resolve("layers.net") + ":3:7, in the call to layer at "
        + f + ":6:7)"), r::toString);
  }

  /**
   * {@code stop_gradient(c) .* c} has the gradient of {@code s .* c} with {@code s} an input
   * holding c's value; {@code clip(c)} with {@code grad(g) = min(max(g, -1), 1)} gives c the
   * gradient clipped to [-1, 1]; {@code twice(c)} with {@code grad(g) = 2 * g .* c} that of
   * {@code square(c)}: each through {@code netc eval} (the generated class), for random shapes.
   */
  @Test
  void stopGradientAndCustomDerivativesThroughEval() throws Exception {
    Random rnd = new Random(22);
    for (int round = 0; round < 6; round++) {
      int n = 1 + rnd.nextInt(4);
      int m = 1 + rnd.nextInt(4);
      String head = "  input x[" + n + "]\n  target t[" + m + "]\n  param W[" + m + ", " + n + "]\n  c = W * x\n";
      String withControls = "def clip(v) = v  grad(g) = min(max(g, -1), 1)\n"
          + "def twice(v) = square(v)\n  grad(g) = 2 * g .* v\n"
          + "network A {\n" + head
          + "  loss = sum(stop_gradient(c) .* c) + sum(clip(c) .* t) + sum(twice(c) .* t)\n}\n";
      String equivalent = "network B {\n" + head + "  input s[" + m + "], u[" + m + "]\n"
          + "  loss = sum(s .* c) + sum(c .* u) + sum(square(c) .* t)\n}\n";
      Map<String, double[]> v = new LinkedHashMap<>();
      v.put("x", random(rnd, n, 1));
      v.put("t", random(rnd, m, 3));
      v.put("W", random(rnd, m * n, 1));

      Dag b = dag(equivalent);
      Map<String, double[]> vb = new LinkedHashMap<>(v);
      double[] wx = new double[m];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          wx[i] += v.get("W")[i * n + j] * v.get("x")[j];
        }
      }
      vb.put("s", wx);
      double[] u = v.get("t").clone();
      for (int i = 0; i < m; i++) {
        u[i] = Math.min(Math.max(u[i], -1), 1);
      }
      vb.put("u", u);
      Map<Node, double[]> want = Eval.run(b.nodes(), vb);

      // the evaluator on A's DAG, and the generated class through netc eval
      Dag a = dag(withControls);
      Map<Node, double[]> got = Eval.run(a.nodes(), v);
      close(want.get(b.paramGradients().get("W")), got.get(a.paramGradients().get("W")), "evaluator dW");
      close(want.get(b.inputGradients().get("x")), got.get(a.inputGradients().get("x")), "evaluator dx");

      Path f = tmp.resolve("controls" + round + ".net");
      Files.writeString(f, withControls);
      Path values = tmp.resolve("values" + round + ".json");
      Files.writeString(values, Json.arrays(v, ""));
      CliRun r = CliRun.of("eval", f, "--values", values);
      expect(0, r);
      Map<String, double[]> grads = CliEvalTest.arrays(CliEvalTest.parse(r.out()).members.get("gradients"));
      close(want.get(b.paramGradients().get("W")), grads.get("W"), "netc eval dW");
      close(want.get(b.inputGradients().get("x")), grads.get("x"), "netc eval dx");
      double loss = ((Json.Num) CliEvalTest.parse(r.out()).members.get("loss")).value();
      close(got.get(a.loss()), new double[] {loss}, "netc eval loss");
    }
  }

  /** The other commands take the derivative controls too: pictures with the backward pass and values, costs. */
  @Test
  void graphAndCostWithDerivativeControls() throws Exception {
    Path f = tmp.resolve("controls.net");
    Files.writeString(f, "def clip(v) = v  grad(g) = min(max(g, -1), 1)\nnetwork A {\n  input x[3]\n  target t[2]\n"
        + "  param W[2, 3]\n  c = W * x\n  a = clip(c)\n  output a\n  loss = sum(stop_gradient(c) .* c) + sum(a .* t)\n}\n");
    Path values = tmp.resolve("v.json");
    Files.writeString(values, "{\"x\": [1, 2, 3], \"t\": [3, -0.5]}");
    expect(0, CliRun.of("graph", f, "-o", tmp.resolve("g.svg"), "--backward", "--at", values));
    assertTrue(Files.size(tmp.resolve("g.svg")) > 0);
    CliRun cost = CliRun.of("check", "--cost", f);
    expect(0, cost);
    assertTrue(cost.out().contains("lossAndGradient"), cost::toString);
  }

  private static Dag dag(String source) {
    Compilation c = Compilation.of(List.of(new SourceFile("t.net", source)), "");
    assertFalse(c.hasErrors(), () -> c.diagnostics().all() + "\n" + source);
    return c.dags().get(0);
  }

  private static double[] random(Random rnd, int n, double scale) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = (rnd.nextDouble() * 2 - 1) * scale;
    }
    return a;
  }

  private static void close(double[] want, double[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      assertTrue(Math.abs(want[i] - got[i]) <= 1e-12 * Math.max(1, Math.abs(want[i])),
          what + "[" + i + "]: " + want[i] + " vs " + got[i]);
    }
  }
}
