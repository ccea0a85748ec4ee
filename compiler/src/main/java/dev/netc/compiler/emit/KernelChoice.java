package dev.netc.compiler.emit;

import java.util.Locale;

/**
 * Which runtime kernels a generated class calls for its large matrix products ({@code --kernels}).
 * The plan is the same for all three; only the calls differ.
 */
public enum KernelChoice {
  /**
   * The default: both, chosen when the class runs ({@code if (Vectorized.ENABLED)}, a static final
   * the JIT folds): the Vector API kernels when the JVM has {@code jdk.incubator.vector}, the plain
   * Java kernels otherwise, with nothing to configure and no cost when the module is absent.
   */
  AUTO,
  /** The plain Java kernels alone ({@code ScalarKernelsF/D}): the code never names the Vector API. */
  SCALAR,
  /** The Vector API kernels alone: the JVM must run with {@code --add-modules jdk.incubator.vector}. */
  VECTOR;

  /** The choice named {@code text} ({@code auto}, {@code scalar}, {@code vector}, any case), or null. */
  public static KernelChoice parse(String text) {
    for (KernelChoice k : values()) {
      if (k.name().equalsIgnoreCase(text.trim())) {
        return k;
      }
    }
    return null;
  }

  /** The name as options spell it: {@code auto}, {@code scalar}, {@code vector}. */
  public String option() {
    return name().toLowerCase(Locale.ROOT);
  }
}
