package dev.netc.samples.dream;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Trainer;
import dev.netc.samples.Digits;
import dev.netc.samples.SampleFiles;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;

/**
 * "Fix the output, optimize the input": trains the digits classifier ({@code
 * samples/digits/digits.net}, compiled by netc into {@link Digits}), then starts from random noise
 * and takes gradient steps on the INPUT, with {@link Digits#inputGradient} and a one-hot target
 * for the chosen digit, until the network calls the picture that digit.
 *
 * <p>Usage: {@code Dream [DIGIT [SEED]]} (defaults 3 and 1).
 */
public final class Dream {
  /** Ten shades from blank (0) to full ink (16). */
  public static final String SHADES = " .:-=+*#%@";

  /** The largest pixel value of the digits data (pixels are 0..16). */
  public static final double MAX_PIXEL = 16;

  /** The fraction of its value every pixel loses per step (a pull toward a blank image). */
  public static final double FADE = 0.02;

  /** The number of steps {@link #main} takes. */
  public static final int STEPS = 300;

  private Dream() {}

  /** What {@link #dream} did. */
  public record Result(
      int digit,
      double[] start,
      double[] startProbs,
      double[] image,
      double[] probs,
      int steps,
      int firstConfidentStep) {
    /** The network's probability of the chosen digit for the final image. */
    public double probability() {
      return probs[digit];
    }
  }

  /**
   * Trains a fresh {@link Digits} from {@code seed} on 80% of {@code samples/digits/digits.csv.gz}
   * with Adam; prints the test accuracy on the other 20% to {@code log}.
   */
  public static Digits train(long seed, int epochs, PrintStream log) {
    Digits net = new Digits(seed);
    Dataset data = Csv.load(SampleFiles.find("digits/digits.csv.gz"), net);
    Dataset.Split split = data.split(0.2, seed);
    long t0 = System.nanoTime();
    Trainer.builder().optimizer(new Adam(0.003)).batchSize(32).epochs(epochs).seed(seed).build()
        .train(net, split.train());
    log.printf(Locale.ROOT, "trained the digits classifier: %d epochs in %.1f s, test accuracy %.1f%% (%d images)%n",
        epochs, (System.nanoTime() - t0) / 1e9, 100 * Evaluation.accuracy(net, split.test()),
        split.test().size());
    return net;
  }

  /**
   * Starts from uniform noise in [0, 16] (from {@code seed}) and takes {@code steps} gradient
   * steps on the pixels toward the one-hot target {@code digit}, keeping every pixel in [0, 16].
   *
   * <p>Each step moves the pixels against {@code d loss / d x}, scaled so that the steepest pixel
   * moves by one level of 16, and fades every pixel by {@link #FADE} of its value. Without the
   * fading a few steps suffice, but the picture stays noise that the network happens to call
   * {@code digit} (an adversarial example); the fading clears the ink the loss does not ask for,
   * and what is left looks like the digit.
   */
  public static Result dream(Digits net, int digit, long seed, int steps) {
    if (digit < 0 || digit > 9) {
      throw new IllegalArgumentException("a digit is 0..9: " + digit);
    }
    Random rng = new Random(seed);
    double[] x = new double[64];
    for (int i = 0; i < x.length; i++) {
      x[i] = MAX_PIXEL * rng.nextDouble();
    }
    double[] start = x.clone();
    double[] startProbs = net.predict(x);
    double[] y = new double[10];
    y[digit] = 1;
    double[] gradX = new double[64];
    int confident = startProbs[digit] >= 0.99 ? 0 : -1;
    for (int step = 1; step <= steps; step++) {
      // d loss / d x for the fixed target: the loss is softmax_cross_entropy(z, y) plus an L2
      // term of the params, which does not depend on x
      net.inputGradient(x, y, gradX);
      double largest = 0;
      for (double g : gradX) {
        largest = Math.max(largest, Math.abs(g));
      }
      double scale = largest == 0 ? 0 : 1 / largest;
      for (int i = 0; i < x.length; i++) {
        double v = x[i] - scale * gradX[i] - FADE * x[i];
        x[i] = Math.max(0, Math.min(MAX_PIXEL, v));
      }
      if (confident < 0 && net.predict(x)[digit] >= 0.99) {
        confident = step;
      }
    }
    return new Result(digit, start, startProbs, x, net.predict(x), steps, confident);
  }

  /** The 8x8 image as 8 lines of text, two characters per pixel, darker = more ink. */
  public static String picture(double[] x) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < 8; r++) {
      sb.append("    |");
      for (int c = 0; c < 8; c++) {
        int level = (int) Math.round(x[r * 8 + c] / MAX_PIXEL * (SHADES.length() - 1));
        char ch = SHADES.charAt(Math.max(0, Math.min(SHADES.length() - 1, level)));
        sb.append(ch).append(ch);
      }
      sb.append("|\n");
    }
    return sb.toString();
  }

  /** The ten class probabilities on one line, the most likely class marked. */
  public static String probabilities(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    StringBuilder sb = new StringBuilder("    p:");
    for (int k = 0; k < p.length; k++) {
      sb.append(String.format(Locale.ROOT, " %d=%.3f", k, p[k]));
    }
    return sb.append(String.format(Locale.ROOT, "  -> %d", best)).toString();
  }

  public static void main(String[] args) {
    int digit = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    PrintStream out = System.out;
    Digits net = train(seed, 30, out);
    Result r = dream(net, digit, seed, STEPS);
    out.println();
    out.println("noise (seed " + seed + "):");
    out.print(picture(r.start()));
    out.println(probabilities(r.startProbs()));
    out.println();
    out.printf(Locale.ROOT, "after %d gradient steps on the input toward %d"
        + " (p(%d) >= 0.99 from step %d on):%n", r.steps(), digit, digit, r.firstConfidentStep());
    out.print(picture(r.image()));
    out.println(probabilities(r.probs()));
  }
}
