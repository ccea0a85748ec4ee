package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc train} with a {@code dropout} network: it learns, two threads included, and a run
 * stopped with a checkpoint and resumed ends with the bytes of the uninterrupted run (the masks
 * of each epoch come from the seed and the epoch alone).
 */
class CliTrainDropoutTest {
  static final String NET = """
      network DigitsDropout {
          input  x[64]
          target y[10]
          param  W1[32, 64] init he
          param  b1[32]
          param  W2[10, 32]
          param  b2[10]
          h = dropout(relu(W1 * (x / 16) + b1), 0.2)
          z = W2 * h + b2
          output z
          loss = softmax_cross_entropy(z, y)
      }
      """;

  @TempDir Path tmp;

  @Test
  void trainsAndResumesBitExact() throws Exception {
    Path net = tmp.resolve("dropout.net");
    Files.writeString(net, NET);
    Path data = tmp.resolve("digits.csv");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(Path.of("../samples/digits/digits.csv.gz"))), StandardCharsets.UTF_8))) {
      Files.write(data, in.lines().limit(601).toList());
    }
    Object[] common = {"train", net, "--data", data, "--seed", "4", "--batch", "16", "--lr", "0.01", "--threads", "2"};
    Path a = tmp.resolve("a.params");
    Path b = tmp.resolve("b.params");
    CliRun full = CliRun.of(cat(common, "--epochs", "6", "--save", a));
    expect(0, full);
    String done = full.out().lines().filter(l -> l.startsWith("epoch 6:")).findFirst().orElseThrow();
    double acc = Double.parseDouble(done.replaceAll(".*test acc ([0-9.]+)%.*", "$1"));
    assertTrue(acc > 80, done);
    expect(0, CliRun.of(cat(common, "--epochs", "3", "--save", b, "--checkpoint-every", "3")));
    CliRun rest = CliRun.of(cat(common, "--epochs", "6", "--save", b, "--resume", b));
    expect(0, rest);
    assertTrue(rest.out().contains("resuming after epoch 3"), rest::toString);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "resumed params differ");
  }

  private static Object[] cat(Object[] a, Object... b) {
    Object[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
