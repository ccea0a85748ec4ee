package dev.netc.runtime;

import java.util.List;

/**
 * The reports of every epoch {@link Trainer#train} ran, in order.
 *
 * @param epochs one report per epoch run
 * @param stopReason why training ended
 */
public record TrainingHistory(List<EpochReport> epochs, StopReason stopReason) {
  /** Why training ended. */
  public enum StopReason {
    /** All requested epochs ran. */
    COMPLETED,
    /** The monitored loss did not improve for {@code patience} epochs. */
    EARLY_STOPPING,
    /** The epoch callback asked to stop. */
    CALLBACK,
    /**
     * The training loss or a param became NaN or infinite; the params were restored to the last
     * finite ones (see {@link DivergedException}).
     */
    DIVERGED
  }

  public TrainingHistory {
    epochs = List.copyOf(epochs);
    if (stopReason == null) {
      throw new IllegalArgumentException("stopReason must not be null");
    }
  }

  /** The last epoch's report; throws if no epoch ran. */
  public EpochReport last() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("no epoch ran");
    }
    return epochs.get(epochs.size() - 1);
  }

  /** The training losses of every epoch, in order. */
  public double[] trainLosses() {
    return epochs.stream().mapToDouble(EpochReport::trainLoss).toArray();
  }
}
