package dev.netc.runtime;

/**
 * Updates a model's params in place from a gradient of the loss ({@link Gradient#data} in the
 * order of {@link Model#params()}). Works on {@code double[]} and {@code float[]} params; a
 * {@code float[]} param is updated in double and rounded back to float.
 *
 * <p>Stateful optimizers keep their state (velocities, moments) per model, allocated on the first
 * step for that model and reused afterwards, so a warm step allocates nothing (provided the model's
 * {@code params()} returns a cached list, as generated classes do). An instance is not thread-safe.
 */
public interface Optimizer {
  /** Applies one update to {@code model}'s params. */
  void step(Model model, Gradient gradient);

  /** Forgets all state, as if no step had been taken. Stateless optimizers do nothing. */
  default void reset() {}

  /** The learning rate the next step uses; NaN for an optimizer without one. */
  default double lr() {
    return Double.NaN;
  }

  /**
   * Changes the learning rate of the following steps (used by learning-rate schedules and weight
   * decay); optimizers without one throw {@link UnsupportedOperationException}.
   */
  default void setLr(double lr) {
    throw new UnsupportedOperationException(this + " has no learning rate to set");
  }

  /**
   * Writes this optimizer's state for {@code model} (moments, velocities, the step count), so that
   * {@link #readState} into a fresh optimizer continues bit for bit. Stateless optimizers write nothing.
   */
  default void writeState(Model model, java.io.DataOutput out) throws java.io.IOException {}

  /** Reads what {@link #writeState} wrote, for {@code model} (whose params must have the same shapes). */
  default void readState(Model model, java.io.DataInput in) throws java.io.IOException {}
}
