package dev.netc.runtime;

import java.util.List;

/**
 * Per-feature standardization of a data set's inputs, {@code x' = (x - mean) / std}, with the
 * mean and (population) standard deviation of every input feature measured on one data set
 * (usually the training set) and applied unchanged to others (the test set, new examples). A
 * feature with standard deviation 0 is only centered, not divided. Targets are never changed.
 */
public final class Standardizer {
  private final List<TensorInfo> inputs;
  private final double[][] mean;
  private final double[][] std;

  private Standardizer(List<TensorInfo> inputs, double[][] mean, double[][] std) {
    this.inputs = inputs;
    this.mean = mean;
    this.std = std;
  }

  /** Measures every input feature of {@code data}; needs at least one example. */
  public static Standardizer fit(Dataset data) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot standardize an empty data set");
    }
    List<TensorInfo> inputs = data.inputs();
    double[][] mean = new double[inputs.size()][];
    double[][] std = new double[inputs.size()][];
    int n = data.size();
    for (int i = 0; i < mean.length; i++) {
      int w = inputs.get(i).size();
      double[] x = data.rawInputs()[i];
      double[] m = new double[w];
      double[] s = new double[w];
      for (int e = 0; e < n; e++) {
        for (int j = 0; j < w; j++) {
          m[j] += x[e * w + j];
        }
      }
      for (int j = 0; j < w; j++) {
        m[j] /= n;
      }
      for (int e = 0; e < n; e++) {
        for (int j = 0; j < w; j++) {
          double d = x[e * w + j] - m[j];
          s[j] += d * d;
        }
      }
      for (int j = 0; j < w; j++) {
        s[j] = Math.sqrt(s[j] / n);
      }
      mean[i] = m;
      std[i] = s;
    }
    return new Standardizer(inputs, mean, std);
  }

  /** A copy of the means of input {@code i}'s features. */
  public double[] mean(int i) {
    return mean[i].clone();
  }

  /** A copy of the standard deviations of input {@code i}'s features. */
  public double[] std(int i) {
    return std[i].clone();
  }

  /** A new data set with the inputs of {@code data} standardized; its layout must match. */
  public Dataset apply(Dataset data) {
    if (!data.inputs().equals(inputs)) {
      throw new IllegalArgumentException(
          "standardizer fitted on inputs " + inputs + " cannot apply to " + data.inputs());
    }
    double[][] in = new double[inputs.size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = data.rawInputs()[i].clone();
    }
    applyInPlace(data.size(), in);
    int[][] labels = new int[data.targets().size()][];
    for (int t = 0; t < labels.length; t++) {
      labels[t] = data.classLabels(t);
    }
    return new Dataset(inputs, data.targets(), data.size(), in, data.rawTargets(), labels, false);
  }

  /** Standardizes {@code batch} examples of example-major input arrays in place. */
  public void applyInPlace(int batch, double[][] inputData) {
    for (int i = 0; i < mean.length; i++) {
      double[] m = mean[i];
      double[] s = std[i];
      int w = m.length;
      double[] x = inputData[i];
      for (int e = 0; e < batch; e++) {
        for (int j = 0; j < w; j++) {
          double v = x[e * w + j] - m[j];
          x[e * w + j] = s[j] == 0 ? v : v / s[j];
        }
      }
    }
  }
}
