package dev.netc.runtime;

import java.util.List;

/**
 * What every generated network class offers to generic tools (the training loop, the gradient
 * check, params files, the CLI), without reflection.
 *
 * <p>Data crosses this interface in {@code double}, example-major: for a batch of {@code m}
 * examples, {@code inputs[i]} holds {@code m * inputs().get(i).size()} values, example after
 * example, each example's values row-major. A {@link Precision#FLOAT} model converts at the
 * boundary into its own buffers. Params and gradients are the model's live arrays:
 * {@code double[]} or {@code float[]} according to {@link #precision()}.
 *
 * <p>A model instance is not thread-safe: it owns one workspace of reusable buffers. Use one
 * instance per thread (they may share params by copying, see {@link #params()}).
 */
public interface Model {
  /** The network's name, as in the {@code .net} source. */
  String name();

  Precision precision();

  /** Trainable params in declaration order. */
  List<TensorInfo> params();

  /** Declared inputs in order (what {@link #inputGradient} differentiates with respect to). */
  List<TensorInfo> inputs();

  /** Declared targets in order. */
  List<TensorInfo> targets();

  /** Declared outputs in order (what {@link #predictBatch} returns). */
  List<TensorInfo> outputs();

  /** Whether the network declares a loss (otherwise only prediction is available). */
  boolean hasLoss();

  /** The live array of the {@code index}-th param: {@code double[]} or {@code float[]}. */
  Object paramData(int index);

  /** A new gradient holder for this model, all zeros. */
  Gradient newGradient();

  /** Re-initializes every param from its declared initializer; deterministic for a seed. */
  void initialize(long seed);

  /** Writes the outputs of {@code batch} examples into {@code outputs[o]} (example-major). */
  void predictBatch(int batch, double[][] inputs, double[][] outputs);

  /** The mean loss over {@code batch} examples. */
  double lossBatch(int batch, double[][] inputs, double[][] targets);

  /**
   * The mean loss over {@code batch} examples; overwrites {@code gradient} with the gradient of
   * that mean with respect to every param.
   */
  double lossAndGradientBatch(int batch, double[][] inputs, double[][] targets, Gradient gradient);

  /**
   * The loss of one example; overwrites {@code inputGradients[i]} with d loss / d input i for
   * every declared input.
   */
  double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients);

  /**
   * Turns training mode on or off, as PyTorch's {@code train()} and {@code eval()}: in training,
   * every forward pass ({@code predict}, {@code loss}, {@code lossAndGradient},
   * {@code inputGradient}) draws new {@code dropout} masks, which its backward pass reuses; in
   * evaluation, the default after construction, {@code dropout} is the identity and every method is
   * deterministic. A network without {@code dropout} behaves the same in both modes, and this
   * default does nothing.
   */
  default void setTraining(boolean training) {}

  /** Whether training mode is on; always false for a network without {@code dropout}. */
  default boolean isTraining() {
    return false;
  }

  /**
   * Restarts the random stream that the {@code dropout} masks are drawn from (a stream of
   * {@link Rng}; seed 0 after construction), so that a training run is reproducible. Does
   * nothing for a network without {@code dropout}.
   */
  default void seedDropout(long seed) {}
}
