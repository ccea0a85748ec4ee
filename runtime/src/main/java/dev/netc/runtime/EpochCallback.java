package dev.netc.runtime;

/** Called by {@link Trainer} after every epoch, e.g. to print progress. */
@FunctionalInterface
public interface EpochCallback {
  /** Returns {@code false} to stop training after this epoch. */
  boolean onEpoch(EpochReport report);
}
