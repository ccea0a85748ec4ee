package dev.netc.runtime;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The name, shape and element type of a param, input, target or output of a network.
 *
 * @param name the name as written in the {@code .net} source
 * @param shape {@code []} for a scalar, {@code [n]} for a vector, {@code [m, n]} for a row-major matrix
 * @param integer whether it holds integers ({@code input tok[20] int}: class indices or token
 *     ids; {@code int[]} in the generated class's typed methods, whole numbers in the
 *     {@code double[]} arrays of {@link Model})
 * @param limit for an int tensor, the number of valid ids: each value must lie in
 *     {@code 0 .. limit - 1} (the length of the axis it indexes), or equal {@code ignore};
 *     {@link Integer#MAX_VALUE} for an int tensor used nowhere, 0 for a real one
 * @param ignore the padding id of an int target ({@code target y[T] int ignore=0}), if any
 */
public record TensorInfo(String name, int[] shape, boolean integer, int limit, OptionalInt ignore) {
  /** A tensor of real numbers. */
  public TensorInfo(String name, int[] shape) {
    this(name, shape, false, 0, OptionalInt.empty());
  }

  /** An int tensor whose values are ids in {@code 0 .. limit - 1}. */
  public static TensorInfo ids(String name, int[] shape, int limit) {
    return new TensorInfo(name, shape, true, limit, OptionalInt.empty());
  }

  /** An int target whose values are ids in {@code 0 .. limit - 1} or the padding id {@code ignore}. */
  public static TensorInfo ids(String name, int[] shape, int limit, int ignore) {
    return new TensorInfo(name, shape, true, limit, OptionalInt.of(ignore));
  }

  /** {@code "int"} or {@code "real"}: the element type as the {@code .net} source declares it. */
  public String type() {
    return integer ? "int" : "real";
  }

  /** Whether {@code v} is a valid value of this int tensor: a whole number in range, or the padding id. */
  public boolean validId(double v) {
    return v == Math.rint(v) && (v >= 0 && v < limit || ignore.isPresent() && v == ignore.getAsInt());
  }

  /** What the valid values are, for messages: {@code "an id in 0..29 (or the padding id 0)"}. */
  public String validIds() {
    String range = limit == Integer.MAX_VALUE ? "a non-negative integer" : limit == 1 ? "the id 0" : "an id in 0.." + (limit - 1);
    return range + (ignore.isPresent() ? " (or the padding id " + ignore.getAsInt() + ")" : "");
  }

  /** Element {@code i} of this tensor's row-major layout as a position: {@code [1, 2]}, or {@code ""} for a scalar. */
  public String position(int i) {
    if (shape.length == 0) {
      return "";
    }
    int[] at = new int[shape.length];
    for (int a = shape.length - 1; a >= 0; a--) {
      at[a] = i % shape[a];
      i /= shape[a];
    }
    return Arrays.toString(at);
  }

  public TensorInfo {
    if (ignore == null) {
      throw new IllegalArgumentException("ignore must not be null");
    }
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("name must not be empty");
    }
    shape = shape.clone();
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException("sizes must be positive: " + Arrays.toString(shape));
      }
    }
  }

  /** The number of elements: 1 for a scalar. */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && t.name.equals(name) && Arrays.equals(t.shape, shape) && t.integer == integer
        && t.limit == limit && t.ignore.equals(ignore);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + (integer ? " int" : "");
  }
}
