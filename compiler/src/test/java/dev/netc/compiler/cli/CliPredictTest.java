package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc predict}: the outputs of trained params, and train's accuracy on train's test split. */
class CliPredictTest {
  static final Path DIGITS = CliTrainTest.DIGITS;
  static final Path DIGITS_CSV = Path.of("../samples/digits/digits.csv.gz");
  static final Path IRIS = Path.of("../samples/iris/iris.net");
  static final Path IRIS_CSV = Path.of("../samples/iris/iris.csv.gz");
  static final Path XOR = CliTrainTest.XOR;
  static final Path XOR_CSV = CliTrainTest.XOR_CSV;

  @TempDir Path tmp;

  /** The first {@code n} lines of a gzipped text file. */
  static List<String> gunzipLines(Path gz, int n) throws java.io.IOException {
    try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
        new java.util.zip.GZIPInputStream(Files.newInputStream(gz)), java.nio.charset.StandardCharsets.UTF_8))) {
      return in.lines().limit(n).toList();
    }
  }

  /** The "test loss ..." and "test acc ...%" of train's last line. */
  static String[] trainEnd(CliRun r) {
    String done = r.out().lines().filter(l -> l.startsWith("done in")).findFirst().orElseThrow();
    return new String[] {
      done.replaceAll(".*test loss ([0-9.e-]+),.*", "$1"),
      done.replaceAll(".*test acc ([0-9.]+%).*", "$1")
    };
  }

  @Test
  void predictOnTrainsHeldOutShareReportsTrainsAccuracyAndLoss() throws Exception {
    Path params = tmp.resolve("digits.params");
    CliRun t = CliRun.of("train", DIGITS, "--data", DIGITS_CSV, "--epochs", "4", "--lr", "0.003",
        "--seed", "3", "--save", params);
    expect(0, t);
    String[] end = trainEnd(t);
    Path out = tmp.resolve("sub/preds.csv");
    CliRun p = CliRun.of("predict", DIGITS, "--params", params, "--data", DIGITS_CSV,
        "--test-fraction", "0.2", "--seed", "3", "--out", out);
    expect(0, p);
    assertTrue(p.out().contains("network Digits: 359 examples, mean loss " + end[0] + "\n"), p::toString);
    assertTrue(p.out().contains("accuracy " + end[1] + " ("), p + "\ntrain: " + t);
    assertTrue(p.out().contains("confusion matrix (rows: target class, columns: predicted class):"), p::toString);
    assertTrue(p.out().contains("wrote 359 rows to " + out), p::toString);
    List<String> rows = Files.readAllLines(out);
    assertEquals(360, rows.size());
    assertEquals("p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9,predicted,target", rows.get(0));
    // the confusion matrix adds up to the rows, its diagonal to the accuracy's count
    long agree = rows.stream().skip(1).filter(l -> {
      String[] f = l.split(",");
      return f[10].equals(f[11]);
    }).count();
    assertTrue(p.out().contains("(" + agree + " of 359)"), p::toString);
    String[] matrix = p.out().substring(p.out().indexOf("columns: predicted class):\n")).split("\n");
    assertEquals(13, matrix.length, p::toString);
    assertEquals("wrote 359 rows to " + out, matrix[12]);
    assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), List.of(matrix[1].trim().split("\\s+")));
    int total = 0;
    int diagonal = 0;
    for (int i = 0; i < 10; i++) {
      String[] cells = matrix[2 + i].trim().split("\\s+");
      assertEquals(String.valueOf(i), cells[0]);
      for (int j = 0; j < 10; j++) {
        int c = Integer.parseInt(cells[1 + j]);
        total += c;
        diagonal += i == j ? c : 0;
      }
    }
    assertEquals(359, total);
    assertEquals(agree, diagonal);
    // each row's probabilities sum to 1 and its predicted class is their argmax
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split(",");
      double sum = 0;
      int best = 0;
      for (int j = 0; j < 10; j++) {
        double v = Double.parseDouble(f[j]);
        sum += v;
        best = v > Double.parseDouble(f[best]) ? j : best;
      }
      assertEquals(1, sum, 1e-9, row);
      assertEquals(String.valueOf(best), f[10], row);
    }
    // without --out: the rows on standard output, the summary on standard error
    CliRun s = CliRun.of("predict", DIGITS, "--params", params, "--data", DIGITS_CSV,
        "--test-fraction", "0.2", "--seed", "3");
    expect(0, s);
    assertEquals(String.join("\n", rows) + "\n", s.out());
    assertTrue(s.err().startsWith("network Digits: 359 examples, mean loss " + end[0]), s::toString);
    // the whole file
    CliRun all = CliRun.of("predict", DIGITS, "--params", params, "--data", DIGITS_CSV);
    expect(0, all);
    assertEquals(1798, all.out().lines().count());
    assertTrue(all.err().startsWith("network Digits: 1797 examples, mean loss "), all::toString);
  }

  @Test
  void standardizeReproducesTrainsStandardizedTestSet() {
    Path params = tmp.resolve("iris.params");
    CliRun t = CliRun.of("train", IRIS, "--data", IRIS_CSV, "--standardize", "--epochs", "5",
        "--lr", "0.01", "--save", params);
    expect(0, t);
    String[] end = trainEnd(t);
    CliRun p = CliRun.of("predict", IRIS, "--params", params, "--data", IRIS_CSV,
        "--test-fraction", "0.2", "--standardize", "--out", tmp.resolve("p.csv"));
    expect(0, p);
    assertTrue(p.out().contains("examples, mean loss " + end[0] + "\naccuracy " + end[1]), p + "\n" + t);
    CliRun raw = CliRun.of("predict", IRIS, "--params", params, "--data", IRIS_CSV, "--test-fraction", "0.2");
    expect(0, raw);
    assertFalse(raw.err().contains("mean loss " + end[0] + "\n"), "without --standardize the inputs differ");
  }

  @Test
  void dataWithoutTargetsGivesOutputsAndClassesOnly() throws Exception {
    Path params = tmp.resolve("digits.params");
    expect(0, CliRun.of("train", DIGITS, "--data", DIGITS_CSV, "--epochs", "1", "--save", params));
    List<String> lines = gunzipLines(DIGITS_CSV, 4);
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l, 0, l.lastIndexOf(',')).append('\n');
    }
    Path inputs = Files.writeString(tmp.resolve("inputs.csv"), sb);
    CliRun r = CliRun.of("predict", DIGITS, "--params", params, "--data", inputs, "--precision", "float");
    expect(0, r);
    List<String> rows = r.out().lines().toList();
    assertEquals("p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9,predicted", rows.get(0));
    assertEquals(4, rows.size());
    for (String row : rows.subList(1, 4)) {
      String v = row.split(",")[0];
      assertEquals(Float.toString(Float.parseFloat(v)), v, "float outputs are printed as floats");
    }
    assertEquals("network Digits: 3 examples (no targets in the data, so no accuracy)\n", r.err());
    // a regression network with targets: the mean loss, no classes
    Path xp = tmp.resolve("xor.params");
    expect(0, CliRun.of("train", XOR, "--data", XOR_CSV, "--test-fraction", "0", "--epochs", "1", "--save", xp));
    CliRun x = CliRun.of("predict", XOR, "--params", xp, "--data", XOR_CSV);
    expect(0, x);
    assertTrue(x.out().startsWith("a_0\n"), x::toString);
    assertEquals(5, x.out().lines().count());
    assertTrue(x.err().matches("network Xor: 4 examples, mean loss [0-9.e-]+\n"), x::toString);
  }

  @Test
  void badInputIsAClearErrorAndWritesNothing() throws Exception {
    Path params = tmp.resolve("digits.params");
    expect(0, CliRun.of("train", DIGITS, "--data", DIGITS_CSV, "--epochs", "1", "--save", params));
    Path out = tmp.resolve("preds.csv");
    String header = String.join(",", gunzipLines(DIGITS_CSV, 1).get(0).split(",", -1));
    String row = "0,".repeat(64) + "3";
    Object[][] cases = {
      // the header has 63 input columns
      {header.substring(header.indexOf(',') + 1, header.lastIndexOf(',')) + "\n" + "0,".repeat(62) + "0\n",
          ":1: expected 74 columns (or 65 with class-index targets), found 63"
              + " (or 64 for the inputs alone, x[64], to predict without targets)"},
      {header + "\n" + row + "\n" + "0,".repeat(63) + "\n", ":3: expected 65 columns, found 64"},
      {header + "\n" + row + "\n" + "0,".repeat(5) + "," + "0,".repeat(58) + "1\n", ":3:6 (pixel_0_5): empty value"},
      {header + "\n" + row + "\n" + "0,".repeat(64) + "12\n", ":3:65 (label): class index 12 out of range 0..9"},
    };
    for (Object[] c : cases) {
      Path csv = Files.writeString(tmp.resolve("d.csv"), (String) c[0]);
      CliRun r = CliRun.of("predict", DIGITS, "--params", params, "--data", csv, "--out", out);
      expect(3, r);
      assertEquals("netc: " + csv + c[1] + "\n", r.err(), r::toString);
      assertFalse(Files.exists(out));
    }
    Path xorParams = tmp.resolve("xor.params");
    expect(0, CliRun.of("train", XOR, "--data", XOR_CSV, "--epochs", "1", "--test-fraction", "0", "--save", xorParams));
    CliRun wrong = CliRun.of("predict", DIGITS, "--params", xorParams, "--data", DIGITS_CSV);
    expect(3, wrong);
    assertTrue(wrong.err().contains(xorParams + ": params are for network Xor, not Digits"), wrong::toString);
    CliRun dir = CliRun.of("predict", DIGITS, "--params", params, "--data", DIGITS_CSV, "--out", tmp);
    expect(3, dir);
    assertTrue(dir.err().contains("cannot write predictions file " + tmp + ": it is a directory"), dir::toString);
    Path one = Files.writeString(tmp.resolve("one.csv"), header + "\n" + row + "\n");
    CliRun few = CliRun.of("predict", DIGITS, "--params", params, "--data", one, "--test-fraction", "0.5", "--standardize");
    expect(3, few);
    assertTrue(few.err().contains(one + ": too few examples to measure --standardize on the training share"), few::toString);
    Path lossOnly = Files.writeString(tmp.resolve("l.net"),
        "network L {\n input x[2]\n target y[2]\n param W[2, 2]\n loss = mse(W * x, y)\n}\n");
    CliRun noOut = CliRun.of("predict", lossOnly, "--params", params, "--data", one);
    expect(1, noOut);
    assertTrue(noOut.err().contains(lossOnly + ": network L declares no output, so there is nothing to predict"), noOut::toString);
  }

  @Test
  void badUsageIsExit2() {
    Object[][] cases = {
      {new Object[] {"predict", DIGITS, "--params", "p", "--data", DIGITS_CSV, "--test-fraction", "1"},
          "--test-fraction must be at least 0 and less than 1, got 1.0"},
      {new Object[] {"predict", DIGITS, "--params", "p", "--data", DIGITS_CSV, "--standardize"},
          "--standardize needs --test-fraction: the statistics are those of the training share of --data, as train measured them"},
      {new Object[] {"predict", DIGITS, "--data", DIGITS_CSV}, "Missing required option: '--params=P'"},
    };
    for (Object[] c : cases) {
      CliRun r = CliRun.of((Object[]) c[0]);
      expect(2, r);
      assertTrue(r.err().contains((String) c[1]), r::toString);
    }
    CliRun h = CliRun.of("predict", "--help");
    expect(0, h);
    assertTrue(h.out().contains("Usage: netc predict") && h.out().contains("Examples:"), h::toString);
  }
}
