package dev.netc.runtime;

/**
 * Thrown by {@link Trainer#train} when an epoch ends with a non-finite training loss or a
 * non-finite param value (NaN or an infinity), for example after a learning rate far too large.
 *
 * <p>When it is thrown, the model's params have been restored to the last finite values: those
 * after epoch {@link #lastGoodEpoch()} (0: the params as they were before training). {@link
 * #history()} holds the reports of every epoch run, the diverged one included, with the stop
 * reason {@link TrainingHistory.StopReason#DIVERGED}. The optimizer's state (moments, velocities)
 * is not restored; call {@link Optimizer#reset()} before training on.
 */
public final class DivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int epoch;
  private final String param;
  private final int index;
  private final double value;
  private final transient TrainingHistory history;

  DivergedException(int epoch, String param, int index, double value, double loss,
      TrainingHistory history) {
    super(message(epoch, param, index, value, loss), null, false, false);
    this.epoch = epoch;
    this.param = param;
    this.index = index;
    this.value = value;
    this.history = history;
  }

  private static String message(int epoch, String param, int index, double value, double loss) {
    if (param == null) {
      return "training diverged in epoch " + epoch + ": the training loss is " + loss
          + " (the params are finite)";
    }
    return "training diverged in epoch " + epoch + ": param " + param + " has " + value
        + " at flat index " + index + " (training loss " + loss + ")";
  }

  /** The 1-based epoch at whose end the non-finite value was found. */
  public int epoch() {
    return epoch;
  }

  /** The last epoch whose params were finite (0: none, the params before training). */
  public int lastGoodEpoch() {
    return epoch - 1;
  }

  /** The first param (in {@link Model#params()} order) holding a non-finite value, or null if only the loss was. */
  public String param() {
    return param;
  }

  /** The row-major index of the first non-finite value in {@link #param()}; -1 if none. */
  public int index() {
    return index;
  }

  /** That value (NaN or an infinity); NaN if no param went bad. */
  public double value() {
    return value;
  }

  /** Every epoch run, the diverged one last; stop reason {@link TrainingHistory.StopReason#DIVERGED}. */
  public TrainingHistory history() {
    return history;
  }
}
