package dev.netc.runtime;

import java.util.WeakHashMap;
import java.util.function.Function;

/** Optimizer state per model: a fast path for the last model, and weak references to others. */
final class PerModelState<S> {
  private final Function<Model, S> factory;
  private Model lastModel;
  private S lastState;
  private final WeakHashMap<Model, S> all = new WeakHashMap<>();

  PerModelState(Function<Model, S> factory) {
    this.factory = factory;
  }

  S get(Model model) {
    if (model == lastModel) {
      return lastState;
    }
    S s = all.get(model);
    if (s == null) {
      s = factory.apply(model);
      all.put(model, s);
    }
    lastModel = model;
    lastState = s;
    return s;
  }

  void clear() {
    all.clear();
    lastModel = null;
    lastState = null;
  }

  /** A zero array of the same type and length as {@code param}. */
  static Object zerosLike(Object param) {
    if (param instanceof double[] d) {
      return new double[d.length];
    }
    if (param instanceof float[] f) {
      return new float[f.length];
    }
    throw new IllegalArgumentException("a param must be a double[] or float[], not " + param);
  }

  static int length(Object array) {
    if (array instanceof double[] d) {
      return d.length;
    }
    if (array instanceof float[] f) {
      return f.length;
    }
    throw new IllegalArgumentException("expected a double[] or float[], not " + array);
  }

  static void checkLengths(int param, Object p, Object g) {
    if (length(p) != length(g) || p.getClass() != g.getClass()) {
      throw new IllegalArgumentException(
          "gradient " + param + " does not match its param (type or length)");
    }
  }
}
