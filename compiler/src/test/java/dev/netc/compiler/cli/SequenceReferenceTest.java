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
 * Sequences against PyTorch in float64: an embedding (gathers from an int input with repeated
 * ids), softmax_cross_entropy over rows with int class indices, with padding ids 0 and -100 and
 * for one row, each run through {@code netc eval} and compared with the loss and gradients that
 * {@code pytorch/sequence_reference.py} computed (committed beside it as sequence_reference.json).
 * Tolerance: 1e-10 relative (both sides compute in double; only summation order differs).
 */
class SequenceReferenceTest {
  static final Path REFERENCE = Path.of("src/test/resources/pytorch/sequence_reference.json");

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> netcEvalMatchesPyTorchFloat64() throws Exception {
    Json.Arr cases = (Json.Arr) Json.parse(Files.readString(REFERENCE));
    assertTrue(cases.items.size() >= 4, "cases: " + cases.items.size());
    return cases.items.stream().map(o -> (Json.Obj) o).map(c -> DynamicTest.dynamicTest(str(c, "name"), () -> {
      Path net = tmp.resolve("case.net");
      Files.writeString(net, str(c, "net"));
      Path values = tmp.resolve("values.json");
      Files.writeString(values, Json.arrays(CliEvalTest.arrays(c.members.get("values")), ""));
      CliRun r = CliRun.of("eval", net, "--values", values);
      assertEquals(0, r.code(), r::toString);
      Json.Obj got = CliEvalTest.parse(r.out());
      CliEvalTest.close(((Json.Num) c.members.get("loss")).value(), ((Json.Num) got.members.get("loss")).value(), "loss");
      Map<String, double[]> want = CliEvalTest.arrays(c.members.get("gradients"));
      Map<String, double[]> grads = CliEvalTest.arrays(got.members.get("gradients"));
      assertEquals(want.keySet(), grads.keySet());
      want.forEach((name, w) -> {
        double[] g = grads.get(name);
        assertEquals(w.length, g.length, name);
        for (int i = 0; i < w.length; i++) {
          CliEvalTest.close(w[i], g[i], str(c, "name") + ": d loss / d " + name + "[" + i + "]");
        }
      });
    }));
  }

  private static String str(Json.Obj o, String key) {
    Object v = o.members.get(key);
    return String.valueOf(v);
  }
}
