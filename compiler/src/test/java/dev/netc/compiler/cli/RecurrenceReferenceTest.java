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
 * Recurrences against PyTorch in float64: an RNN with a learned initial state and padding ids, a
 * GRU written as torch.nn.GRUCell computes (its stacked weights sliced by index definitions), an
 * LSTM as torch.nn.LSTMCell (two states, a learned c0), and an RNN over a reversed sequence, T up
 * to 16, each run through {@code netc eval} (the generated class, double) and compared with the
 * loss and gradients (backpropagation through time by autograd) that
 * {@code pytorch/recurrence_reference.py} computed (committed beside it as
 * recurrence_reference.json). Tolerance: 1e-10 relative.
 */
class RecurrenceReferenceTest {
  static final Path REFERENCE = Path.of("src/test/resources/pytorch/recurrence_reference.json");

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
