package dev.netc.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * A model's outputs on every example of a {@link Dataset}, and, when the data set has targets,
 * how good they are: what {@code netc predict} prints, for Java applications.
 *
 * <pre>{@code
 * Digits net = new Digits(1);
 * ParamsFile.load(net, Path.of("digits.params"));
 * Dataset data = Predictions.load(Path.of("new-digits.csv"), net);   // targets optional
 * Predictions p = Predictions.of(net, data);
 * double[] probs = p.output(0);          // example-major: p.size() x 10
 * int digit = p.predictedClass(0);       // the classifier's argmax for example 0
 * if (p.hasTargets()) System.out.println(p.accuracy() + " " + p.meanLoss());
 * }</pre>
 *
 * <p>A model is a classifier by the rule of {@link Evaluation}: a target {@code [k]} and an output
 * {@code [k]} with the same {@code k >= 2}; the predicted class is the output's argmax (first
 * index on ties), the true class the target's argmax. Outputs are computed
 * {@link Evaluation#DEFAULT_BATCH} examples at a time, in order, so accuracy and mean loss are the
 * same numbers the {@link Trainer} reports for the same params and examples.
 */
public final class Predictions {
  private final Model model;
  private final int size;
  private final double[][] outputs;
  private final int[] classifier;
  private final int[] predicted;
  private final int[] actual;
  private final double meanLoss;

  private Predictions(Model model, int size, double[][] outputs, int[] classifier, int[] predicted,
      int[] actual, double meanLoss) {
    this.model = model;
    this.size = size;
    this.outputs = outputs;
    this.classifier = classifier;
    this.predicted = predicted;
    this.actual = actual;
    this.meanLoss = meanLoss;
  }

  /**
   * Runs {@code model} on every example of {@code data}, which must have the model's inputs and
   * either its targets or none (see {@link #load}).
   */
  public static Predictions of(Model model, Dataset data) {
    if (!data.inputs().equals(model.inputs())
        || !(data.targets().isEmpty() || data.targets().equals(model.targets()))) {
      throw new IllegalArgumentException("data set has inputs " + data.inputs() + " and targets "
          + data.targets() + " but model " + model.name() + " has inputs " + model.inputs()
          + " and targets " + model.targets() + " (or none)");
    }
    boolean targets = !data.targets().isEmpty() && !model.targets().isEmpty();
    int n = data.size();
    List<TensorInfo> outs = model.outputs();
    double[][] all = new double[outs.size()][];
    for (int o = 0; o < all.length; o++) {
      all[o] = new double[Math.multiplyExact(n, outs.get(o).size())];
    }
    int[] cls = Evaluation.classifier(model);
    int[] predicted = cls == null ? null : new int[n];
    int[] actual = cls == null || !targets ? null : new int[n];
    int batch = Evaluation.DEFAULT_BATCH;
    int[] idx = Dataset.identity(n);
    Evaluator.BatchBuffers full = null;
    for (int from = 0; from < n && !outs.isEmpty(); from += batch) {
      int count = Math.min(batch, n - from);
      Evaluator.BatchBuffers b;
      if (count == batch) {
        full = full == null ? new Evaluator.BatchBuffers(model, batch) : full;
        b = full;
      } else {
        b = new Evaluator.BatchBuffers(model, count);
      }
      data.gatherBatch(idx, from, count, b.inputs, b.targets);
      model.predictBatch(count, b.inputs, b.outputs);
      for (int o = 0; o < all.length; o++) {
        int w = outs.get(o).size();
        System.arraycopy(b.outputs[o], 0, all[o], from * w, count * w);
      }
      if (cls != null) {
        int k = outs.get(cls[1]).size();
        for (int e = 0; e < count; e++) {
          predicted[from + e] = Evaluation.argmax(b.outputs[cls[1]], e * k, k);
          if (actual != null) {
            actual[from + e] = Evaluation.argmax(b.targets[cls[0]], e * k, k);
          }
        }
      }
    }
    double loss = targets && model.hasLoss() && n > 0 ? Evaluation.meanLoss(model, data) : Double.NaN;
    return new Predictions(model, n, all, cls, predicted, actual, loss);
  }

  /** The number of examples. */
  public int size() {
    return size;
  }

  /** The model's outputs, in order (what {@link #output(int)} indexes). */
  public List<TensorInfo> outputs() {
    return model.outputs();
  }

  /** A copy of output {@code o} of every example, example-major ({@code size() * outputs().get(o).size()}). */
  public double[] output(int o) {
    return outputs[o].clone();
  }

  /** Value {@code j} (row-major) of output {@code o} for {@code example}. */
  public double output(int o, int example, int j) {
    int w = model.outputs().get(o).size();
    if (example < 0 || example >= size || j < 0 || j >= w) {
      throw new IndexOutOfBoundsException("example " + example + ", value " + j);
    }
    return outputs[o][example * w + j];
  }

  /** Whether the model is a classifier (see the class comment). */
  public boolean isClassifier() {
    return classifier != null;
  }

  /** The index of the classifier's output among {@link #outputs()}; -1 if not a classifier. */
  public int classifierOutput() {
    return classifier == null ? -1 : classifier[1];
  }

  /** The number of classes; 0 if not a classifier. */
  public int classes() {
    return classifier == null ? 0 : model.outputs().get(classifier[1]).size();
  }

  /** The predicted class of {@code example}: its classifier output's argmax. */
  public int predictedClass(int example) {
    if (predicted == null) {
      throw new IllegalStateException("network " + model.name() + " is not a classifier");
    }
    return predicted[example];
  }

  /** Whether the data set had targets (so accuracy and loss are known). */
  public boolean hasTargets() {
    return actual != null || !Double.isNaN(meanLoss);
  }

  /** The true class of {@code example}: its target's argmax. */
  public int targetClass(int example) {
    if (actual == null) {
      throw new IllegalStateException("no class targets: not a classifier, or data without targets");
    }
    return actual[example];
  }

  /** The number of examples whose predicted class is the true one; -1 without class targets. */
  public int correct() {
    if (actual == null) {
      return -1;
    }
    int c = 0;
    for (int e = 0; e < size; e++) {
      c += predicted[e] == actual[e] ? 1 : 0;
    }
    return c;
  }

  /** The share of examples classified correctly; NaN without class targets or examples. */
  public double accuracy() {
    return actual == null || size == 0 ? Double.NaN : (double) correct() / size;
  }

  /**
   * The confusion matrix: entry {@code [t][p]} counts the examples of true class {@code t}
   * predicted as {@code p}; null without class targets.
   */
  public int[][] confusionMatrix() {
    if (actual == null) {
      return null;
    }
    int k = classes();
    int[][] m = new int[k][k];
    for (int e = 0; e < size; e++) {
      m[actual[e]][predicted[e]]++;
    }
    return m;
  }

  /** The mean loss over the examples (as {@link Evaluation#meanLoss}); NaN without targets or loss. */
  public double meanLoss() {
    return meanLoss;
  }

  /**
   * Loads a CSV data set for predictions: the columns of the model's inputs, then optionally its
   * targets (as {@link Csv} reads them: direct, or a class index per target). A file of only the
   * inputs gives a data set without targets. Errors are {@link DataException}s naming the file,
   * the line and, for a bad value, the column.
   */
  public static Dataset load(Path file, Model model) {
    return Csv.load(file, model.inputs(), model.targets(), true);
  }

  static String names(List<TensorInfo> infos) {
    StringBuilder sb = new StringBuilder();
    for (TensorInfo t : infos) {
      sb.append(sb.length() == 0 ? "" : ", ").append(t);
    }
    return sb.toString();
  }
}
