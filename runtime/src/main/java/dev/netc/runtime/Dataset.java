package dev.netc.runtime;

import java.util.List;

/**
 * An immutable in-memory data set of {@link #size()} examples laid out for a {@link Model}: per
 * input and per target one flat example-major {@code double[]} of {@code size * tensor.size()}
 * values. A target loaded from a class-index CSV column (one-hot encoded) also keeps its class
 * labels, see {@link #classLabels(int)}.
 */
public final class Dataset {
  private final List<TensorInfo> inputs;
  private final List<TensorInfo> targets;
  private final int size;
  private final double[][] inputData;
  private final double[][] targetData;
  private final int[][] labels;

  /**
   * A data set; the arrays are copied.
   *
   * @param labels per target, the class index of every example, or {@code null} (the whole array
   *     or an entry) when that target is not a class label; when present, the target's data must
   *     be the one-hot encoding of the labels
   */
  public Dataset(
      List<TensorInfo> inputs,
      List<TensorInfo> targets,
      int size,
      double[][] inputData,
      double[][] targetData,
      int[][] labels) {
    this(inputs, targets, size, deepCopy(inputData), deepCopy(targetData), deepCopy(labels), true);
  }

  /** A data set without class labels; the arrays are copied. */
  public Dataset(
      List<TensorInfo> inputs, List<TensorInfo> targets, int size, double[][] inputData, double[][] targetData) {
    this(inputs, targets, size, inputData, targetData, null);
  }

  Dataset(
      List<TensorInfo> inputs,
      List<TensorInfo> targets,
      int size,
      double[][] inputData,
      double[][] targetData,
      int[][] labels,
      boolean validate) {
    this.inputs = List.copyOf(inputs);
    this.targets = List.copyOf(targets);
    this.size = size;
    this.inputData = inputData;
    this.targetData = targetData;
    this.labels = labels == null ? new int[targets.size()][] : labels;
    if (validate) {
      validate();
    }
  }

  private void validate() {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    checkData("input", inputs, inputData);
    checkData("target", targets, targetData);
    if (labels.length != targets.size()) {
      throw new IllegalArgumentException("need one label array (or null) per target");
    }
    for (int t = 0; t < labels.length; t++) {
      if (labels[t] == null) {
        continue;
      }
      int k = targets.get(t).size();
      if (labels[t].length != size) {
        throw new IllegalArgumentException("labels of target " + targets.get(t) + ": need " + size);
      }
      for (int e = 0; e < size; e++) {
        int c = labels[t][e];
        if (c < 0 || c >= k) {
          throw new IllegalArgumentException("class index " + c + " out of range 0.." + (k - 1));
        }
        for (int j = 0; j < k; j++) {
          if (targetData[t][e * k + j] != (j == c ? 1.0 : 0.0)) {
            throw new IllegalArgumentException(
                "target " + targets.get(t).name() + " is not the one-hot encoding of its labels");
          }
        }
      }
    }
  }

  private void checkData(String what, List<TensorInfo> infos, double[][] data) {
    if (data.length != infos.size()) {
      throw new IllegalArgumentException(
          "expected " + infos.size() + " " + what + " arrays, got " + data.length);
    }
    for (int i = 0; i < data.length; i++) {
      long need = (long) size * infos.get(i).size();
      if (data[i] == null || data[i].length != need) {
        throw new IllegalArgumentException(
            what + " " + infos.get(i) + " needs " + need + " values for " + size + " examples");
      }
      TensorInfo info = infos.get(i);
      if (info.integer()) {
        int k = info.size();
        for (int j = 0; j < data[i].length; j++) {
          if (!info.validId(data[i][j])) {
            String at = info.position(j % k);
            throw new IllegalArgumentException("int " + what + " '" + info.name() + "', example " + (j / k)
                + (at.isEmpty() ? "" : ", position " + at) + ": " + data[i][j] + " is not " + info.validIds());
          }
        }
      }
    }
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = a.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] = c[i] == null ? null : c[i].clone();
    }
    return c;
  }

  private static int[][] deepCopy(int[][] a) {
    if (a == null) {
      return null;
    }
    int[][] c = a.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] = c[i] == null ? null : c[i].clone();
    }
    return c;
  }

  /** The number of examples. */
  public int size() {
    return size;
  }

  public List<TensorInfo> inputs() {
    return inputs;
  }

  public List<TensorInfo> targets() {
    return targets;
  }

  /** A copy of the flat example-major values of input {@code i}. */
  public double[] inputData(int i) {
    return inputData[i].clone();
  }

  /** A copy of the flat example-major values of target {@code t}. */
  public double[] targetData(int t) {
    return targetData[t].clone();
  }

  /** Whether target {@code t} came from a class-index column (and so has labels). */
  public boolean hasClassLabels(int t) {
    return labels[t] != null;
  }

  /** A copy of the class index of every example for target {@code t}; {@code null} if none. */
  public int[] classLabels(int t) {
    return labels[t] == null ? null : labels[t].clone();
  }

  double[][] rawInputs() {
    return inputData;
  }

  double[][] rawTargets() {
    return targetData;
  }

  /** Throws unless this data set has exactly the inputs and targets of {@code model}. */
  public void checkCompatible(Model model) {
    if (!inputs.equals(model.inputs()) || !targets.equals(model.targets())) {
      throw new IllegalArgumentException(
          "data set has inputs " + inputs + " and targets " + targets + " but model "
              + model.name() + " has inputs " + model.inputs() + " and targets " + model.targets());
    }
  }

  /** The examples at {@code indices}, in that order (indices may repeat). */
  public Dataset subset(int[] indices) {
    double[][] in = new double[inputs.size()][];
    double[][] tg = new double[targets.size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = gather(inputData[i], inputs.get(i).size(), indices);
    }
    for (int t = 0; t < tg.length; t++) {
      tg[t] = gather(targetData[t], targets.get(t).size(), indices);
    }
    int[][] lb = new int[targets.size()][];
    for (int t = 0; t < lb.length; t++) {
      if (labels[t] != null) {
        lb[t] = new int[indices.length];
        for (int e = 0; e < indices.length; e++) {
          lb[t][e] = labels[t][indices[e]];
        }
      }
    }
    return new Dataset(inputs, targets, indices.length, in, tg, lb, false);
  }

  private double[] gather(double[] src, int width, int[] indices) {
    double[] out = new double[indices.length * width];
    for (int e = 0; e < indices.length; e++) {
      int idx = indices[e];
      if (idx < 0 || idx >= size) {
        throw new IndexOutOfBoundsException("example " + idx + " of " + size);
      }
      System.arraycopy(src, idx * width, out, e * width, width);
    }
    return out;
  }

  /** A training set and a test set. */
  public record Split(Dataset train, Dataset test) {
    public Split {
      if (train == null || test == null) {
        throw new IllegalArgumentException("train and test must not be null");
      }
    }
  }

  /**
   * Shuffles the examples with {@code seed} and puts {@code round(size * testFraction)} of them
   * into the test set, the rest into the training set. Deterministic for a seed.
   *
   * @param testFraction in {@code [0, 1]}
   */
  public Split split(double testFraction, long seed) {
    if (!(testFraction >= 0 && testFraction <= 1)) {
      throw new IllegalArgumentException("test fraction must be in [0, 1], got " + testFraction);
    }
    int[] perm = identity(size);
    new Rng(seed).shuffle(perm);
    int nTest = (int) Math.round(size * testFraction);
    int[] test = java.util.Arrays.copyOfRange(perm, 0, nTest);
    int[] train = java.util.Arrays.copyOfRange(perm, nTest, size);
    return new Split(subset(train), subset(test));
  }

  static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Fits a {@link Standardizer} to this data set's inputs (usually the training set). */
  public Standardizer fitStandardizer() {
    return Standardizer.fit(this);
  }

  /**
   * Copies examples {@code order[from] .. order[from + count - 1]} into the first
   * {@code count * size} values of each {@code inputBuffers[i]} and {@code targetBuffers[t]}, in
   * that order. Allocates nothing.
   */
  public void gatherBatch(
      int[] order, int from, int count, double[][] inputBuffers, double[][] targetBuffers) {
    for (int i = 0; i < inputData.length; i++) {
      gatherInto(inputData[i], inputs.get(i).size(), order, from, count, inputBuffers[i]);
    }
    for (int t = 0; t < targetData.length; t++) {
      gatherInto(targetData[t], targets.get(t).size(), order, from, count, targetBuffers[t]);
    }
  }

  private void gatherInto(double[] src, int width, int[] order, int from, int count, double[] dst) {
    if (dst.length < count * width) {
      throw new IllegalArgumentException(
          "batch buffer of " + dst.length + " values is too small for " + count + " x " + width);
    }
    for (int e = 0; e < count; e++) {
      System.arraycopy(src, order[from + e] * width, dst, e * width, width);
    }
  }

  @Override
  public String toString() {
    return "Dataset(" + size + " examples, inputs " + inputs + ", targets " + targets + ")";
  }
}
