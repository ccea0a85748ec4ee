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

  /** Writes a double[] or float[]: a type byte (8 or 4), the length, then the values' bits. */
  static void write(java.io.DataOutput out, Object array) throws java.io.IOException {
    if (array instanceof double[] d) {
      out.writeByte(8);
      out.writeInt(d.length);
      for (double x : d) {
        out.writeLong(Double.doubleToRawLongBits(x));
      }
    } else {
      float[] f = (float[]) array;
      out.writeByte(4);
      out.writeInt(f.length);
      for (float x : f) {
        out.writeInt(Float.floatToRawIntBits(x));
      }
    }
  }

  /** Reads what {@link #write} wrote into {@code array}, which must have the same type and length. */
  static void read(java.io.DataInput in, Object array) throws java.io.IOException {
    int type = in.readByte();
    int n = in.readInt();
    int want = length(array);
    if (type != (array instanceof double[] ? 8 : 4) || n != want) {
      throw new java.io.IOException("optimizer state of " + (type == 8 ? "double" : type == 4 ? "float" : "unknown type " + type)
          + "[" + n + "] where " + (array instanceof double[] ? "double" : "float") + "[" + want + "] is expected");
    }
    if (array instanceof double[] d) {
      for (int i = 0; i < n; i++) {
        d[i] = Double.longBitsToDouble(in.readLong());
      }
    } else {
      float[] f = (float[]) array;
      for (int i = 0; i < n; i++) {
        f[i] = Float.intBitsToFloat(in.readInt());
      }
    }
  }
}
