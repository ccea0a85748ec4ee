package dev.netc.runtime;

import java.util.Arrays;

/**
 * The name and shape of a param, input, target or output of a network.
 *
 * @param name the name as written in the {@code .net} source
 * @param shape {@code []} for a scalar, {@code [n]} for a vector, {@code [m, n]} for a row-major matrix
 */
public record TensorInfo(String name, int[] shape) {
  public TensorInfo {
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
    return o instanceof TensorInfo t && t.name.equals(name) && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
