package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.nets.Xor;
import dev.netc.runtime.Adam;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Trainer;
import org.junit.jupiter.api.Test;

/** The classes that netc-maven-plugin generated from samples/<name>/*.net during this build. */
class GeneratedSamplesTest {

  @Test
  void gateGivesTheLectureGradients() {
    Gate gate = new Gate();
    double[] dx = new double[1];
    double[] dy = new double[1];
    double[] dz = new double[1];
    double f = gate.inputGradient(new double[] {-2}, new double[] {5}, new double[] {-4}, dx, dy, dz);
    assertEquals(-12.0, f);
    assertArrayEquals(new double[] {-4, -4, 3}, new double[] {dx[0], dy[0], dz[0]});
  }

  @Test
  void xorLearnsAllFourPoints() {
    Xor xor = new Xor(3);
    double[][] x = {{0, 0, 0, 1, 1, 0, 1, 1}};
    double[][] y = {{0, 1, 1, 0}};
    Trainer.builder().optimizer(new Adam(0.1)).batchSize(4).epochs(500).seed(7).build()
        .train(xor, new Dataset(xor.inputs(), xor.targets(), 4, x, y));
    for (int i = 0; i < 4; i++) {
      double a = xor.predict(new double[] {x[0][2 * i], x[0][2 * i + 1]})[0];
      assertEquals(y[0][i] == 1, a > 0.5, "point " + i + ": " + a);
    }
  }
}
