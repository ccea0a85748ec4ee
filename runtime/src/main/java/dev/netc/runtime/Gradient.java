package dev.netc.runtime;

/**
 * A holder for the gradient of the loss with respect to every param of one {@link Model}, one
 * array per param, in the order of {@link Model#params()}. Generated classes provide a typed
 * implementation with one public field per param; the caller owns it and may reuse it.
 */
public interface Gradient {
  /** The live array of the {@code index}-th param's gradient: {@code double[]} or {@code float[]}. */
  Object data(int index);

  /** Sets every entry to zero. */
  void clear();
}
