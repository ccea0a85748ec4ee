package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grad(f, v)} inside a network against PyTorch in float64: an input-gradient penalty
 * (WGAN-GP) on an MLP, a parameter-gradient norm with softmax cross-entropy, a gradient with
 * respect to a hidden layer (every path), grad nested in grad, a LeNet-like chain (conv, tanh, max
 * pool, dense) with an input-gradient penalty, a strided padded convolution (whose first pass makes
 * scatters) with gradients with respect to the input and the kernel, and user index definitions
 * with a max. Each runs through {@code netc eval}; its loss, outputs (grad values among them) and
 * the loss's gradient with respect to every param and input are compared with what
 * {@code pytorch/grad_reference.py} computed with {@code torch.autograd.grad(create_graph=True)}
 * (committed beside it as grad_reference.json). Tolerance: {@value #REL} of {@code max(1, |PyTorch|)}.
 */
class GradReferenceTest {
  static final Path REFERENCE = Path.of("src/test/resources/pytorch/grad_reference.json");
  static final double REL = 1e-8;

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> netcEvalMatchesPyTorchFloat64() throws Exception {
    Json.Arr cases = (Json.Arr) Json.parse(Files.readString(REFERENCE));
    assertTrue(cases.items.size() >= 7, "cases: " + cases.items.size());
    return cases.items.stream().map(o -> (Json.Obj) o).map(c -> DynamicTest.dynamicTest(String.valueOf(c.members.get("name")), () -> {
      String name = String.valueOf(c.members.get("name"));
      Path net = tmp.resolve("case.net");
      Files.writeString(net, String.valueOf(c.members.get("net")));
      Path values = tmp.resolve("values.json");
      Files.writeString(values, Json.arrays(CliEvalTest.arrays(c.members.get("values")), ""));
      CliRun r = CliRun.of("eval", net, "--values", values);
      assertEquals(0, r.code(), r::toString);
      Json.Obj got = CliEvalTest.parse(r.out());
      close(((Json.Num) c.members.get("loss")).value(), ((Json.Num) got.members.get("loss")).value(), name + ": loss");
      compare(CliEvalTest.arrays(c.members.get("outputs")), CliEvalTest.arrays(got.members.get("outputs")), name + ": output ");
      compare(CliEvalTest.arrays(c.members.get("gradients")), CliEvalTest.arrays(got.members.get("gradients")),
          name + ": d loss / d ");
      System.out.printf("%s: largest error %.2g of max(1, |PyTorch|)%n", name, worst[0]);
      worst[0] = 0;
    }));
  }

  /**
   * {@code --precision float}: the float class (grad's nodes and their derivatives in float) agrees
   * with PyTorch's float64 to 1e-4 of the largest magnitude, on every case.
   */
  @org.junit.jupiter.api.Test
  void floatClassAgrees() throws Exception {
    Json.Arr cases = (Json.Arr) Json.parse(Files.readString(REFERENCE));
    for (Object o : cases.items) {
      Json.Obj c = (Json.Obj) o;
      String name = String.valueOf(c.members.get("name"));
      Path net = tmp.resolve("f.net");
      Files.writeString(net, String.valueOf(c.members.get("net")));
      Path values = tmp.resolve("f.json");
      Files.writeString(values, Json.arrays(CliEvalTest.arrays(c.members.get("values")), ""));
      CliRun r = CliRun.of("eval", net, "--values", values, "--precision", "float");
      assertEquals(0, r.code(), r::toString);
      Json.Obj got = CliEvalTest.parse(r.out());
      for (String key : new String[] {"outputs", "gradients"}) {
        Map<String, double[]> want = CliEvalTest.arrays(c.members.get(key));
        Map<String, double[]> have = CliEvalTest.arrays(got.members.get(key));
        double largest = 1;
        for (double[] w : want.values()) {
          for (double x : w) {
            largest = Math.max(largest, Math.abs(x));
          }
        }
        for (Map.Entry<String, double[]> e : want.entrySet()) {
          for (int i = 0; i < e.getValue().length; i++) {
            double w = e.getValue()[i];
            double h = have.get(e.getKey())[i];
            assertTrue(Math.abs(w - h) <= 1e-4 * largest, name + ": " + key + " " + e.getKey() + "[" + i + "]: " + w + " vs " + h);
          }
        }
      }
    }
  }

  private static void compare(Map<String, double[]> want, Map<String, double[]> got, String what) {
    assertEquals(want.keySet(), got.keySet(), what);
    want.forEach((k, w) -> {
      double[] g = got.get(k);
      assertEquals(w.length, g.length, what + k);
      for (int i = 0; i < w.length; i++) {
        close(w[i], g[i], what + k + "[" + i + "]");
      }
    });
  }

  private static final double[] worst = {0};

  private static void close(double want, double got, String what) {
    worst[0] = Math.max(worst[0], Math.abs(want - got) / Math.max(1, Math.abs(want)));
    assertTrue(Math.abs(want - got) <= REL * Math.max(1, Math.abs(want)), what + ": PyTorch " + want + ", netc " + got);
  }
}
