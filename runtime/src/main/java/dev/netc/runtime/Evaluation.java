package dev.netc.runtime;

import java.util.List;

/**
 * Evaluates a model on a whole {@link Dataset} in batches.
 *
 * <p>A model is a <em>classifier</em> when it has a target {@code [k]} and an output {@code [k]}
 * with the same {@code k >= 2}: the first such target, paired with the first output of that
 * shape. Accuracy is the fraction of examples whose output's argmax (first index on ties) equals
 * the target's argmax.
 */
public final class Evaluation {
  /** The batch size used by the methods without one. */
  public static final int DEFAULT_BATCH = 256;

  private Evaluation() {}

  /** The indices of the classifier's target and output, or {@code null} if not a classifier. */
  public static int[] classifier(Model model) {
    List<TensorInfo> targets = model.targets();
    List<TensorInfo> outputs = model.outputs();
    for (int t = 0; t < targets.size(); t++) {
      int[] ts = targets.get(t).shape();
      if (ts.length != 1 || ts[0] < 2) {
        continue;
      }
      for (int o = 0; o < outputs.size(); o++) {
        int[] os = outputs.get(o).shape();
        if (os.length == 1 && os[0] == ts[0]) {
          return new int[] {t, o};
        }
      }
    }
    return null;
  }

  /** The mean loss over all examples of {@code data} (NaN for an empty data set). */
  public static double meanLoss(Model model, Dataset data) {
    return meanLoss(model, data, DEFAULT_BATCH);
  }

  /** The mean loss over all examples, evaluated {@code batchSize} examples at a time. */
  public static double meanLoss(Model model, Dataset data, int batchSize) {
    return new Evaluator(model, data.inputs(), data.targets(), batchSize).meanLoss(data);
  }

  /** The classification accuracy on {@code data}; NaN if not a classifier or empty. */
  public static double accuracy(Model model, Dataset data) {
    return accuracy(model, data, DEFAULT_BATCH);
  }

  /** The classification accuracy, evaluated {@code batchSize} examples at a time. */
  public static double accuracy(Model model, Dataset data, int batchSize) {
    return new Evaluator(model, data.inputs(), data.targets(), batchSize).accuracy(data);
  }

  /** The index of the largest of {@code width} values at {@code a[from..]} (first on ties). */
  static int argmax(double[] a, int from, int width) {
    int best = 0;
    for (int j = 1; j < width; j++) {
      if (a[from + j] > a[from + best]) {
        best = j;
      }
    }
    return best;
  }
}
