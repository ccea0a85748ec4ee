package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc train} when training diverges: exit 5, one line naming the epoch and the first bad
 * param, --save left untouched, and the last finite params in NAME.last-finite.params.
 */
class CliTrainDivergenceTest {
  static final Path DIGITS = CliTrainTest.DIGITS;
  private static final Pattern LINE = Pattern.compile(
      "netc: training diverged in epoch (\\d+): param (\\w+) has (NaN|-?Infinity) at flat index (\\d+).*"
          + "the last finite params \\(after epoch (\\d+)\\) are in (\\S+); (\\S+) was not written.*");

  @TempDir Path tmp;

  private Path digits(int rows) throws Exception {
    Path out = tmp.resolve("digits-" + rows + ".csv");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(Path.of("../samples/digits/digits.csv.gz"))),
        StandardCharsets.UTF_8))) {
      Files.write(out, in.lines().limit(rows + 1).toList());
    }
    return out;
  }

  @Test
  void hugeLearningRateStopsWithExit5AndKeepsTheLastFiniteParams() throws Exception {
    Path data = digits(40);
    Path save = tmp.resolve("d.params");
    Files.writeString(save, "an older model");
    CliRun r = CliRun.of("train", DIGITS, "--data", data, "--optimizer", "sgd", "--lr", "1e6",
        "--batch", "4", "--epochs", "30", "--seed", "2", "--save", save);
    expect(5, r);
    assertEquals(1, r.err().lines().count(), r::toString);
    Matcher m = LINE.matcher(r.err().strip());
    assertTrue(m.matches(), r::toString);
    int epoch = Integer.parseInt(m.group(1));
    assertTrue(epoch > 1 && epoch < 30, r::toString);
    assertEquals(epoch - 1, Integer.parseInt(m.group(5)));
    Path good = tmp.resolve("d.last-finite.params");
    assertEquals(good.toString(), m.group(6));
    assertEquals("an older model", Files.readString(save), "--save must not be overwritten");
    assertFalse(r.out().contains("saved params"), r::toString);
    assertFalse(r.out().contains("epoch " + (epoch + 1) + ":"), "training stopped at the bad epoch");

    // the kept params are finite and are exactly those of a run stopped after the last good epoch
    Model kept = CliTrainTest.model(DIGITS, "Digits");
    ParamsFile.load(kept, good);
    Path ref = tmp.resolve("ref.params");
    expect(0, CliRun.of("train", DIGITS, "--data", data, "--optimizer", "sgd", "--lr", "1e6",
        "--batch", "4", "--epochs", String.valueOf(epoch - 1), "--seed", "2", "--save", ref));
    Model reference = CliTrainTest.model(DIGITS, "Digits");
    ParamsFile.load(reference, ref);
    for (int p = 0; p < kept.params().size(); p++) {
      double[] a = (double[]) kept.paramData(p);
      for (double v : a) {
        assertTrue(Double.isFinite(v), kept.params().get(p).name());
      }
      assertArrayEquals((double[]) reference.paramData(p), a, 0.0, kept.params().get(p).name());
    }
    // the named param really is the first bad one: W1 comes first in digits.net
    assertEquals("W1", m.group(2));
  }

  @Test
  void floatPrecisionAndNoSave() throws Exception {
    Path data = digits(40);
    CliRun r = CliRun.of("train", DIGITS, "--data", data, "--optimizer", "sgd", "--lr", "1e6",
        "--batch", "4", "--epochs", "30", "--precision", "float");
    expect(5, r);
    assertTrue(r.err().startsWith("netc: training diverged in epoch "), r::toString);
    assertTrue(r.err().contains("were not saved: no --save given"), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
  }

  /** Inputs near the top of the double range overflow the loss: Infinity/NaN is caught too. */
  @Test
  void hugeInputs() throws Exception {
    List<String> lines = Files.readAllLines(digits(8));
    List<String> huge = new ArrayList<>(List.of(lines.get(0)));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      for (int i = 0; i < 64; i++) {
        f[i] = "1e308";
      }
      huge.add(String.join(",", f));
    }
    Path data = tmp.resolve("huge.csv");
    Files.write(data, huge);
    Path save = tmp.resolve("out/h.params");
    CliRun r = CliRun.of("train", DIGITS, "--data", data, "--test-fraction", "0", "--optimizer",
        "sgd", "--epochs", "5", "--save", save);
    expect(5, r);
    assertTrue(LINE.matcher(r.err().strip()).matches(), r::toString);
    assertFalse(Files.exists(save), r::toString);
    ParamsFile.load(CliTrainTest.model(DIGITS, "Digits"), tmp.resolve("out/h.last-finite.params"));
  }
}
