package dev.netc.runtime;

import java.util.List;
import java.util.Locale;

/** Creates optimizers by the names the CLI accepts: {@code sgd}, {@code momentum}, {@code adam}. */
public final class Optimizers {
  /** The valid names, in the order they are listed in messages. */
  public static final List<String> NAMES = List.of("sgd", "momentum", "adam");

  private Optimizers() {}

  /**
   * The optimizer called {@code name} (case-insensitive) with learning rate {@code lr} and
   * default hyper-parameters.
   *
   * @throws IllegalArgumentException for an unknown name, listing the valid ones
   */
  public static Optimizer byName(String name, double lr) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (key) {
      case "sgd" -> new Sgd(lr);
      case "momentum" -> new Momentum(lr);
      case "adam" -> new Adam(lr);
      default -> throw new IllegalArgumentException(
          "unknown optimizer \"" + name + "\"; valid names: " + String.join(", ", NAMES));
    };
  }

  static double checkLr(double lr) {
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("learning rate must be finite and positive, got " + lr);
    }
    return lr;
  }
}
