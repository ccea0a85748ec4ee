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
}
