package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc train}: trains the samples, saves params, and reports bad data as exit 3. */
class CliTrainTest {
  static final Path XOR = Path.of("../samples/xor/xor.net");
  static final Path XOR_CSV = Path.of("../samples/xor/xor.csv");
  static final Path DIGITS = Path.of("../samples/digits/digits.net");

  @TempDir Path tmp;

  @Test
  void trainsXorAndSavesParamsThatLoad() throws Exception {
    Path params = tmp.resolve("out/xor.params");
    CliRun r = CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--optimizer", "sgd",
        "--lr", "2", "--batch", "4", "--epochs", "2000", "--save", params);
    expect(0, r);
    assertTrue(r.out().contains("epoch 2000: train loss"), r::toString);
    assertTrue(r.out().contains("saved params to " + params), r::toString);
    String done = r.out().lines().filter(l -> l.startsWith("done in")).findFirst().orElseThrow();
    double loss = Double.parseDouble(done.replaceAll(".*train loss ([0-9.e-]+),.*", "$1"));
    assertTrue(loss < 0.01, done);
    Model m = model(XOR, "Xor");
    ParamsFile.load(m, params);
  }

  @Test
  void trainsASliceOfDigits() throws Exception {
    Path slice = tmp.resolve("digits300.csv");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(Path.of("../samples/digits/digits.csv.gz"))),
        StandardCharsets.UTF_8))) {
      Files.write(slice, in.lines().limit(301).toList());
    }
    Path params = tmp.resolve("digits.params");
    CliRun r = CliRun.of("train", DIGITS, "--data", slice, "--epochs", "3", "--lr", "0.01",
        "--standardize", "--save", params, "--seed", "3");
    expect(0, r);
    assertTrue(r.out().contains("240 training examples, 60 test examples, classifier"), r::toString);
    assertEquals(3, r.out().lines().filter(l -> l.startsWith("epoch ")).count(), r::toString);
    assertTrue(r.out().contains("test acc"), r::toString);
    assertTrue(r.out().contains("ex/s"), r::toString);
    ParamsFile.load(model(DIGITS, "Digits"), params);
    // float precision, no test set
    CliRun f = CliRun.of("train", DIGITS, "--data", slice, "--epochs", "1", "--precision", "float",
        "--test-fraction", "0", "--optimizer", "momentum");
    expect(0, f);
    assertFalse(f.out().contains("test acc"), f::toString);
  }

  /**
   * --vector (the Vector API kernels) trains the digits network (double and float) and a slice of
   * MNIST (double, one example per batch) to the params the scalar kernels give, up to rounding
   * (sums in another order).
   */
  @Test
  void vectorTrainsLikeTheScalarKernels() throws Exception {
    Path digits = slice(Path.of("../samples/digits/digits.csv.gz"), 200);
    trainBothWays(DIGITS, "Digits", digits, "double", 16);
    trainBothWays(DIGITS, "Digits", digits, "float", 16);
    // one example per batch: W2's gradient and dloss/dh come from one pass over W2 (backwardRows)
    Path mnistNet = Path.of("../samples/mnist/mnist.net");
    trainBothWays(mnistNet, "Mnist", slice(Path.of("../samples/mnist/mnist_10k.csv.gz"), 60), "double", 1);
    CliRun c = CliRun.of("compile", mnistNet, "-d", tmp.resolve("gen"), "--vector");
    expect(0, c);
    String java = Files.readString(tmp.resolve("gen/Mnist.java"));
    assertTrue(java.contains("VectorKernelsD.matmulRows(W1, "), java);
    assertTrue(java.contains("VectorKernelsD.backwardRows(W2, "), java);
    assertTrue(java.contains("Vectorized.require(\"Mnist\")"), java);
  }

  /**
   * --intra-op-threads 2 with --vector trains a slice of MNIST, one example per batch (W1's
   * products, its gradient and Adam's step over it split between two threads), to the same bytes
   * of params file as one thread; a bad count is exit 2.
   */
  @Test
  void intraOpThreadsTrainToTheSameBits() throws Exception {
    Path mnistNet = Path.of("../samples/mnist/mnist.net");
    Path data = slice(Path.of("../samples/mnist/mnist_10k.csv.gz"), 40);
    Path one = tmp.resolve("mnist-intra-1.params");
    Path two = tmp.resolve("mnist-intra-2.params");
    for (Path out : new Path[] {one, two}) {
      CliRun r = CliRun.of("train", mnistNet, "--data", data, "--epochs", "2", "--batch", "1", "--optimizer", "adam",
          "--save", out, "--seed", "5", "--vector", "--intra-op-threads", out == one ? "1" : "2");
      expect(0, r);
    }
    assertTrue(Files.size(one) > 100_000, "W1 is in the file");
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(one), Files.readAllBytes(two)),
        "the params trained with two intra-op threads are not those trained with one");
    assertEquals(1, dev.netc.runtime.IntraOp.threads(), "train puts the setting back");
    CliRun bad = CliRun.of("train", XOR, "--data", XOR_CSV, "--intra-op-threads", "0");
    expect(2, bad);
    assertTrue(bad.err().contains("--intra-op-threads must be between 1 and 64, got 0"), bad::toString);
  }

  /** The first {@code rows} examples of a gzipped CSV with a header, as a plain CSV file. */
  private Path slice(Path gz, int rows) throws Exception {
    Path out = tmp.resolve(gz.getFileName().toString().replace(".csv.gz", "") + "-" + rows + ".csv");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      Files.write(out, in.lines().limit(rows + 1).toList());
    }
    return out;
  }

  /** Trains with and without --vector from the same seed; the saved params agree up to rounding. */
  private void trainBothWays(Path net, String name, Path data, String precision, int batch) throws Exception {
    Path scalar = tmp.resolve(name + "-scalar-" + precision + ".params");
    Path vector = tmp.resolve(name + "-vector-" + precision + ".params");
    CliRun r1 = CliRun.of("train", net, "--data", data, "--epochs", "2", "--batch", batch, "--precision", precision,
        "--save", scalar, "--seed", "5");
    CliRun r2 = CliRun.of("train", net, "--data", data, "--epochs", "2", "--batch", batch, "--precision", precision,
        "--save", vector, "--seed", "5", "--vector");
    expect(0, r1);
    expect(0, r2);
    boolean isFloat = precision.equals("float");
    Model m1 = model(net, name, isFloat);
    Model m2 = model(net, name, isFloat);
    ParamsFile.load(m1, scalar);
    ParamsFile.load(m2, vector);
    double tol = isFloat ? 1e-4 : 1e-10;
    for (int p = 0; p < m1.params().size(); p++) {
      double[] a = toDouble(m1.paramData(p));
      double[] b = toDouble(m2.paramData(p));
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], tol * Math.max(1, Math.abs(a[i])),
            name + " " + precision + " " + m1.params().get(p).name() + "[" + i + "]");
      }
    }
  }

  /** Without the Vector API module in the JVM, --kernels vector (or --vector) is exit 2 with a message saying what to do. */
  @Test
  void vectorWithoutTheModuleIsExit2() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "train", XOR.toString(), "--data", XOR_CSV.toString(), "--epochs", "1", "--vector")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    assertEquals("netc: --kernels vector needs the Vector API in this JVM: run ./netc (which adds it), or java with "
        + "--add-modules jdk.incubator.vector", out.lines().findFirst().orElse(""), out);
  }

  private static double[] toDouble(Object data) {
    if (data instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) data;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** --threads 2 trains the same network to the same result, up to rounding, and saves the trained params. */
  @Test
  void twoThreadsTrainLikeOne() throws Exception {
    Path one = tmp.resolve("one.params");
    Path two = tmp.resolve("two.params");
    CliRun r1 = CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--optimizer", "sgd",
        "--lr", "2", "--batch", "4", "--epochs", "300", "--save", one);
    CliRun r2 = CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--optimizer", "sgd",
        "--lr", "2", "--batch", "4", "--epochs", "300", "--save", two, "--threads", "2");
    expect(0, r1);
    expect(0, r2);
    Model m1 = model(XOR, "Xor");
    Model m2 = model(XOR, "Xor");
    ParamsFile.load(m1, one);
    ParamsFile.load(m2, two);
    double[] w1 = (double[]) m1.paramData(0);
    double[] w2 = (double[]) m2.paramData(0);
    Model untrained = Networks.another(model(XOR, "Xor"), 1); // train's default seed
    assertFalse(java.util.Arrays.equals(w2, (double[]) untrained.paramData(0)), "the saved params were trained");
    for (int i = 0; i < w1.length; i++) {
      assertEquals(w1[i], w2[i], 1e-9 * Math.max(1, Math.abs(w1[i])), "W1[" + i + "]");
    }
    expect(2, CliRun.of("train", XOR, "--data", XOR_CSV, "--threads", "0"));
  }

  @Test
  void badCsvIsExit3NamingLineAndColumn() throws Exception {
    Object[][] cases = {
      {"x_0,x_1,y\n0,0,0\n0,1\n", ":3: expected 3 columns, found 2"},
      {"x_0,x_1,y\n0,0,0\n0,abc,1\n", ":3:2 (x_1): not a number: \"abc\""},
      {"", ": empty file"},
      {"x_0,x_1\n", ":1: expected 3 columns, found 2"},
      {"x_0,x_1,y\n", ": no data rows"},
    };
    for (Object[] c : cases) {
      Path csv = Files.writeString(tmp.resolve("d.csv"), (String) c[0]);
      CliRun r = CliRun.of("train", XOR, "--data", csv, "--epochs", "1");
      expect(3, r);
      assertTrue(r.err().contains(csv + (String) c[1]), () -> c[0] + " -> " + r);
    }
    // a class index out of range, in the test file
    Path good = Files.writeString(tmp.resolve("g.csv"), "a,b,c\n" + "0,".repeat(64) + "3\n");
    Path bad = Files.writeString(tmp.resolve("t.csv"), "a,b,c\n" + "0,".repeat(64) + "10\n");
    Files.writeString(good, header64() + "0,".repeat(64) + "3\n");
    Files.writeString(bad, header64() + "0,".repeat(64) + "3\n" + "1,".repeat(64) + "10\n");
    CliRun r = CliRun.of("train", DIGITS, "--data", good, "--test", bad, "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains(bad + ":3:65 (label): class index 10 out of range 0..9"), r::toString);
    CliRun missing = CliRun.of("train", XOR, "--data", tmp.resolve("none.csv.gz"));
    expect(3, missing);
    assertTrue(missing.err().contains("none.csv.gz: no such file"), missing::toString);
  }

  @Test
  void unwritableSaveTargetIsExit3BeforeTraining() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
    for (Path target : new Path[] {file.resolve("xor.params"), tmp}) {
      CliRun r = CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--epochs", "1",
          "--save", target);
      expect(3, r);
      assertTrue(r.err().contains("cannot write params file " + target), r::toString);
      assertFalse(r.out().contains("epoch 1"), r::toString);
    }
  }

  @Test
  void aNetworkWithoutLossCannotTrain() throws Exception {
    Path net = Files.writeString(tmp.resolve("p.net"), "network P {\n input x[2]\n param W[2, 2]\n h = W * x\n output h\n}\n");
    CliRun r = CliRun.of("train", net, "--data", XOR_CSV);
    expect(1, r);
    assertTrue(r.err().contains("declares no loss"), r::toString);
  }

  static String header64() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      sb.append("p").append(i).append(',');
    }
    return sb.append("label\n").toString();
  }

  static Model model(Path file, String name) throws Exception {
    return model(file, name, false);
  }

  static Model model(Path file, String name, boolean isFloat) throws Exception {
    NetcCompiler.Result r = NetcCompiler.compile(
        List.of(new SourceFile(file.toString(), Files.readString(file))), new NetcCompiler.Options("", isFloat));
    return Networks.instantiate(Networks.select(r, name, file.toString()), 99);
  }
}
