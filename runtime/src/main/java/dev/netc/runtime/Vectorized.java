package dev.netc.runtime;

import java.util.Locale;

/**
 * Which kernels generated classes run: the Vector API kernels ({@link VectorKernelsF},
 * {@link VectorKernelsD}, on the incubating module {@code jdk.incubator.vector}) or the plain
 * Java ones ({@link ScalarKernelsF}, {@link ScalarKernelsD}), which have the same methods.
 *
 * <p>The module is not resolved unless the JVM is started with
 * {@code --add-modules jdk.incubator.vector}. This class looks for it once, without touching it,
 * and stores the answer in {@link #ENABLED}: a static final, so the JIT folds each generated
 * {@code if (Vectorized.ENABLED)} into the one branch taken, and the vector kernels' classes are
 * never loaded (no warning, no error) when the module is absent.
 *
 * <p>The system property {@code netc.kernels} forces the choice, for benchmarks and tests:
 * {@code auto} (the default: vector when the module is present), {@code scalar}, or
 * {@code vector} (generated classes then refuse to start without the module, see {@link #check}).
 */
public final class Vectorized {
  /** The module the vector kernels need. */
  public static final String MODULE = "jdk.incubator.vector";
  /** The system property that forces a choice: {@code auto}, {@code scalar} or {@code vector}. */
  public static final String PROPERTY = "netc.kernels";

  /** The property's value, lower case ({@code auto} when unset). */
  private static final String CHOICE = property();

  /**
   * Whether generated classes call the Vector API kernels: the module is present and
   * {@code netc.kernels} is not {@code scalar}, or {@code netc.kernels} is {@code vector}.
   */
  public static final boolean ENABLED = switch (CHOICE) {
    case "scalar" -> false;
    case "vector" -> true;
    default -> available();
  };

  private Vectorized() {}

  private static String property() {
    try {
      return System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    } catch (SecurityException e) {
      return "auto";
    }
  }

  /** Whether the Vector API is available to this JVM's boot layer. */
  public static boolean available() {
    return ModuleLayer.boot().findModule(MODULE).isPresent();
  }

  /** {@code "vector"} or {@code "scalar"}: the kernels generated classes run in this JVM. */
  public static String kernels() {
    return ENABLED ? "vector" : "scalar";
  }

  /**
   * Throws an {@link IllegalStateException} naming the fix when the Vector API is not available:
   * the check of classes compiled with {@code --kernels vector}, which call the vector kernels
   * alone; {@code network} names the generated class in the message.
   */
  public static void require(String network) {
    if (!available()) {
      throw new IllegalStateException(network + " was compiled with --kernels vector (the Vector API): run Java "
          + "with --add-modules " + MODULE + ", or compile the network without --kernels vector");
    }
  }

  /**
   * The check of classes compiled with both kernels (the default): throws an
   * {@link IllegalStateException} when {@code -Dnetc.kernels} has a value other than
   * {@code auto}, {@code scalar} and {@code vector}, or is {@code vector} in a JVM without the
   * module. Nothing otherwise: without the module such classes run the scalar kernels.
   */
  public static void check(String network) {
    if (!CHOICE.equals("auto") && !CHOICE.equals("scalar") && !CHOICE.equals("vector")) {
      throw new IllegalStateException(network + ": the system property " + PROPERTY + " is '" + CHOICE
          + "'; use auto, scalar or vector");
    }
    if (ENABLED && !available()) {
      throw new IllegalStateException(network + ": -D" + PROPERTY + "=vector asks for the Vector API kernels, "
          + "but the JVM runs without them: add --add-modules " + MODULE + ", or drop -D" + PROPERTY);
    }
  }
}
