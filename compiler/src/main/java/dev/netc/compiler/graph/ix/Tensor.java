package dev.netc.compiler.graph.ix;

import java.util.Arrays;

/** A row-major array of doubles with its dimensions (integer tensors hold whole numbers). */
public record Tensor(int[] dims, double[] data) {
  public Tensor {
    dims = dims.clone();
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n + " values, not " + data.length);
    }
  }

  public static Tensor zeros(int... dims) {
    return new Tensor(dims, new double[Arrays.stream(dims).reduce(1, (a, b) -> a * b)]);
  }

  public int rank() {
    return dims.length;
  }

  /** The row-major offset of {@code at}. */
  public int offset(long[] at) {
    long o = 0;
    for (int a = 0; a < dims.length; a++) {
      o = o * dims[a] + at[a];
    }
    return (int) o;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Arrays.equals(t.dims, dims) && Arrays.equals(t.data, data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims) + Arrays.toString(data);
  }
}
