package dev.netc.samples.derivatives;

import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Standardizer;
import dev.netc.samples.SampleFiles;
import dev.netc.samples.hvp.Logistic;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A Hessian-free (Newton-CG, truncated Newton) optimizer on a tiny problem, with the {@code hvp}
 * method netc generates: {@link Logistic} is {@code samples/derivatives/newton/logistic.net}
 * compiled by netc-maven-plugin with {@code <hvp>true</hvp>} (logistic regression with an L2 term
 * on the breast cancer data, 62 params, 455 training examples, full batch).
 *
 * <p>Each Newton-CG iteration takes the gradient g and solves {@code H p = -g} approximately by
 * conjugate gradients, where each product {@code H d} is one call of {@code hvp} (exact, by
 * forward-over-reverse; the Hessian itself is never formed), then takes the step {@code p} with a
 * backtracking line search. The baseline takes as many gradient-descent steps, with the same line
 * search. Both start from the same params; the program prints the training loss of both after each
 * iteration, the test accuracy, and how many gradient steps it takes to reach Newton-CG's final loss.
 *
 * <p>Usage: {@code NewtonCg [ITERATIONS]} (default 6).
 */
public final class NewtonCg {
  /** At most this many CG iterations (Hessian-vector products) per Newton step. */
  static final int MAX_CG = 20;

  private NewtonCg() {}

  /** What the run measured: the training loss after each iteration (index 0: at the start). */
  public record Outcome(double[] newtonLoss, double[] gradientLoss, int hvpCalls, double newtonAccuracy,
      double gradientAccuracy, int gradientStepsToMatch) {}

  public static void main(String[] args) {
    run(args.length > 0 ? Integer.parseInt(args[0]) : 6, System.out);
  }

  public static Outcome run(int iterations, PrintStream out) {
    Logistic newton = new Logistic(3);
    Dataset data = Csv.load(SampleFiles.find("derivatives/breast_cancer.csv.gz"), newton);
    Dataset.Split split = data.split(0.2, 7);
    Standardizer std = split.train().fitStandardizer();
    Dataset train = std.apply(split.train());
    Dataset test = std.apply(split.test());
    Logistic descent = new Logistic(3);
    Problem a = new Problem(newton, train);
    Problem b = new Problem(descent, train);

    double[] newtonLoss = new double[iterations + 1];
    double[] gradientLoss = new double[iterations + 1];
    newtonLoss[0] = a.loss();
    gradientLoss[0] = b.loss();
    out.printf(Locale.ROOT, "logistic regression, %d params, %d training examples (full batch)%n", a.size(), train.size());
    out.printf(Locale.ROOT, "%4s  %-24s  %-24s%n", "iter", "gradient descent loss", "Newton-CG loss (H*v calls)");
    out.printf(Locale.ROOT, "%4d  %-24.10f  %-24.10f%n", 0, gradientLoss[0], newtonLoss[0]);
    for (int it = 1; it <= iterations; it++) {
      gradientLoss[it] = b.gradientStep();
      newtonLoss[it] = a.newtonStep();
      out.printf(Locale.ROOT, "%4d  %-24.10f  %-24s%n", it, gradientLoss[it],
          String.format(Locale.ROOT, "%.10f (%d)", newtonLoss[it], a.hvpCalls));
    }
    double accN = Evaluation.accuracy(newton, test);
    double accG = Evaluation.accuracy(descent, test);
    int steps = iterations;
    double last = gradientLoss[iterations];
    while (last > newtonLoss[iterations] && steps < 2000) {
      last = b.gradientStep();
      steps++;
    }
    out.printf(Locale.ROOT, "gradient descent %s Newton-CG's loss after %d steps (%.10f)%n",
        last <= newtonLoss[iterations] ? "reaches" : "has not reached", steps, last);
    out.printf(Locale.ROOT, "test accuracy after %d iterations (%d examples): gradient descent %.1f%%, Newton-CG %.1f%%%n", iterations, test.size(),
        100 * accG, 100 * accN);
    return new Outcome(newtonLoss, gradientLoss, a.hvpCalls, accN, accG, steps);
  }

  /** The full-batch loss of one {@link Logistic} on the training set, and the two kinds of step. */
  static final class Problem {
    final Logistic net;
    final int n;
    final double[][] x;
    final double[][] y;
    final Logistic.Gradient g;
    final Logistic.Gradient p;
    final Logistic.Gradient r;
    final Logistic.Gradient d;
    final Logistic.Gradient hd;
    final double[][] theta;
    final double[][] saved;
    int hvpCalls;

    Problem(Logistic net, Dataset train) {
      this.net = net;
      n = train.size();
      x = new double[][] {train.inputData(0)};
      y = new double[][] {train.targetData(0)};
      g = net.newGradient();
      p = net.newGradient();
      r = net.newGradient();
      d = net.newGradient();
      hd = net.newGradient();
      theta = new double[net.params().size()][];
      saved = new double[theta.length][];
      for (int i = 0; i < theta.length; i++) {
        theta[i] = (double[]) net.paramData(i);
        saved[i] = theta[i].clone();
      }
    }

    int size() {
      int s = 0;
      for (double[] t : theta) {
        s += t.length;
      }
      return s;
    }

    double loss() {
      return net.lossBatch(n, x, y);
    }

    /** One step along -g with the line search; the new loss. */
    double gradientStep() {
      double f = net.lossAndGradientBatch(n, x, y, g);
      for (int i = 0; i < theta.length; i++) {
        double[] gi = (double[]) g.data(i);
        double[] pi = (double[]) p.data(i);
        for (int k = 0; k < gi.length; k++) {
          pi[k] = -gi[k];
        }
      }
      return lineSearch(f);
    }

    /** One Newton-CG step: CG on H p = -g with hvp, then the line search; the new loss. */
    double newtonStep() {
      double f = net.lossAndGradientBatch(n, x, y, g);
      p.clear();
      for (int i = 0; i < theta.length; i++) {            // r = d = -g
        double[] gi = (double[]) g.data(i);
        double[] ri = (double[]) r.data(i);
        double[] di = (double[]) d.data(i);
        for (int k = 0; k < gi.length; k++) {
          ri[k] = -gi[k];
          di[k] = -gi[k];
        }
      }
      double rr = dot(r, r);
      double tolerance = 1e-10 * rr;
      for (int j = 0; j < MAX_CG && rr > tolerance; j++) {
        net.hvp(n, x[0], y[0], d, hd);                      // hd = H d
        hvpCalls++;
        double curvature = dot(d, hd);
        if (curvature <= 0) {
          break;                                            // not convex along d (cannot happen here: L2)
        }
        double alpha = rr / curvature;
        axpy(alpha, d, p);
        axpy(-alpha, hd, r);
        double next = dot(r, r);
        for (int i = 0; i < theta.length; i++) {            // d = r + (next / rr) d
          double[] ri = (double[]) r.data(i);
          double[] di = (double[]) d.data(i);
          for (int k = 0; k < ri.length; k++) {
            di[k] = ri[k] + next / rr * di[k];
          }
        }
        rr = next;
      }
      return lineSearch(f);
    }

    /** theta += t p with t = 1, 1/2, ... until the loss drops by 1e-4 t g.p (Armijo); the new loss. */
    private double lineSearch(double f) {
      double slope = dot(g, p);
      for (int i = 0; i < theta.length; i++) {
        System.arraycopy(theta[i], 0, saved[i], 0, theta[i].length);
      }
      double t = 1;
      for (int tries = 0; tries < 40; tries++, t /= 2) {
        for (int i = 0; i < theta.length; i++) {
          double[] pi = (double[]) p.data(i);
          for (int k = 0; k < pi.length; k++) {
            theta[i][k] = saved[i][k] + t * pi[k];
          }
        }
        double next = loss();
        if (next <= f + 1e-4 * t * slope) {
          return next;
        }
      }
      for (int i = 0; i < theta.length; i++) {
        System.arraycopy(saved[i], 0, theta[i], 0, theta[i].length);
      }
      return f;
    }

    private double dot(Gradient a, Gradient b) {
      double s = 0;
      for (int i = 0; i < theta.length; i++) {
        double[] ai = (double[]) a.data(i);
        double[] bi = (double[]) b.data(i);
        for (int k = 0; k < ai.length; k++) {
          s += ai[k] * bi[k];
        }
      }
      return s;
    }

    private void axpy(double alpha, Gradient a, Gradient b) {
      for (int i = 0; i < theta.length; i++) {
        double[] ai = (double[]) a.data(i);
        double[] bi = (double[]) b.data(i);
        for (int k = 0; k < ai.length; k++) {
          bi[k] += alpha * ai[k];
        }
      }
    }
  }
}
