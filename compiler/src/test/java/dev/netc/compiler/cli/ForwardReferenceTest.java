package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forward mode and Hessian-vector products against PyTorch in float64: an MLP, sigmoid with mse
 * and binary cross-entropy, smooth functions (exp, softplus, sqrt, logsumexp, log_softmax, norm,
 * sin, cos, a power), a LeNet-like chain (conv, tanh, max pool, flatten, dense, softmax
 * cross-entropy), a strided padded convolution and user index definitions, each run through
 * {@code netc eval} with {@code "tangent"} and {@code "hvp"} in its values and compared with what
 * {@code pytorch/forward_reference.py} computed ({@code torch.autograd.functional.jvp} and
 * {@code hvp}, committed beside it as forward_reference.json). Tolerance: {@value #REL} of
 * {@code max(1, |PyTorch|)}.
 */
class ForwardReferenceTest {
  static final Path REFERENCE = Path.of("src/test/resources/pytorch/forward_reference.json");
  static final double REL = 1e-8;

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> netcEvalMatchesPyTorchFloat64() throws Exception {
    Json.Arr cases = (Json.Arr) Json.parse(Files.readString(REFERENCE));
    assertTrue(cases.items.size() >= 6, "cases: " + cases.items.size());
    return cases.items.stream().map(o -> (Json.Obj) o).map(c -> DynamicTest.dynamicTest(String.valueOf(c.members.get("name")), () -> {
      String name = String.valueOf(c.members.get("name"));
      Path net = tmp.resolve("case.net");
      Files.writeString(net, String.valueOf(c.members.get("net")));
      Path values = tmp.resolve("values.json");
      String json = Json.arrays(CliEvalTest.arrays(c.members.get("values")), "");
      json = json.substring(0, json.lastIndexOf('}')) + ", \"tangent\": "
          + Json.arrays(CliEvalTest.arrays(c.members.get("tangent")), "") + ", \"hvp\": "
          + Json.arrays(CliEvalTest.arrays(c.members.get("hvp")), "") + "}";
      Files.writeString(values, json);
      CliRun r = CliRun.of("eval", net, "--values", values);
      assertEquals(0, r.code(), r::toString);
      Json.Obj got = CliEvalTest.parse(r.out());
      close(num(c, "loss"), num(got, "loss"), name + ": loss");
      Json.Obj wantJvp = (Json.Obj) c.members.get("jvp");
      Json.Obj gotJvp = (Json.Obj) got.members.get("jvp");
      close(num(wantJvp, "loss"), num(gotJvp, "loss"), name + ": jvp of the loss");
      compare(CliEvalTest.arrays(wantJvp.members.get("outputs")), CliEvalTest.arrays(gotJvp.members.get("outputs")),
          name + ": jvp of ");
      compare(CliEvalTest.arrays(c.members.get("products")), CliEvalTest.arrays(got.members.get("hvp")), name + ": hvp of ");
    }));
  }

  /** {@code --precision float}: the float class's jvp and hvp agree with PyTorch's float64 to 1e-4 of the largest value. */
  @Test
  void floatClassAgrees() throws Exception {
    Json.Obj c = (Json.Obj) ((Json.Arr) Json.parse(Files.readString(REFERENCE))).items.get(3);
    Path net = tmp.resolve("lenet.net");
    Files.writeString(net, String.valueOf(c.members.get("net")));
    String json = Json.arrays(CliEvalTest.arrays(c.members.get("values")), "");
    json = json.substring(0, json.lastIndexOf('}')) + ", \"tangent\": "
        + Json.arrays(CliEvalTest.arrays(c.members.get("tangent")), "") + ", \"hvp\": "
        + Json.arrays(CliEvalTest.arrays(c.members.get("hvp")), "") + "}";
    Path values = tmp.resolve("v.json");
    Files.writeString(values, json);
    CliRun r = CliRun.of("eval", net, "--values", values, "--precision", "float");
    assertEquals(0, r.code(), r::toString);
    Json.Obj got = CliEvalTest.parse(r.out());
    Map<String, double[]> want = CliEvalTest.arrays(c.members.get("products"));
    Map<String, double[]> hv = CliEvalTest.arrays(got.members.get("hvp"));
    double largest = 1;
    for (double[] w : want.values()) {
      for (double x : w) {
        largest = Math.max(largest, Math.abs(x));
      }
    }
    for (Map.Entry<String, double[]> e : want.entrySet()) {
      for (int i = 0; i < e.getValue().length; i++) {
        assertTrue(Math.abs(e.getValue()[i] - hv.get(e.getKey())[i]) <= 1e-4 * largest, e.getKey() + "[" + i + "]");
      }
    }
    double jl = num((Json.Obj) c.members.get("jvp"), "loss");
    assertTrue(Math.abs(jl - num((Json.Obj) got.members.get("jvp"), "loss")) <= 1e-4 * Math.max(1, Math.abs(jl)));
  }

  @Test
  void badTangentsAreReportedWithTheirPlace() throws Exception {
    Json.Obj c = (Json.Obj) ((Json.Arr) Json.parse(Files.readString(REFERENCE))).items.get(0);
    Path net = tmp.resolve("mlp.net");
    Files.writeString(net, String.valueOf(c.members.get("net")));
    String base = Json.arrays(CliEvalTest.arrays(c.members.get("values")), "");
    base = base.substring(0, base.lastIndexOf('}'));
    Path values = tmp.resolve("v.json");
    Files.writeString(values, base + ", \"tangent\": {\"q\": [1]}}");
    CliRun r = CliRun.of("eval", net, "--values", values);
    assertEquals(3, r.code(), r::toString);
    assertTrue(r.err().contains("tangent.q: not one of") && r.err().contains("v.json:"), r.err());
    Files.writeString(values, base + ", \"hvp\": {\"b2\": [1, 2]}}");
    r = CliRun.of("eval", net, "--values", values);
    assertEquals(3, r.code(), r::toString);
    assertTrue(r.err().contains("hvp.b2: expected 3 numbers"), r.err());
    assertTrue(!r.err().contains("Exception"), r.err());
  }

  private static double num(Json.Obj o, String key) {
    return ((Json.Num) o.members.get(key)).value();
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

  private static void close(double want, double got, String what) {
    assertTrue(Math.abs(want - got) <= REL * Math.max(1, Math.abs(want)), what + ": PyTorch " + want + ", netc " + got);
  }
}
