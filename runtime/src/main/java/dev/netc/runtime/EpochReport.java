package dev.netc.runtime;

import java.time.Duration;
import java.util.Locale;

/**
 * What happened in one epoch of {@link Trainer#train}.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss over the epoch's batches (weighted by batch size), as
 *     computed during the updates
 * @param testLoss mean loss on the test set after the epoch; NaN without a test set
 * @param trainAccuracy accuracy on the training set after the epoch; NaN unless the model is a
 *     classifier (see {@link Evaluation#classifier})
 * @param testAccuracy accuracy on the test set after the epoch; NaN unless a classifier with a
 *     test set
 * @param examplesPerSecond training throughput of the epoch (updates only, not evaluation)
 * @param elapsed time since training started, at the end of this epoch
 * @param learningRate the optimizer's learning rate during the epoch (after the schedule); NaN if
 *     the optimizer has none
 * @param gradNorm the mean over the epoch's batches of the global L2 norm of the gradient (all
 *     params together), before clipping
 */
public record EpochReport(
    int epoch,
    double trainLoss,
    double testLoss,
    double trainAccuracy,
    double testAccuracy,
    double examplesPerSecond,
    Duration elapsed,
    double learningRate,
    double gradNorm) {
  /** A report without learning rate and gradient norm (both NaN). */
  public EpochReport(int epoch, double trainLoss, double testLoss, double trainAccuracy,
      double testAccuracy, double examplesPerSecond, Duration elapsed) {
    this(epoch, trainLoss, testLoss, trainAccuracy, testAccuracy, examplesPerSecond, elapsed,
        Double.NaN, Double.NaN);
  }

  public EpochReport {
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch is 1-based: " + epoch);
    }
    if (elapsed == null) {
      throw new IllegalArgumentException("elapsed must not be null");
    }
  }

  /** One line, e.g. {@code epoch 3: train loss 0.1234, train acc 97.50%, 12000 ex/s, 1.2 s}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "epoch %d: train loss %.6g", epoch, trainLoss));
    if (!Double.isNaN(testLoss)) {
      sb.append(String.format(Locale.ROOT, ", test loss %.6g", testLoss));
    }
    if (!Double.isNaN(trainAccuracy)) {
      sb.append(String.format(Locale.ROOT, ", train acc %.2f%%", 100 * trainAccuracy));
    }
    if (!Double.isNaN(testAccuracy)) {
      sb.append(String.format(Locale.ROOT, ", test acc %.2f%%", 100 * testAccuracy));
    }
    sb.append(String.format(Locale.ROOT, ", %.0f ex/s, %.1f s", examplesPerSecond,
        elapsed.toNanos() / 1e9));
    return sb.toString();
  }
}
