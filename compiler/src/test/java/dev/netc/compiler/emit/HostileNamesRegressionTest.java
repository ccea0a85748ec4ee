package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, point 1: user names that the generated code also uses ({@code batch}, {@code ex},
 * {@code first}, {@code Arrays}, {@code System}, {@code Math}, {@code seed}, {@code dev},
 * {@code index}, ...) did not compile ("variable batch is already defined", {@code
 * Arrays.fill(Arrays, 0)}). The emitter now renames them ({@link Identifiers}); the network must
 * compute exactly what the same network with plain names computes, in double, float and vector
 * modes, straight-line (small) and with loops (large).
 */
class HostileNamesRegressionTest {
  private static final String HOSTILE = """
      network %s {
          input batch[N]
          input ex[N]
          target result[2]
          param Arrays[2, N]
          param System[2]
          param Math[2, N]
          param seed[2]
          param dev[2]
          param index[2]
          param capacity[2]
          first = tanh(Arrays * batch + System)
          total = sigmoid(Math * ex + seed) .* dev + index
          grad = first + total + capacity .* exp(first)
          output grad
          loss = mse(grad, result)
      }
      """;
  private static final String PLAIN = HOSTILE.replaceAll("\\bbatch\\b", "x1").replaceAll("\\bex\\b", "x2").replaceAll("\\bresult\\b", "y")
      .replaceAll("\\bArrays\\b", "A").replaceAll("\\bSystem\\b", "b1").replaceAll("\\bMath\\b", "B").replaceAll("\\bseed\\b", "b2")
      .replaceAll("\\bdev\\b", "c").replaceAll("\\bindex\\b", "d").replaceAll("\\bcapacity\\b", "e").replaceAll("\\bfirst\\b", "h1")
      .replaceAll("\\btotal\\b", "h2").replaceAll("\\bgrad\\b", "o");

  @Test
  void hostileNamesComputeWhatPlainNamesCompute() {
    for (int n : new int[] {3, 300}) {
      for (String mode : List.of("double", "float", "vector")) {
        boolean isFloat = mode.equals("float");
        boolean vector = mode.equals("vector");
        Model hostile = model(HOSTILE.formatted("Hostile").replace("N", "" + n), isFloat, vector, "Hostile");
        Model plain = model(PLAIN.formatted("Plain").replace("N", "" + n), isFloat, vector, "Plain");
        assertEquals("Arrays", hostile.params().get(0).name(), "a renamed field keeps its name in TensorInfo");
        // initial values depend on the param's name: give both networks the same ones
        for (int k = 0; k < hostile.params().size(); k++) {
          Object h = hostile.paramData(k);
          Object p = plain.paramData(k);
          for (int i = 0; i < Array.getLength(h); i++) {
            double v = 0.5 * Math.sin(10.0 * k + i);
            Array.set(h, i, isFloat ? (Object) (float) v : (Object) v);
            Array.set(p, i, isFloat ? (Object) (float) v : (Object) v);
          }
        }
        double[][] in = new double[2][3 * n];
        for (int i = 0; i < 3 * n; i++) {
          in[0][i] = Math.sin(i + 1.0);
          in[1][i] = Math.cos(2.0 * i);
        }
        double[][] target = {{0.25, -0.5, 0.5, 0.75, -1, 0.125}};
        Gradient gh = hostile.newGradient();
        Gradient gp = plain.newGradient();
        double lh = hostile.lossAndGradientBatch(3, in, target, gh);
        double lp = plain.lossAndGradientBatch(3, in, target, gp);
        String where = mode + ", N = " + n;
        assertEquals(lp, lh, 0, where);
        for (int k = 0; k < hostile.params().size(); k++) {
          assertArrayEquals(doubles(gp.data(k)), doubles(gh.data(k)), 0, where + ", gradient of param " + k);
        }
        double[][] out = {new double[6]};
        double[][] outPlain = {new double[6]};
        hostile.predictBatch(3, in, out);
        plain.predictBatch(3, in, outPlain);
        assertArrayEquals(outPlain[0], out[0], 0, where);
        assertTrue(Arrays.stream(out[0]).allMatch(Double::isFinite), where);
      }
    }
  }

  /** Found by HostileNamesTest's long run: an input named gradX clashed with x's input gradient parameter. */
  @Test
  void anInputNamedLikeAnotherInputsGradient() {
    String src = "network Gate {\n    input x, gradX, o1\n    q = x + gradX\n    f = q * o1\n    output f\n    loss = f\n}\n";
    for (String mode : List.of("double", "float", "vector")) {
      Model m = model(src, mode.equals("float"), mode.equals("vector"), "Gate");
      double[][] grads = {new double[1], new double[1], new double[1]};
      double loss = m.inputGradient(new double[][] {{2}, {3}, {4}}, new double[0][], grads);
      assertEquals(20, loss, 1e-6, mode);
      assertArrayEquals(new double[] {4, 4, 5}, new double[] {grads[0][0], grads[1][0], grads[2][0]}, 1e-6, mode);
    }
  }

  /** The renamed public fields: a {@code _} suffix, documented in docs/tools.md. */
  @Test
  void clashingFieldsGetAnUnderscore() throws Exception {
    Model m = model(HOSTILE.formatted("Fields").replace("N", "3"), false, false, "Fields");
    assertEquals(double[].class, m.getClass().getField("Arrays_").getType());
    assertEquals(double[].class, m.getClass().getField("System_").getType());
    assertEquals(double[].class, m.getClass().getField("index").getType(), "index clashes with no member, kept");
    assertEquals(m.paramData(0), m.getClass().getField("Arrays_").get(m));
  }

  private static Model model(String source, boolean isFloat, boolean vector, String name) {
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile(name + ".net", source)),
        new NetcCompiler.Options("", isFloat, vector));
    assertTrue(!r.hasErrors(), () -> r.diagnostics().all().stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
    InMemoryCompiler.Compiled c = Codegen.javac(r.files());
    return Codegen.newModel(c, name, 7);
  }

  private static double[] doubles(Object array) {
    double[] d = new double[Array.getLength(array)];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Number) Array.get(array, i)).doubleValue();
    }
    return d;
  }
}
