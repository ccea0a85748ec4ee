package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc train}'s training options: --resume, --checkpoint-every, --keep-best, --early-stop,
 * --lr-schedule, --clip-norm, --weight-decay and --log.
 */
class CliTrainOptionsTest {
  static final Path DIGITS = CliTrainTest.DIGITS;

  @TempDir Path tmp;

  private Path digits(int rows) throws Exception {
    Path out = tmp.resolve("digits-" + rows + ".csv");
    if (!Files.exists(out)) {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(Path.of("../samples/digits/digits.csv.gz"))),
          StandardCharsets.UTF_8))) {
        Files.write(out, in.lines().limit(rows + 1).toList());
      }
    }
    return out;
  }

  private CliRun train(Object... extra) throws Exception {
    List<Object> args = new ArrayList<>(List.of("train", DIGITS, "--data", digits(300), "--seed", "4"));
    List<Object> given = Arrays.asList(extra);
    if (!given.contains("--batch")) {
      args.addAll(List.of("--batch", "16"));
    }
    if (!given.contains("--lr")) {
      args.addAll(List.of("--lr", "0.003"));
    }
    args.addAll(given);
    return CliRun.of(args.toArray());
  }

  private static List<String> epochLines(CliRun r) {
    return r.out().lines().filter(l -> l.startsWith("epoch ")).toList();
  }

  /** Stopping after 3 epochs with a checkpoint and resuming to 6 gives the bytes of 6 uninterrupted epochs. */
  @Test
  void resumeIsBitExact() throws Exception {
    for (String opt : new String[] {"adam", "momentum", "sgd", "adam-float"}) {
      Path a = tmp.resolve(opt + "-a.params");
      Path b = tmp.resolve(opt + "-b.params");
      Object[] common = {"--optimizer", opt.replace("-float", ""), "--clip-norm", "2", "--weight-decay", "0.01",
          "--precision", opt.endsWith("-float") ? "float" : "double"};
      expect(0, train(cat(common, "--epochs", "6", "--save", a)));
      CliRun first = train(cat(common, "--epochs", "3", "--save", b, "--checkpoint-every", "3"));
      expect(0, first);
      assertTrue(Files.exists(tmp.resolve(opt + "-b.params.state")), first::toString);
      CliRun rest = train(cat(common, "--epochs", "6", "--save", b, "--resume", b));
      expect(0, rest);
      assertTrue(rest.out().contains("resuming after epoch 3 from " + b), rest::toString);
      assertEquals(List.of("epoch 4:", "epoch 5:", "epoch 6:"),
          epochLines(rest).stream().map(l -> l.substring(0, l.indexOf(':') + 1)).toList(), rest::toString);
      assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), opt + ": resumed params differ");
    }
  }

  /**
   * A real kill: a separate JVM trains with a checkpoint every epoch and is killed (SIGKILL) as
   * soon as its first checkpoint exists; resuming from whatever checkpoint it left gives the
   * uninterrupted run's params, bit for bit (also if it was killed only after finishing).
   */
  @Test
  void resumeAfterAKill() throws Exception {
    Path a = tmp.resolve("a.params");
    Path b = tmp.resolve("b.params");
    Object[] common = {"--epochs", "150", "--lr-schedule", "cosine", "--clip-norm", "1"};
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // the child runs the kernels this JVM runs (the Vector API ones: both have the module), so that
    // the resumed run's sums are in the same order as the uninterrupted one's
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "train", DIGITS.toString(), "--data", digits(300).toString(), "--seed", "4",
        "--batch", "16", "--lr", "0.003", "--save", b.toString(), "--checkpoint-every", "1"));
    for (Object o : common) {
      cmd.add(o.toString());
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile()).start();
    Path state = tmp.resolve("b.params.state");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (!Files.exists(state) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(Files.exists(state), () -> "no checkpoint: " + read(tmp.resolve("child.log")));
    int killedAfter;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(state))) {
      in.skipNBytes(12);
      killedAfter = in.readInt();
    }
    assertTrue(killedAfter >= 1 && killedAfter <= 150, "epoch " + killedAfter);
    expect(0, train(cat(common, "--save", a)));
    CliRun rest = train(cat(common, "--save", b, "--resume", b));
    expect(0, rest);
    assertTrue(rest.out().contains("resuming after epoch " + killedAfter), rest::toString);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b),
        "resumed after epoch " + killedAfter + ": params differ");
  }

  @Test
  void resumeErrors() throws Exception {
    Path b = tmp.resolve("b.params");
    expect(0, train("--epochs", "1", "--save", b));
    CliRun noState = train("--epochs", "2", "--resume", b);
    expect(3, noState);
    assertTrue(noState.err().contains("no optimizer state " + b + ".state"), noState::toString);
    expect(0, train("--epochs", "1", "--save", b, "--checkpoint-every", "1"));
    CliRun seed = CliRun.of("train", DIGITS, "--data", digits(300), "--seed", "5", "--epochs", "2", "--resume", b);
    expect(2, seed);
    assertTrue(seed.err().contains("was trained with --seed 4, not 5"), seed::toString);
    CliRun kind = train("--epochs", "2", "--resume", b, "--optimizer", "sgd");
    expect(3, kind);
    assertTrue(kind.err().contains("the state is of optimizer Adam, not Sgd"), kind::toString);
    Path state = tmp.resolve("b.params.state");
    byte[] bytes = Files.readAllBytes(state);
    Files.write(state, Arrays.copyOf(bytes, bytes.length - 3));
    CliRun cut = train("--epochs", "2", "--resume", b);
    expect(3, cut);
    assertTrue(cut.err().contains("truncated training state file"), cut::toString);
    bytes[bytes.length - 1] ^= 1;
    Files.write(state, bytes);
    CliRun flipped = train("--epochs", "2", "--resume", b);
    expect(3, flipped);
    assertTrue(flipped.err().contains("corrupt training state"), flipped::toString);
    expect(2, train("--epochs", "2", "--checkpoint-every", "1"));
    expect(2, train("--epochs", "2", "--checkpoint-every", "-1", "--save", b));
  }

  /** --checkpoint-every 2 of 5 epochs writes after epochs 2, 4 and 5 (the end). */
  @Test
  void checkpointEvery() throws Exception {
    Path c = tmp.resolve("c/ck.params");
    expect(0, train("--epochs", "5", "--save", c, "--checkpoint-every", "2"));
    try (DataInputStream in = new DataInputStream(Files.newInputStream(tmp.resolve("c/ck.params.state")))) {
      in.skipNBytes(12);
      assertEquals(5, in.readInt());
    }
    Path d = tmp.resolve("c/d.params");
    expect(0, train("--epochs", "2", "--save", d, "--checkpoint-every", "2"));
    // the state after epoch 2 of a 5-epoch run is the one of a 2-epoch run: resume both to 3 and compare
    CliRun r = train("--epochs", "3", "--save", d, "--resume", d);
    expect(0, r);
    Path e = tmp.resolve("c/e.params");
    expect(0, train("--epochs", "3", "--save", e));
    assertArrayEquals(Files.readAllBytes(e), Files.readAllBytes(d));
    assertFalse(Files.list(tmp.resolve("c")).anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
  }

  /** --keep-best writes NAME.best.params with the lowest test loss seen; --log records it. */
  @Test
  void keepBestAndLog() throws Exception {
    Path s = tmp.resolve("k.params");
    Path log = tmp.resolve("logs/m.jsonl");
    CliRun r = train("--epochs", "8", "--lr", "0.05", "--save", s, "--keep-best", "--log", log);
    expect(0, r);
    List<String> lines = Files.readAllLines(log);
    assertEquals(8, lines.size());
    Pattern p = Pattern.compile("\\{\"epoch\":(\\d+),\"train_loss\":([-0-9.E]+),\"test_loss\":([-0-9.E]+),"
        + "\"train_accuracy\":([-0-9.E]+),\"test_accuracy\":([-0-9.E]+),\"lr\":([-0-9.E]+),"
        + "\"grad_norm\":([-0-9.E]+),\"seconds\":([-0-9.E]+)\\}");
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < 8; i++) {
      Matcher m = p.matcher(lines.get(i));
      assertTrue(m.matches(), lines.get(i));
      assertEquals(i + 1, Integer.parseInt(m.group(1)));
      assertEquals(0.05, Double.parseDouble(m.group(6)));
      assertTrue(Double.parseDouble(m.group(7)) > 0);
      best = Math.min(best, Double.parseDouble(m.group(3)));
    }
    Path bestFile = tmp.resolve("k.best.params");
    assertTrue(r.out().contains("params in " + bestFile), r::toString);
    // predict on the held-out share gives the best test loss
    Model m = CliTrainTest.model(DIGITS, "Digits");
    ParamsFile.load(m, bestFile);
    double evaluated = bestTestLoss(m);
    assertEquals(best, evaluated, 1e-12 * Math.max(1, best));
    expect(2, train("--epochs", "1", "--keep-best"));
    expect(2, train("--epochs", "1", "--keep-best", "--save", s, "--test-fraction", "0"));
    // without a test set the log has null test fields
    Path log2 = tmp.resolve("m2.jsonl");
    expect(0, train("--epochs", "1", "--test-fraction", "0", "--log", log2));
    assertTrue(Files.readString(log2).contains("\"test_loss\":null,"), Files.readString(log2));
  }

  /** The mean loss of {@code m} on train's held-out 20% for seed 4. */
  private double bestTestLoss(Model m) throws Exception {
    dev.netc.runtime.Dataset all = dev.netc.runtime.Csv.load(digits(300), m);
    dev.netc.runtime.Dataset test = all.split(0.2, 4).test();
    return dev.netc.runtime.Evaluation.meanLoss(m, test);
  }

  /** --early-stop 2 with a learning rate that makes the test loss rise stops early. */
  @Test
  void earlyStop() throws Exception {
    CliRun r = train("--epochs", "40", "--lr", "0.5", "--optimizer", "sgd", "--early-stop", "2");
    expect(0, r);
    List<String> epochs = epochLines(r);
    assertTrue(epochs.size() < 40, r::toString);
    // the last two epochs did not beat the best test loss before them
    double[] test = epochs.stream().mapToDouble(l -> Double.parseDouble(
        l.replaceAll(".*test loss ([-0-9.e+]+),.*", "$1"))).toArray();
    int n = test.length;
    double bestBefore = Arrays.stream(test, 0, n - 2).min().orElseThrow();
    assertTrue(test[n - 1] >= bestBefore && test[n - 2] >= bestBefore, Arrays.toString(test));
    expect(2, train("--epochs", "1", "--early-stop", "-1"));
  }

  /** The log's lr column follows each schedule; bad schedules are exit 2. */
  @Test
  void lrSchedules() throws Exception {
    assertEquals(List.of(0.003, 0.003, 0.0015, 0.0015, 0.00075), lrs("step:2:0.5", 5));
    List<Double> cos = lrs("cosine", 4);
    for (int e = 1; e <= 4; e++) {
      assertEquals(0.003 * (1 + Math.cos(Math.PI * (e - 1) / 4)) / 2, cos.get(e - 1), 1e-18);
    }
    List<Double> warm = lrs("warmup+cosine:2", 5);
    assertEquals(0.0015, warm.get(0), 1e-18);
    assertEquals(0.003, warm.get(1), 1e-18);
    assertEquals(0.003, warm.get(2), 1e-18);
    assertEquals(0.003 * (1 + Math.cos(Math.PI / 3)) / 2, warm.get(3), 1e-18);
    for (String bad : new String[] {"step", "step:0:0.5", "step:2:x", "cosine:3", "warmup+cosine:0", "linear"}) {
      CliRun r = train("--epochs", "1", "--lr-schedule", bad);
      expect(2, r);
      assertTrue(r.err().contains("--lr-schedule"), r::toString);
    }
  }

  private List<Double> lrs(String schedule, int epochs) throws Exception {
    Path log = tmp.resolve("lr-" + schedule.replace(':', '_') + ".jsonl");
    expect(0, train("--epochs", String.valueOf(epochs), "--lr-schedule", schedule, "--log", log));
    return Files.readAllLines(log).stream()
        .map(l -> Double.parseDouble(l.replaceAll(".*\"lr\":([-0-9.E]+),.*", "$1"))).toList();
  }

  /**
   * --clip-norm: with a bound far below the gradient norms the run differs from an unclipped one
   * and matches one with a learning rate scaled... for plain SGD with one batch per epoch the step
   * is lr * C * g / |g|; a bound above every norm changes nothing.
   */
  @Test
  void clipNorm() throws Exception {
    Path free = tmp.resolve("free.params");
    Path loose = tmp.resolve("loose.params");
    Path tight = tmp.resolve("tight.params");
    CliRun f = train("--epochs", "3", "--optimizer", "sgd", "--save", free, "--log", tmp.resolve("f.jsonl"));
    expect(0, f);
    double maxNorm = Files.readAllLines(tmp.resolve("f.jsonl")).stream()
        .mapToDouble(l -> Double.parseDouble(l.replaceAll(".*\"grad_norm\":([-0-9.E]+),.*", "$1"))).max().orElseThrow();
    expect(0, train("--epochs", "3", "--optimizer", "sgd", "--save", loose, "--clip-norm", "1e9"));
    assertArrayEquals(Files.readAllBytes(free), Files.readAllBytes(loose));
    expect(0, train("--epochs", "3", "--optimizer", "sgd", "--save", tight, "--clip-norm",
        String.valueOf(maxNorm / 100)));
    assertFalse(Arrays.equals(Files.readAllBytes(free), Files.readAllBytes(tight)));
    // each SGD step moves the params by lr * C at most: 3 epochs * 15 batches * 0.003 * C
    Model m0 = CliTrainTest.model(DIGITS, "Digits");
    Path init = tmp.resolve("init.params");
    expect(0, train("--epochs", "0", "--save", init));
    ParamsFile.load(m0, init);
    Model mt = CliTrainTest.model(DIGITS, "Digits");
    ParamsFile.load(mt, tight);
    double sq = 0;
    for (int p = 0; p < m0.params().size(); p++) {
      double[] x = (double[]) m0.paramData(p);
      double[] y = (double[]) mt.paramData(p);
      for (int i = 0; i < x.length; i++) {
        sq += (x[i] - y[i]) * (x[i] - y[i]);
      }
    }
    assertTrue(Math.sqrt(sq) <= 45 * 0.003 * maxNorm / 100 * (1 + 1e-9), "moved " + Math.sqrt(sq));
    expect(2, train("--epochs", "1", "--clip-norm", "-1"));
  }

  /**
   * --weight-decay with SGD: one step is w - lr*(g + lambda*w) (decoupled shrink, then the
   * gradient step), so after one full-batch epoch the params equal w0*(1 - lr*lambda) - lr*g(w0),
   * which an undecayed run from the same start gives as w1 = w0 - lr*g(w0).
   */
  @Test
  void weightDecay() throws Exception {
    Path plain = tmp.resolve("plain.params");
    Path decayed = tmp.resolve("decayed.params");
    Path init = tmp.resolve("init.params");
    Object[] one = {"--epochs", "1", "--optimizer", "sgd", "--batch", "1000", "--lr", "0.5"};
    expect(0, train(cat(one, "--save", plain)));
    expect(0, train(cat(one, "--save", decayed, "--weight-decay", "0.1")));
    expect(0, train("--epochs", "0", "--save", init));
    Model w0 = CliTrainTest.model(DIGITS, "Digits");
    Model w1 = CliTrainTest.model(DIGITS, "Digits");
    Model wd = CliTrainTest.model(DIGITS, "Digits");
    ParamsFile.load(w0, init);
    ParamsFile.load(w1, plain);
    ParamsFile.load(wd, decayed);
    for (int p = 0; p < w0.params().size(); p++) {
      double[] a = (double[]) w0.paramData(p);
      double[] b = (double[]) w1.paramData(p);
      double[] c = (double[]) wd.paramData(p);
      for (int i = 0; i < a.length; i++) {
        assertEquals(b[i] - 0.5 * 0.1 * a[i], c[i], 1e-12, w0.params().get(p).name() + "[" + i + "]");
      }
    }
    assertNotEquals(0, Files.readAllBytes(plain).length);
    expect(2, train("--epochs", "1", "--weight-decay", "-0.1"));
  }

  private static Object[] cat(Object[] a, Object... b) {
    Object[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "(" + e + ")";
    }
  }
}
