package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Predictions} from Java: outputs, classes, accuracy and loss as the Evaluation gives them. */
class PredictionsTest {
  @TempDir Path dir;

  /** 300 examples (more than one batch of 256) of a 3-class softmax regression with random params. */
  @Test
  void agreesWithEvaluationAndPredictBatch() throws Exception {
    SoftmaxRegression m = new SoftmaxRegression(4, 3, Precision.DOUBLE);
    m.initialize(7);
    Rng rng = new Rng(3);
    StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
    StringBuilder inputsOnly = new StringBuilder("a,b,c,d\n");
    for (int e = 0; e < 300; e++) {
      StringBuilder row = new StringBuilder();
      for (int j = 0; j < 4; j++) {
        row.append(j > 0 ? "," : "").append(Math.round(rng.nextGaussian() * 100) / 25.0);
      }
      inputsOnly.append(row).append('\n');
      csv.append(row).append(',').append(e % 3).append('\n');
    }
    Dataset data = Predictions.load(Files.writeString(dir.resolve("d.csv"), csv), m);
    Predictions p = Predictions.of(m, data);
    assertEquals(300, p.size());
    assertTrue(p.isClassifier());
    assertEquals(3, p.classes());
    assertEquals(0, p.classifierOutput());
    assertEquals(Evaluation.accuracy(m, data), p.accuracy());
    assertEquals(Evaluation.meanLoss(m, data), p.meanLoss());
    int[][] cm = p.confusionMatrix();
    int sum = 0;
    int diag = 0;
    for (int t = 0; t < 3; t++) {
      assertEquals(100, cm[t][0] + cm[t][1] + cm[t][2], "each class has 100 examples");
      for (int c = 0; c < 3; c++) {
        sum += cm[t][c];
        diag += t == c ? cm[t][c] : 0;
      }
    }
    assertEquals(300, sum);
    assertEquals(p.correct(), diag);
    double[] all = new double[300 * 3];
    m.predictBatch(300, new double[][] {data.inputData(0)}, new double[][] {all});
    assertArrayEquals(all, p.output(0));
    assertEquals(all[3 * 299 + 2], p.output(0, 299, 2));
    assertEquals(299 % 3, p.targetClass(299));
    // the inputs alone: outputs and classes, no accuracy
    Dataset bare = Predictions.load(Files.writeString(dir.resolve("x.csv"), inputsOnly), m);
    assertEquals(List.of(), bare.targets());
    Predictions q = Predictions.of(m, bare);
    assertArrayEquals(p.output(0), q.output(0));
    assertEquals(p.predictedClass(17), q.predictedClass(17));
    assertFalse(q.hasTargets());
    assertTrue(Double.isNaN(q.accuracy()) && Double.isNaN(q.meanLoss()));
    assertEquals(null, q.confusionMatrix());
    assertEquals(-1, q.correct());
    assertThrows(IllegalStateException.class, () -> q.targetClass(0));
    assertThrows(IndexOutOfBoundsException.class, () -> q.output(0, 300, 0));
    // a data set for another model is refused
    SoftmaxRegression other = new SoftmaxRegression(5, 3, Precision.DOUBLE);
    assertThrows(IllegalArgumentException.class, () -> Predictions.of(other, data));
    // a header of neither width names both
    Path bad = Files.writeString(dir.resolve("b.csv"), "a,b,c\n1,2,3\n");
    assertEquals(bad + ":1: expected 7 columns (or 5 with class-index targets), found 3"
        + " (or 4 for the inputs alone, x[4], to predict without targets)",
        assertThrows(DataException.class, () -> Predictions.load(bad, m)).getMessage());
  }
}
