package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Model;
import dev.netc.runtime.Trainer;
import dev.netc.runtime.TrainingHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Generated classes learn, trained end to end by the runtime's {@link Trainer}. */
class TrainingTest {
  static final Path DIGITS = Path.of("src/test/resources/data/digits.csv.gz");

  /** Two layers on the 8x8 digits; the pixels (0..16) are scaled to [0, 1] in the network. */
  static final String DIGITS_NET = """
      network DigitsNet {
          input  x[64]
          target y[10]
          param  W1[32, 64] init he
          param  b1[32]
          param  W2[10, 32]
          param  b2[10]
          h = relu(W1 * (x / 16) + b1)
          z = W2 * h + b2
          p = softmax(z)
          output p
          loss = softmax_cross_entropy(z, y)
      }
      """;

  @Test
  void xorLearnsAllFourPoints() throws Exception {
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(Files.readString(Path.of("src/test/resources/examples/xor.net")), isFloat, 3);
      double[][] x = {{0, 0, 0, 1, 1, 0, 1, 1}};
      double[][] y = {{0, 1, 1, 0}};
      Dataset data = new Dataset(m.inputs(), m.targets(), 4, x, y);
      TrainingHistory h = Trainer.builder().optimizer(new Adam(0.1)).batchSize(4).epochs(500).seed(7).build()
          .train(m, data);
      double[][] out = {new double[4]};
      m.predictBatch(4, x, out);
      System.out.printf("xor%s: final loss %.3g, outputs %s%n", isFloat ? " float" : "", h.last().trainLoss(),
          java.util.Arrays.toString(out[0]));
      for (int i = 0; i < 4; i++) {
        assertEquals(y[0][i] == 1, out[0][i] > 0.5, "point " + i + ": " + java.util.Arrays.toString(out[0]));
      }
    }
  }

  static double trainDigits(boolean isFloat) {
    Model m = Codegen.model(DIGITS_NET, isFloat, 11);
    Dataset all = Csv.load(DIGITS, m);
    assertEquals(1797, all.size());
    Dataset.Split split = all.split(0.2, 2024);
    TrainingHistory h = Trainer.builder().optimizer(new Adam(0.01)).batchSize(32).epochs(30).seed(5).build()
        .train(m, split.train(), split.test());
    double test = Evaluation.accuracy(m, split.test());
    System.out.printf("digits%s: %d train, %d test; %d epochs, train loss %.4f, train accuracy %.4f, test accuracy %.4f%n",
        isFloat ? " float" : "", split.train().size(), split.test().size(), h.epochs().size(), h.last().trainLoss(),
        h.last().trainAccuracy(), test);
    return test;
  }

  @Test
  void digitsReachNinetyFivePercentOnAHeldOutFifth() {
    double accuracy = trainDigits(false);
    assertTrue(accuracy >= 0.95, "test accuracy " + accuracy);
  }

  @Test
  void digitsLearnInFloat() {
    double accuracy = trainDigits(true);
    assertTrue(accuracy >= 0.9, "test accuracy " + accuracy);
  }
}
