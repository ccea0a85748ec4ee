package dev.netc.runtime;

import java.util.Locale;

/**
 * A learning-rate schedule: the factor by which the optimizer's base learning rate is multiplied
 * during each epoch (changed once per epoch, like PyTorch's {@code scheduler.step()} after every
 * epoch). Parse one from text with {@link #parse}:
 *
 * <ul>
 *   <li>{@code constant}: factor 1 (the default);
 *   <li>{@code step:S:G}: multiply by {@code G} every {@code S} epochs, as {@code
 *       torch.optim.lr_scheduler.StepLR(step_size=S, gamma=G)}: epoch {@code e} (1-based) uses
 *       {@code G^floor((e-1)/S)};
 *   <li>{@code cosine}: cosine annealing to 0 over all epochs, as {@code CosineAnnealingLR(T_max=E,
 *       eta_min=0)}: {@code (1 + cos(pi (e-1) / E)) / 2};
 *   <li>{@code warmup+cosine:W}: linear warm-up over the first {@code W} epochs ({@code e / W}),
 *       then cosine annealing over the remaining {@code E - W}: {@code (1 + cos(pi (e-1-W) /
 *       (E-W))) / 2}.
 * </ul>
 */
@FunctionalInterface
public interface LrSchedule {
  /** The factor for 1-based {@code epoch} of {@code epochs}. */
  double factor(int epoch, int epochs);

  LrSchedule CONSTANT = (e, n) -> 1.0;

  /** {@code G^floor((e-1)/S)}. */
  static LrSchedule step(int stepSize, double gamma) {
    if (stepSize < 1) {
      throw new IllegalArgumentException("the step size must be at least 1, got " + stepSize);
    }
    if (!(gamma > 0) || !Double.isFinite(gamma)) {
      throw new IllegalArgumentException("gamma must be a positive number, got " + gamma);
    }
    return (e, n) -> Math.pow(gamma, (e - 1) / stepSize);
  }

  /** {@code (1 + cos(pi (e-1) / E)) / 2}. */
  static LrSchedule cosine() {
    return (e, n) -> (1 + Math.cos(Math.PI * (e - 1) / Math.max(n, 1))) / 2;
  }

  /** Linear warm-up over {@code warmup} epochs, then cosine annealing. */
  static LrSchedule warmupCosine(int warmup) {
    if (warmup < 1) {
      throw new IllegalArgumentException("the warm-up must be at least 1 epoch, got " + warmup);
    }
    return (e, n) -> e <= warmup
        ? (double) e / warmup
        : (1 + Math.cos(Math.PI * (e - 1 - warmup) / Math.max(n - warmup, 1))) / 2;
  }

  /**
   * {@code constant}, {@code step:S:G}, {@code cosine} or {@code warmup+cosine:W}; throws {@link
   * IllegalArgumentException} with a message saying what is wrong.
   */
  static LrSchedule parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    String[] parts = t.split(":", -1);
    try {
      switch (parts[0]) {
        case "constant":
          if (parts.length == 1) {
            return CONSTANT;
          }
          break;
        case "cosine":
          if (parts.length == 1) {
            return cosine();
          }
          break;
        case "step":
          if (parts.length == 3) {
            return step(Integer.parseInt(parts[1]), Double.parseDouble(parts[2]));
          }
          break;
        case "warmup+cosine":
          if (parts.length == 2) {
            return warmupCosine(Integer.parseInt(parts[1]));
          }
          break;
        default:
          break;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number in learning-rate schedule '" + text
          + "' (expected constant, step:S:G, cosine or warmup+cosine:W)");
    }
    throw new IllegalArgumentException("unknown learning-rate schedule '" + text
        + "' (expected constant, step:S:G e.g. step:10:0.5, cosine, or warmup+cosine:W e.g. warmup+cosine:5)");
  }
}
