package dev.netc.samples.derivatives;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Model;
import dev.netc.runtime.Standardizer;
import dev.netc.runtime.Trainer;
import dev.netc.samples.Cancer;
import dev.netc.samples.CancerPenalty;
import dev.netc.samples.SampleFiles;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training with a gradient penalty that netc differentiates twice: {@link CancerPenalty}
 * ({@code samples/derivatives/cancer_penalty.net}) adds {@code 2 * sum(square(grad(fit, x)))} to
 * the fit of {@link Cancer} ({@code cancer.net}, the same 30-16-2 network). Both are trained the
 * same way on the breast cancer data (Adam, the same seeds); then, on the held-out examples, the
 * program measures the test accuracy, the mean norm of the fit's input gradient (how fast the loss
 * changes when the measurements do: the penalty's target), and the accuracy under the fast gradient
 * sign attack (every standardized measurement moved by {@code eps} in the direction that raises
 * the loss, FGSM), which a flatter loss resists better.
 *
 * <p>Usage: {@code GradientPenalty [EPOCHS [EPS]]} (defaults 40 and 0.3).
 */
public final class GradientPenalty {
  private GradientPenalty() {}

  /** One trained network's measurements on the test set. */
  public record Measured(double accuracy, double gradientNorm, double attackedAccuracy) {}

  /** Both networks' measurements. */
  public record Outcome(Measured plain, Measured penalized) {}

  public static void main(String[] args) {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    double eps = args.length > 1 ? Double.parseDouble(args[1]) : 0.3;
    run(epochs, eps, System.out);
  }

  public static Outcome run(int epochs, double eps, PrintStream out) {
    Cancer plain = new Cancer(5);
    CancerPenalty penalized = new CancerPenalty(5);
    Dataset data = Csv.load(SampleFiles.find("derivatives/breast_cancer.csv.gz"), plain);
    Dataset.Split split = data.split(0.2, 7);
    Standardizer std = split.train().fitStandardizer();
    Dataset train = std.apply(split.train());
    Dataset test = std.apply(split.test());
    for (Model m : new Model[] {plain, penalized}) {
      Trainer.builder().optimizer(new Adam(0.01)).batchSize(16).epochs(epochs).seed(7).build().train(m, train);
    }
    // the penalized network's params in a Cancer, whose inputGradient is the fit's alone
    Cancer penalizedFit = new Cancer(0);
    for (int i = 0; i < penalized.params().size(); i++) {
      double[] from = (double[]) penalized.paramData(i);
      System.arraycopy(from, 0, (double[]) penalizedFit.paramData(i), 0, from.length);
    }
    Measured a = measure(plain, test, eps);
    Measured b = measure(penalizedFit, test, eps);
    out.printf(Locale.ROOT, "breast cancer, 30-16-2 tanh network, %d epochs of Adam; %d test examples%n", epochs,
        test.size());
    out.printf(Locale.ROOT, "%-36s %10s %22s %24s%n", "", "accuracy", "mean |d fit / d x|",
        String.format(Locale.ROOT, "accuracy, FGSM eps %.2g", eps));
    print(out, "cancer.net (fit only)", a);
    print(out, "cancer_penalty.net (+ grad penalty)", b);
    return new Outcome(a, b);
  }

  private static void print(PrintStream out, String name, Measured m) {
    out.printf(Locale.ROOT, "%-36s %9.1f%% %22.4f %23.1f%%%n", name, 100 * m.accuracy(), m.gradientNorm(),
        100 * m.attackedAccuracy());
  }

  /** Accuracy, mean input-gradient norm of the fit, and accuracy after FGSM with {@code eps}. */
  static Measured measure(Cancer net, Dataset test, double eps) {
    int n = test.size();
    double[] xs = test.inputData(0);
    double[] ys = test.targetData(0);
    int[] labels = test.classLabels(0);
    double[] x = new double[30];
    double[] y = new double[2];
    double[] dx = new double[30];
    double norms = 0;
    int right = 0;
    for (int e = 0; e < n; e++) {
      System.arraycopy(xs, 30 * e, x, 0, 30);
      System.arraycopy(ys, 2 * e, y, 0, 2);
      net.inputGradient(new double[][] {x}, new double[][] {y}, new double[][] {dx});
      double s = 0;
      for (int k = 0; k < 30; k++) {
        s += dx[k] * dx[k];
        x[k] += eps * Math.signum(dx[k]);
      }
      norms += Math.sqrt(s);
      double[] p = net.predict(x);
      right += (p[1] > p[0] ? 1 : 0) == labels[e] ? 1 : 0;
    }
    return new Measured(Evaluation.accuracy(net, test), norms / n, (double) right / n);
  }
}
