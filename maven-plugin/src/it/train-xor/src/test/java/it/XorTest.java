package it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Trainer;
import dev.netc.runtime.TrainingHistory;
import it.nets.Xor;
import org.junit.jupiter.api.Test;

class XorTest {
  @Test
  void theGeneratedClassLearnsXor() {
    Xor xor = new Xor(3);
    double[][] x = {{0, 0, 0, 1, 1, 0, 1, 1}};
    double[][] y = {{0, 1, 1, 0}};
    double before = xor.lossBatch(4, x, y);
    TrainingHistory h = Trainer.builder().optimizer(new Adam(0.1)).batchSize(4).epochs(500).seed(7).build()
        .train(xor, new Dataset(xor.inputs(), xor.targets(), 4, x, y));
    double after = h.last().trainLoss();
    System.out.printf("XOR loss %.4f -> %.4f%n", before, after);
    assertTrue(after < 0.05 && after < before / 2, "loss " + before + " -> " + after);
    for (int i = 0; i < 4; i++) {
      double a = xor.predict(new double[] {x[0][2 * i], x[0][2 * i + 1]})[0];
      assertEquals(y[0][i] == 1, a > 0.5, "point " + i + ": " + a);
    }
  }
}
