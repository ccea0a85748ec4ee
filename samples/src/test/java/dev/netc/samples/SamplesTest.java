package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Standardizer;
import dev.netc.runtime.Trainer;
import dev.netc.samples.app.IrisApp;
import dev.netc.samples.dream.Dream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each sample trained with few epochs (the gate and xor are in {@link GeneratedSamplesTest}), the
 * dream program and the iris application.
 */
class SamplesTest {

  @Test
  void irisReachesNinetyPercentWithStandardizedFeatures() {
    Iris net = new Iris(1);
    Dataset.Split split = Csv.load(SampleFiles.find("iris/iris.csv.gz"), net).split(0.2, 1);
    Standardizer std = split.train().fitStandardizer();
    Trainer.builder().optimizer(new Adam(0.01)).batchSize(16).epochs(60).seed(1).build()
        .train(net, std.apply(split.train()));
    double acc = Evaluation.accuracy(net, std.apply(split.test()));
    assertTrue(acc >= 0.9, "iris test accuracy " + acc);
  }

  @Test
  void digitsReachesNinetyPercent() {
    Digits net = new Digits(1);
    Dataset.Split split = Csv.load(SampleFiles.find("digits/digits.csv.gz"), net).split(0.2, 1);
    Trainer.builder().optimizer(new Adam(0.003)).batchSize(32).epochs(10).seed(1).build()
        .train(net, split.train());
    double acc = Evaluation.accuracy(net, split.test());
    assertTrue(acc >= 0.9, "digits test accuracy " + acc);
  }

  @Test
  void mnistBeatsEightyPercentAfterTwoEpochsOnTwoThousandRows() throws Exception {
    Mnist net = new Mnist(1);
    Dataset train = firstRows(net, 0, 2000);
    Dataset test = firstRows(net, 2000, 1000);
    Trainer.builder().optimizer(new Adam(0.001)).batchSize(32).epochs(2).seed(1).build()
        .train(net, train);
    double acc = Evaluation.accuracy(net, test);
    assertTrue(acc > 0.8, "mnist accuracy on rows 2001..3000: " + acc);
  }

  /** Rows {@code from .. from + count} of the 10k MNIST file (its rows are shuffled). */
  private static Dataset firstRows(Mnist net, int from, int count) throws Exception {
    Path file = SampleFiles.find("mnist/mnist_10k.csv.gz");
    StringBuilder csv = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      csv.append(in.readLine()).append('\n');
      for (int i = 0; i < from; i++) {
        in.readLine();
      }
      for (int i = 0; i < count; i++) {
        csv.append(in.readLine()).append('\n');
      }
    }
    return Csv.read(new StringReader(csv.toString()), file.toString(), net.inputs(), net.targets());
  }

  @Test
  void dreamTurnsNoiseIntoTheChosenDigit() {
    Digits net = Dream.train(1, 30, new PrintStream(new ByteArrayOutputStream()));
    for (int digit : new int[] {3, 8}) {
      Dream.Result r = Dream.dream(net, digit, 1, Dream.STEPS);
      assertTrue(r.startProbs()[digit] < 0.5, "the noise is not already a " + digit);
      assertTrue(r.probability() >= 0.9, "p(" + digit + ") = " + r.probability());
      for (double v : r.image()) {
        assertTrue(v >= 0 && v <= Dream.MAX_PIXEL, "pixel " + v);
      }
      // the pixels moved: this is the input that changed, not the network
      double moved = 0;
      for (int i = 0; i < 64; i++) {
        moved += Math.abs(r.image()[i] - r.start()[i]);
      }
      assertTrue(moved / 64 > 1, "mean pixel change " + moved / 64);
    }
    String picture = Dream.picture(new double[64]);
    assertEquals(8, picture.lines().count());
  }

  @Test
  void dreamMainPrintsBothPictures() {
    String out = captureStdout(() -> Dream.main(new String[] {"5", "2"}));
    assertTrue(out.contains("noise (seed 2):"), out);
    assertTrue(out.contains("gradient steps on the input toward 5"), out);
    assertTrue(out.strip().endsWith("-> 5"), out);
  }

  @Test
  void irisAppRoundTripsItsParamsExactly(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("iris.params");
    IrisApp.Outcome o = IrisApp.run(file, 100, new PrintStream(new ByteArrayOutputStream()));
    assertTrue(o.testAccuracy() >= 0.9, "accuracy " + o.testAccuracy());
    assertTrue(Files.size(file) > 0);
    for (String name : new String[] {"W1", "b1", "W2", "b2"}) {
      int i = indexOf(o.trained(), name);
      assertArrayEquals((double[]) o.trained().paramData(i), (double[]) o.loaded().paramData(i), name);
    }
    assertArrayEquals(o.trained().W1, o.loaded().W1);
    assertEquals("virginica", o.species());
    // the loaded instance predicts bit for bit what the trained one does
    assertArrayEquals(o.trained().predict(o.standardized()), o.probs());
    assertTrue(o.probs()[2] > 0.9, "p(virginica) " + o.probs()[2]);
    String out = captureStdout(() -> {
      try {
        IrisApp.main(new String[] {tmp.resolve("main.params").toString()});
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertTrue(out.contains("-> virginica"), out);
    assertTrue(Files.exists(tmp.resolve("main.params")));
  }

  private static int indexOf(Iris net, String name) {
    for (int i = 0; i < net.params().size(); i++) {
      if (net.params().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no param " + name);
  }

  private static String captureStdout(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
