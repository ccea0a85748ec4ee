package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Int inputs and targets through the command line: a CSV of token ids trains an embedding with
 * a row-wise softmax cross-entropy; an id out of range or a value that is not an integer is
 * exit 3 naming the file, line, column and the tensor; {@code netc eval} checks ids too.
 */
class CliIntInputsTest {
  static final String NET = """
      network Bigram {
          input tok[3] int
          target next[3] int ignore=0
          param E[5, 4] init normal(0, 0.5)
          param W[5, 4] init normal(0, 0.5)
          z[t, v] = sum(d) E[tok[t], d] * W[v, d]
          output z
          loss = softmax_cross_entropy(z, next)
      }
      """;

  @TempDir Path tmp;

  /** Each next id is a function of the current one (1 -> 2 -> 3 -> 4 -> 1), so the loss can fall far. */
  private Path data(int rows) throws IOException {
    StringBuilder b = new StringBuilder("tok_0,tok_1,tok_2,next_0,next_1,next_2\n");
    Random r = new Random(1);
    for (int i = 0; i < rows; i++) {
      int[] t = new int[3];
      for (int k = 0; k < 3; k++) {
        t[k] = 1 + r.nextInt(4);
      }
      b.append(t[0]).append(',').append(t[1]).append(',').append(t[2]);
      for (int k = 0; k < 3; k++) {
        b.append(',').append(k == 2 && i % 3 == 0 ? 0 : t[k] % 4 + 1);   // some padding
      }
      b.append('\n');
    }
    return Files.writeString(tmp.resolve("ids.csv"), b.toString());
  }

  @Test
  void trainsOnIntColumns() throws IOException {
    Path net = Files.writeString(tmp.resolve("bigram.net"), NET);
    CliRun r = CliRun.of("train", net, "--data", data(64), "--epochs", "30", "--lr", "0.1", "--optimizer", "adam",
        "--batch", "8", "--test-fraction", "0", "--save", tmp.resolve("p.params"));
    expect(0, r);
    assertTrue(r.out().contains("64 training examples"), r::toString);
    assertTrue(Files.size(tmp.resolve("p.params")) > 0, r::toString);
    // the loss of the last epoch is well below the first's (ln 5 = 1.61 for uniform guesses)
    java.util.List<Double> losses = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("train loss ([0-9.eE+-]+)").matcher(r.out());
    while (m.find()) {
      losses.add(Double.parseDouble(m.group(1)));
    }
    assertTrue(losses.size() >= 2 && losses.get(losses.size() - 1) < 0.5 * losses.get(0), r::toString);
  }

  @Test
  void badIdsInCsvAreExit3NamingLineColumnAndTensor() throws IOException {
    Path net = Files.writeString(tmp.resolve("bigram.net"), NET);
    Object[][] cases = {
      {"1,2,3,1,2,7\n", ":3:6 (next_2): 7 is out of range for 'next', which holds an id in 0..4 (or the padding id 0)"},
      {"1,2,-1,1,2,3\n", ":3:3 (tok_2): -1 is out of range for 'tok', which holds an id in 0..4"},
      {"1,2.5,3,1,2,3\n", ":3:2 (tok_1): 'tok' is an int column, but this is not an integer: 2.5"},
    };
    for (Object[] c : cases) {
      Path csv = Files.writeString(tmp.resolve("bad.csv"), "tok_0,tok_1,tok_2,next_0,next_1,next_2\n1,2,3,2,3,4\n" + c[0]);
      CliRun r = CliRun.of("train", net, "--data", csv, "--epochs", "1");
      expect(3, r);
      assertTrue(r.err().contains(csv + (String) c[1]), () -> c[0] + " -> " + r);
    }
  }

  @Test
  void evalChecksIds() throws IOException {
    Path net = Files.writeString(tmp.resolve("bigram.net"), NET);
    Path good = Files.writeString(tmp.resolve("good.json"), "{\"tok\": [1, 2, 4], \"next\": [2, 0, 1]}\n");
    CliRun ok = CliRun.of("eval", net, "--values", good);
    expect(0, ok);
    assertTrue(ok.out().contains("\"loss\""), ok::toString);
    Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"tok\": [1, 5, 4], \"next\": [2, 0, 1]}\n");
    CliRun r = CliRun.of("eval", net, "--values", bad);
    expect(3, r);
    assertTrue(r.err().contains("bad.json:1:9: tok [1]: 5 is not an id in 0..4 ('tok' is int)"), r::toString);
    Path frac = Files.writeString(tmp.resolve("frac.json"), "{\"tok\": [1, 2, 4], \"next\": [2, 0.5, 1]}\n");
    CliRun f = CliRun.of("eval", net, "--values", frac);
    expect(3, f);
    assertTrue(f.err().contains("next [1]: 0.5 is not an id in 0..4 (or the padding id 0)"), f::toString);
  }
}
