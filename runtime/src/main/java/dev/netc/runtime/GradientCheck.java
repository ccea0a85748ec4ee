package dev.netc.runtime;

import java.util.List;

/**
 * A numerical check of a model's analytic gradients by central differences:
 * {@code (L(w + h) - L(w - h)) / (w+ - w-)}, where {@code w+} and {@code w-} are the perturbed
 * values as actually stored (so the rounding of a float param is accounted for). Every param
 * entry is perturbed in place and restored to its exact original value afterwards. An entry
 * passes when its absolute error is below {@code absTol} or its relative error
 * {@code |a - n| / max(|a|, |n|)} is below {@code relTol}.
 *
 * <p>Defaults ({@link Options#defaults(Precision)}): for DOUBLE models {@code h = 1e-6},
 * {@code absTol = 1e-7}, {@code relTol = 1e-5}; for FLOAT models, whose loss is only computed to
 * about 7 digits, {@code h = 1e-2}, {@code absTol = 1e-3}, {@code relTol = 1e-2}.
 */
public final class GradientCheck {
  private GradientCheck() {}

  /**
   * Options of a check.
   *
   * @param h the finite-difference step, positive
   * @param absTol absolute tolerance, non-negative
   * @param relTol relative tolerance, non-negative
   * @param maxEntriesPerTensor check at most this many evenly spaced entries per param or input;
   *     0 checks all
   */
  public record Options(double h, double absTol, double relTol, int maxEntriesPerTensor) {
    public Options {
      if (!(h > 0) || !Double.isFinite(h)) {
        throw new IllegalArgumentException("step h must be positive: " + h);
      }
      if (!(absTol >= 0) || !(relTol >= 0)) {
        throw new IllegalArgumentException("tolerances must not be negative");
      }
      if (maxEntriesPerTensor < 0) {
        throw new IllegalArgumentException("maxEntriesPerTensor must not be negative");
      }
    }

    /** The defaults for a model of {@code precision} (see the class documentation). */
    public static Options defaults(Precision precision) {
      return precision == Precision.FLOAT
          ? new Options(1e-2, 1e-3, 1e-2, 0)
          : new Options(1e-6, 1e-7, 1e-5, 0);
    }
  }

  /**
   * The outcome of a check.
   *
   * @param passed whether every checked entry passed
   * @param checked the number of entries checked
   * @param failed the number of entries that failed
   * @param worstTensor the param or input of the worst entry (the one furthest beyond the
   *     tolerances); {@code null} if nothing was checked
   * @param worstIndex its flat index
   * @param worstAnalytic the analytic gradient at that entry
   * @param worstNumeric the numerical gradient at that entry
   * @param worstAbsError its absolute error
   * @param worstRelError its relative error
   * @param maxAbsError the largest absolute error of any entry
   * @param maxRelError the largest relative error of any entry
   */
  public record Report(
      boolean passed,
      int checked,
      int failed,
      String worstTensor,
      int worstIndex,
      double worstAnalytic,
      double worstNumeric,
      double worstAbsError,
      double worstRelError,
      double maxAbsError,
      double maxRelError) {
    @Override
    public String toString() {
      if (worstTensor == null) {
        return "gradient check: nothing to check";
      }
      return String.format(java.util.Locale.ROOT,
          "gradient check %s: %d entries checked, %d failed; worst %s[%d]: analytic %.9g, "
              + "numeric %.9g (abs error %.3g, rel error %.3g); max abs error %.3g, max rel error %.3g",
          passed ? "PASSED" : "FAILED", checked, failed, worstTensor, worstIndex, worstAnalytic,
          worstNumeric, worstAbsError, worstRelError, maxAbsError, maxRelError);
    }
  }

  /** Checks the param gradients on a batch with the defaults for the model's precision. */
  public static Report params(Model model, int batch, double[][] inputs, double[][] targets) {
    return params(model, batch, inputs, targets, Options.defaults(model.precision()));
  }

  /**
   * Checks {@code lossAndGradientBatch}'s gradient of every param against central differences of
   * {@code lossBatch} on the given batch. The params are unchanged afterwards.
   */
  public static Report params(
      Model model, int batch, double[][] inputs, double[][] targets, Options options) {
    Gradient g = model.newGradient();
    model.lossAndGradientBatch(batch, inputs, targets, g);
    Accumulator acc = new Accumulator(options);
    List<TensorInfo> params = model.params();
    for (int i = 0; i < params.size(); i++) {
      Object w = model.paramData(i);
      Object gi = g.data(i);
      int len = PerModelState.length(w);
      int step = stride(len, options.maxEntriesPerTensor());
      for (int j = 0; j < len; j += step) {
        double numeric;
        if (w instanceof double[] d) {
          double orig = d[j];
          double plus = orig + options.h();
          double minus = orig - options.h();
          d[j] = plus;
          double lp = model.lossBatch(batch, inputs, targets);
          d[j] = minus;
          double lm = model.lossBatch(batch, inputs, targets);
          d[j] = orig;
          numeric = (lp - lm) / (plus - minus);
        } else {
          float[] f = (float[]) w;
          float orig = f[j];
          float plus = (float) (orig + options.h());
          float minus = (float) (orig - options.h());
          f[j] = plus;
          double lp = model.lossBatch(batch, inputs, targets);
          f[j] = minus;
          double lm = model.lossBatch(batch, inputs, targets);
          f[j] = orig;
          numeric = (lp - lm) / ((double) plus - (double) minus);
        }
        double analytic = gi instanceof double[] gd ? gd[j] : ((float[]) gi)[j];
        acc.add(params.get(i).name(), j, analytic, numeric);
      }
    }
    return acc.report();
  }

  /** Checks the input gradients of one example with the defaults for the model's precision. */
  public static Report inputs(Model model, double[][] inputs, double[][] targets) {
    return inputs(model, inputs, targets, Options.defaults(model.precision()));
  }

  /**
   * Checks {@code inputGradient} for one example against central differences of
   * {@code lossBatch(1, ...)}, perturbing a copy of the inputs ({@code inputs} is not modified).
   */
  public static Report inputs(Model model, double[][] inputs, double[][] targets, Options options) {
    double[][] x = new double[inputs.length][];
    double[][] analytic = new double[inputs.length][];
    for (int i = 0; i < x.length; i++) {
      x[i] = inputs[i].clone();
      analytic[i] = new double[inputs[i].length];
    }
    model.inputGradient(x, targets, analytic);
    Accumulator acc = new Accumulator(options);
    List<TensorInfo> infos = model.inputs();
    for (int i = 0; i < x.length; i++) {
      int step = stride(x[i].length, options.maxEntriesPerTensor());
      for (int j = 0; j < x[i].length; j += step) {
        double orig = x[i][j];
        double plus = orig + options.h();
        double minus = orig - options.h();
        x[i][j] = plus;
        double lp = model.lossBatch(1, x, targets);
        x[i][j] = minus;
        double lm = model.lossBatch(1, x, targets);
        x[i][j] = orig;
        acc.add(infos.get(i).name(), j, analytic[i][j], (lp - lm) / (plus - minus));
      }
    }
    return acc.report();
  }

  private static int stride(int len, int max) {
    return max == 0 || len <= max ? 1 : (len + max - 1) / max;
  }

  private static final class Accumulator {
    private final Options o;
    private int checked;
    private int failed;
    private double worstScore = -1;
    private String worstName;
    private int worstIndex = -1;
    private double worstA;
    private double worstN;
    private double worstAbs;
    private double worstRel;
    private double maxAbs;
    private double maxRel;

    Accumulator(Options o) {
      this.o = o;
    }

    void add(String name, int index, double a, double n) {
      double abs = Math.abs(a - n);
      double scale = Math.max(Math.abs(a), Math.abs(n));
      double rel = scale == 0 ? 0 : abs / scale;
      if (Double.isNaN(abs)) {
        abs = Double.POSITIVE_INFINITY;
        rel = Double.POSITIVE_INFINITY;
      }
      boolean ok = abs < o.absTol() || rel < o.relTol();
      checked++;
      if (!ok) {
        failed++;
      }
      // how far beyond the more lenient of the two tolerances this entry is
      double score = Math.min(abs / Math.max(o.absTol(), Double.MIN_VALUE),
          rel / Math.max(o.relTol(), Double.MIN_VALUE));
      if (score > worstScore || worstName == null) {
        worstScore = score;
        worstName = name;
        worstIndex = index;
        worstA = a;
        worstN = n;
        worstAbs = abs;
        worstRel = rel;
      }
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, rel);
    }

    Report report() {
      return new Report(failed == 0, checked, failed, worstName, worstIndex, worstA, worstN,
          worstAbs, worstRel, maxAbs, maxRel);
    }
  }
}
