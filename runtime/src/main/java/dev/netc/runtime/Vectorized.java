package dev.netc.runtime;

/**
 * Whether the JVM can run networks compiled with {@code --vector}: their matrix products call
 * {@link VectorKernelsF} and {@link VectorKernelsD}, which use the incubating Vector API
 * ({@code jdk.incubator.vector}). That module is not resolved unless the JVM is started with
 * {@code --add-modules jdk.incubator.vector}. This class does not touch the module itself, so
 * it can say so clearly instead of failing with a {@code NoClassDefFoundError} mid-call.
 */
public final class Vectorized {
  /** The module the vector kernels need. */
  public static final String MODULE = "jdk.incubator.vector";

  private Vectorized() {}

  /** Whether the Vector API is available to this JVM's boot layer. */
  public static boolean available() {
    return ModuleLayer.boot().findModule(MODULE).isPresent();
  }

  /**
   * Throws an {@link IllegalStateException} naming the fix when the Vector API is not available;
   * {@code network} names the generated class in the message.
   */
  public static void require(String network) {
    if (!available()) {
      throw new IllegalStateException(network + " was compiled with --vector (the Vector API): run Java with "
          + "--add-modules " + MODULE + ", or compile the network without --vector");
    }
  }
}
