package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.SafeTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc params export/import}: safetensors round trips bit-exactly, a file PyTorch wrote
 * (src/test/resources/safetensors, made by make_tiny.py) predicts what PyTorch predicted, and
 * bad files are refused with every problem named and nothing written.
 */
class CliParamsTest {
  static final Path DIGITS = CliTrainTest.DIGITS;
  static final Path DIGITS_CSV = CliPredictTest.DIGITS_CSV;
  static final Path XOR = CliTrainTest.XOR;
  static final Path XOR_CSV = CliTrainTest.XOR_CSV;
  static final Path FIXTURES = Path.of("src/test/resources/safetensors");
  static final Path TINY = FIXTURES.resolve("tiny.net");
  static final Path MAP = FIXTURES.resolve("torch-names.map");

  @TempDir Path tmp;

  @Test
  void exportThenImportIsBitExactInBothPrecisions() throws Exception {
    for (String precision : new String[] {"double", "float"}) {
      Path params = tmp.resolve(precision + ".params");
      expect(0, CliRun.of("train", DIGITS, "--data", DIGITS_CSV, "--epochs", "1", "--precision", precision,
          "--save", params));
      Path st = tmp.resolve(precision + ".safetensors");
      CliRun e = CliRun.of("params", "export", params, "--format", "safetensors", st);
      expect(0, e);
      assertTrue(e.out().startsWith("wrote " + st + " ("), e::toString);
      SafeTensors.Contents c = SafeTensors.read(st);
      assertEquals(List.of("W1", "b1", "W2", "b2"), c.tensors().stream().map(SafeTensors.Tensor::name).toList());
      assertEquals(precision.equals("double") ? "F64" : "F32", c.get("W1").dtype());
      assertArrayEquals(new int[] {32, 64}, c.get("W1").shape());
      assertEquals("Digits", c.metadata().get("netc.network"));
      Path back = tmp.resolve(precision + "-back.params");
      CliRun i = CliRun.of("params", "import", st, "--network", DIGITS, back, "--precision", precision);
      expect(0, i);
      assertEquals("wrote params of network Digits (4 tensors) to " + back + "\n", i.out());
      assertArrayEquals(Files.readAllBytes(params), Files.readAllBytes(back), precision + " round trip");
    }
    // double params written as F32 come back rounded to float
    Path d = tmp.resolve("double.params");
    Path f32 = tmp.resolve("d32.safetensors");
    expect(0, CliRun.of("params", "export", d, "--dtype", "f32", f32));
    assertEquals("F32", SafeTensors.read(f32).get("b2").dtype());
    double[] exact = SafeTensors.read(tmp.resolve("double.safetensors")).get("W1").values();
    double[] rounded = SafeTensors.read(f32).get("W1").values();
    for (int k = 0; k < exact.length; k++) {
      assertEquals((float) exact[k], rounded[k]);
    }
  }

  /** Expected rows of a fixture CSV: header, then numbers. */
  static List<double[]> numbers(Path csv) throws Exception {
    return Files.readAllLines(csv).stream().skip(1)
        .map(l -> Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
  }

  /**
   * PyTorch's tiny.safetensors (F32 weights, and an I64 buffer the map leaves out) imports with
   * the name map, and predict gives PyTorch's float32 softmax outputs within 1e-6 (PyTorch
   * computed in float32, netc in double from the same float32 weights) and the same classes;
   * the BF16 file gives PyTorch's float64 outputs from the same BF16 weights within 1e-12.
   */
  @Test
  void aFileMadeByPyTorchPredictsWhatPyTorchPredicted() throws Exception {
    Object[][] cases = {{"tiny.safetensors", "expected-f32.csv", 1e-6}, {"tiny-bf16.safetensors", "expected-bf16.csv", 1e-12}};
    for (Object[] c : cases) {
      Path params = tmp.resolve(c[0] + ".params");
      CliRun i = CliRun.of("params", "import", FIXTURES.resolve((String) c[0]), "--network", TINY, "--map", MAP, params);
      expect(0, i);
      Path out = tmp.resolve(c[0] + ".csv");
      CliRun p = CliRun.of("predict", TINY, "--params", params, "--data", FIXTURES.resolve("inputs.csv"), "--out", out);
      expect(0, p);
      List<double[]> expected = numbers(FIXTURES.resolve((String) c[1]));
      List<String> rows = Files.readAllLines(out);
      assertEquals("p_0,p_1,p_2,predicted,target", rows.get(0));
      assertEquals(expected.size() + 1, rows.size());
      List<double[]> labels = numbers(FIXTURES.resolve("inputs.csv"));
      int correct = 0;
      for (int e = 0; e < expected.size(); e++) {
        double[] got = Arrays.stream(rows.get(e + 1).split(",")).mapToDouble(Double::parseDouble).toArray();
        for (int j = 0; j < 3; j++) {
          assertEquals(expected.get(e)[j], got[j], (double) c[2], c[0] + " example " + e + " p_" + j);
        }
        assertEquals(expected.get(e)[3], got[3], c[0] + " example " + e + ": predicted class");
        assertEquals(labels.get(e)[4], got[4], "target class");
        correct += expected.get(e)[3] == labels.get(e)[4] ? 1 : 0;
      }
      assertEquals(4, correct, "the fixture's classes vary: PyTorch got 4 of 6 right");
      assertTrue(p.out().contains("accuracy 66.67% (4 of 6)"), p::toString);
    }
    // the same weights exported under PyTorch's names
    Path params = tmp.resolve("tiny.safetensors.params");
    Path back = tmp.resolve("torch-names.safetensors");
    expect(0, CliRun.of("params", "export", params, "--map", MAP, "--dtype", "F32", back));
    SafeTensors.Contents torch = SafeTensors.read(FIXTURES.resolve("tiny.safetensors"));
    SafeTensors.Contents ours = SafeTensors.read(back);
    assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"),
        ours.tensors().stream().map(SafeTensors.Tensor::name).toList());
    for (SafeTensors.Tensor t : ours.tensors()) {
      assertArrayEquals(torch.get(t.name()).values(), t.values(), t.name());
      assertArrayEquals(torch.get(t.name()).shape(), t.shape(), t.name());
    }
  }

  /**
   * samples/from-pytorch: PyTorch's trained digits MLP, imported with its name map, predicts the
   * held-out rows with PyTorch's accuracy (94.44%, 340 of 360, as train.py printed and the README
   * says), PyTorch's classes, and PyTorch's float32 outputs within 1e-5.
   */
  @Test
  void theFromPyTorchSampleMatchesPyTorch() throws Exception {
    Path sample = Path.of("../samples/from-pytorch");
    Path params = tmp.resolve("mlp.params");
    expect(0, CliRun.of("params", "import", sample.resolve("weights.safetensors"), "--network",
        sample.resolve("mlp.net"), "--map", sample.resolve("torch-names.map"), params));
    Path out = tmp.resolve("preds.csv");
    CliRun p = CliRun.of("predict", sample.resolve("mlp.net"), "--params", params, "--data",
        sample.resolve("test.csv.gz"), "--out", out);
    expect(0, p);
    assertTrue(p.out().contains("network Mlp: 360 examples, mean loss 0.158819\naccuracy 94.44% (340 of 360)"), p::toString);
    List<String> torch = CliPredictTest.gunzipLines(sample.resolve("torch-predictions.csv.gz"), 400);
    List<String> ours = Files.readAllLines(out);
    assertEquals(361, torch.size());
    assertEquals(torch.size(), ours.size());
    for (int e = 1; e < torch.size(); e++) {
      String[] t = torch.get(e).split(",");
      String[] o = ours.get(e).split(",");
      for (int j = 0; j < 10; j++) {
        assertEquals(Double.parseDouble(t[j]), Double.parseDouble(o[j]), 1e-5, "row " + e + " p_" + j);
      }
      assertEquals(t[10], o[10], "row " + e + ": predicted class");
    }
    assertTrue(Files.readString(sample.resolve("README.md")).contains("| netc (`predict`) | 0.158819 | 94.44% (340 of 360) |"));
  }

  @Test
  void mismatchedAndCorruptFilesAreExit3AndWriteNothing() throws Exception {
    Path target = tmp.resolve("out.params");
    // without the map: PyTorch's names are all extra, every param missing
    CliRun r = CliRun.of("params", "import", FIXTURES.resolve("tiny.safetensors"), "--network", TINY, target);
    expect(3, r);
    assertEquals("netc: " + FIXTURES.resolve("tiny.safetensors") + ": does not match network Tiny:\n"
        + "  missing: W1[3, 4], b1[3], W2[3, 3], b2[3]\n"
        + "  not params of network Tiny: steps I64 [1], fc1.weight F32 [3, 4], fc1.bias F32 [3],"
        + " fc2.weight F32 [3, 3], fc2.bias F32 [3] (rename them with a name map)\n", r.err());
    assertFalse(Files.exists(target));
    // the wrong network: shapes differ
    Path map = Files.writeString(tmp.resolve("digits.map"), Files.readString(MAP));
    CliRun s = CliRun.of("params", "import", FIXTURES.resolve("tiny.safetensors"), "--network", DIGITS, "--map", map, target);
    expect(3, s);
    assertTrue(s.err().contains("  wrong shape: fc1.weight (W1) is [3, 4] in the file, W1[32, 64] in network Digits\n"), s::toString);
    assertTrue(s.err().contains("  wrong shape: fc2.bias (b2) is [3] in the file, b2[10] in network Digits"), s::toString);
    assertFalse(Files.exists(target));
    // corrupt files leave an existing target as it was
    Files.writeString(target, "old");
    byte[] good = Files.readAllBytes(FIXTURES.resolve("tiny.safetensors"));
    long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Object[][] corrupt = {
      {Arrays.copyOf(good, good.length + 4),
          "4 bytes after the end of the last tensor (the data has 120 bytes, the tensors cover 116)"},
      {Arrays.copyOf(good, 6), "not a safetensors file: 6 bytes, fewer than the 8 of the header length"},
      {Arrays.copyOf(good, (int) n), "not a safetensors file: the header length " + n + " is more than the "
          + (n - 8) + " bytes after it"},
    };
    for (Object[] c : corrupt) {
      Path bad = Files.write(tmp.resolve("bad.safetensors"), (byte[]) c[0]);
      CliRun b = CliRun.of("params", "import", bad, "--network", TINY, "--map", MAP, target);
      expect(3, b);
      assertEquals("netc: " + bad + ": " + c[1] + "\n", b.err());
      assertEquals("old", Files.readString(target));
    }
    byte[] truncated = Arrays.copyOf(good, good.length - 5);
    Path bad = Files.write(tmp.resolve("bad.safetensors"), truncated);
    CliRun t = CliRun.of("params", "import", bad, "--network", TINY, "--map", MAP, target);
    expect(3, t);
    assertTrue(t.err().contains("reach past the end of the file"), t::toString);
    // a bad map line, a map to a missing param
    Path badMap = Files.writeString(tmp.resolve("bad.map"), "fc1.weight W1\n");
    CliRun m = CliRun.of("params", "import", FIXTURES.resolve("tiny.safetensors"), "--network", TINY, "--map", badMap, target);
    expect(3, m);
    assertEquals("netc: " + badMap + ":1: expected TENSOR = PARAM (for example fc1.weight = W1), found \"fc1.weight W1\"\n", m.err());
    // import into a directory
    CliRun into = CliRun.of("params", "import", FIXTURES.resolve("tiny.safetensors"), "--network", TINY, "--map", MAP, tmp);
    expect(3, into);
    assertTrue(into.err().contains("cannot write params file " + tmp + ": it is a directory"), into::toString);
    // export: not a params file, a missing one, an unwritable target
    CliRun e = CliRun.of("params", "export", FIXTURES.resolve("tiny.safetensors"), tmp.resolve("x.safetensors"));
    expect(3, e);
    assertTrue(e.err().contains("not a netc params file (bad magic bytes)"), e::toString);
    CliRun missing = CliRun.of("params", "export", tmp.resolve("none.params"), tmp.resolve("x.safetensors"));
    expect(3, missing);
    assertTrue(missing.err().contains("none.params: no such file"), missing::toString);
    assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    CliRun dir = CliRun.of("params", "export", target, tmp);
    expect(3, dir);
    assertTrue(dir.err().contains("cannot write safetensors file " + tmp + ": it is a directory"), dir::toString);
  }

  @Test
  void badUsageIsExit2() {
    Object[][] cases = {
      {new Object[] {"params"}, "netc: params: missing subcommand (export or import)"},
      {new Object[] {"params", "export", "p", "--format", "onnx", "o"}, "'onnx' is not a format; valid values: safetensors"},
      {new Object[] {"params", "export", "p", "--dtype", "BF16", "o"}, "'BF16' is not a dtype netc writes; valid values: F32, F64"},
      {new Object[] {"params", "import", "w.safetensors", "o.params"}, "Missing required option: '--network=NET.net'"},
    };
    for (Object[] c : cases) {
      CliRun r = CliRun.of((Object[]) c[0]);
      expect(2, r);
      assertTrue(r.err().contains((String) c[1]), r::toString);
    }
    for (String sub : new String[] {"export", "import"}) {
      CliRun h = CliRun.of("params", sub, "--help");
      expect(0, h);
      assertTrue(h.out().contains("Usage: netc params " + sub) && h.out().contains("Examples:"), h::toString);
    }
  }
}
