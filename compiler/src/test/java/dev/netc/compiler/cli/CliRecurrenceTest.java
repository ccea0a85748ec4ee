package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on a network with a {@code for} block: check (with --cost), compile, eval, train on
 * int CSV columns, predict, graph (forward and backward); forward mode asked of such a network is
 * E090, not a crash.
 */
class CliRecurrenceTest {
  static final String NET = """
      network Rnn {
          const T = 4
          input tok[T] int
          target next[T] int ignore=0
          param E[5, 3] init normal(0, 0.5)
          param Wx[6, 3]
          param Wh[6, 6]
          param b[6]
          param Wo[5, 6]
          param bo[5]
          param h0[6]
          state h[6] = h0
          for t in 0 .. T {
              h = tanh(Wx * E[tok[t]] + Wh * h + b)
              z[t] = Wo * h + bo
          }
          output z
          loss = softmax_cross_entropy(z, next)
      }
      """;

  @TempDir Path tmp;

  private Path data(int rows) throws IOException {
    StringBuilder b = new StringBuilder("tok_0,tok_1,tok_2,tok_3,next_0,next_1,next_2,next_3\n");
    Random r = new Random(1);
    for (int i = 0; i < rows; i++) {
      int[] t = new int[4];
      for (int k = 0; k < 4; k++) {
        t[k] = 1 + r.nextInt(4);
        b.append(k == 0 ? "" : ",").append(t[k]);
      }
      for (int k = 0; k < 4; k++) {
        b.append(',').append(t[k] % 4 + 1); // the next id is a function of this one
      }
      b.append('\n');
    }
    return Files.writeString(tmp.resolve("ids.csv"), b.toString());
  }

  private static void expect(int code, CliRun r) {
    assertEquals(code, r.code(), r::toString);
  }

  @Test
  void everyCommandWorks() throws IOException {
    Path net = Files.writeString(tmp.resolve("rnn.net"), NET);
    expect(0, CliRun.of("check", net));
    CliRun cost = CliRun.of("check", "--cost", net);
    expect(0, cost);
    expect(0, CliRun.of("compile", net, "-d", tmp.resolve("out")));
    assertTrue(Files.readString(tmp.resolve("out/Rnn.java")).contains("for (int t = 3; t >= 0; t--)"));
    Path values = Files.writeString(tmp.resolve("v.json"), "{\"tok\": [1, 2, 2, 4], \"next\": [2, 3, 0, 1]}\n");
    CliRun eval = CliRun.of("eval", net, "--values", values);
    expect(0, eval);
    assertTrue(eval.out().contains("\"loss\"") && eval.out().contains("\"Wh\""), eval::toString);
    Path csv = data(64);
    CliRun train = CliRun.of("train", net, "--data", csv, "--epochs", "40", "--lr", "0.05", "--optimizer", "adam",
        "--batch", "8", "--test-fraction", "0", "--save", tmp.resolve("p.params"));
    expect(0, train);
    java.util.List<Double> losses = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("train loss ([0-9.eE+-]+)").matcher(train.out());
    while (m.find()) {
      losses.add(Double.parseDouble(m.group(1)));
    }
    assertTrue(losses.size() >= 2 && losses.get(losses.size() - 1) < 0.5 * losses.get(0), train::toString);
    expect(0, CliRun.of("predict", net, "--params", tmp.resolve("p.params"), "--data", csv));
    expect(0, CliRun.of("graph", net, "-o", tmp.resolve("g.svg")));
    expect(0, CliRun.of("graph", net, "--backward", "-o", tmp.resolve("b.dot")));
    CliRun jvp = CliRun.of("compile", net, "--jvp", "-d", tmp.resolve("out2"));
    assertTrue(jvp.code() != 0 && jvp.err().contains("no derivative rule"), jvp::toString);
  }
}
