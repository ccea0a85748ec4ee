package dev.netc.compiler.model;

import java.util.Arrays;

/**
 * The shape of a value: its sizes along 0 to 4 axes, row-major (the last index varies fastest).
 * A vector {@code [n]} is a column for {@code *}; a matrix is {@code [m, n]}. For the matrix
 * kernels, {@link #rows()} and {@link #cols()} view any shape as a matrix: {@code cols} is the
 * last axis and {@code rows} the product of the others (a vector is {@code n x 1}, a scalar
 * {@code 1 x 1}).
 */
public final class Shape {
  public static final int MAX_RANK = 4;
  public static final Shape SCALAR = new Shape(new int[0]);

  private final int[] dims;

  private Shape(int[] dims) {
    if (dims.length > MAX_RANK) {
      throw new IllegalArgumentException("bad shape: rank " + dims.length);
    }
    for (int d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("bad shape: " + Arrays.toString(dims));
      }
    }
    this.dims = dims;
  }

  /** The shape with these sizes (none for a scalar). */
  public static Shape of(int... dims) {
    return dims.length == 0 ? SCALAR : new Shape(dims.clone());
  }

  public static Shape vector(int n) {
    return new Shape(new int[] {n});
  }

  public static Shape matrix(int m, int n) {
    return new Shape(new int[] {m, n});
  }

  public int rank() {
    return dims.length;
  }

  /** The size of axis {@code a}. */
  public int dim(int a) {
    return dims[a];
  }

  /** The product of every size but the last ({@code n} for a vector, 1 for a scalar). */
  public int rows() {
    return switch (dims.length) {
      case 0 -> 1;
      case 1 -> dims[0];
      default -> size() / dims[dims.length - 1];
    };
  }

  /** The last size for rank 2 and more; 1 for a vector or a scalar. */
  public int cols() {
    return dims.length < 2 ? 1 : dims[dims.length - 1];
  }

  public boolean isScalar() {
    return dims.length == 0;
  }

  public boolean isVector() {
    return dims.length == 1;
  }

  public boolean isMatrix() {
    return dims.length == 2;
  }

  /** The number of elements. */
  public int size() {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /** The sizes as written in source. */
  public int[] dims() {
    return dims.clone();
  }

  /*
   * equals and hashCode written out: shapes are compared and hashed throughout the compiler.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(s.dims, dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** {@code scalar}, {@code [n]}, {@code [m, n]}, ... as in source. */
  @Override
  public String toString() {
    if (dims.length == 0) {
      return "scalar";
    }
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      s.append(i == 0 ? "" : ", ").append(dims[i]);
    }
    return s.append(']').toString();
  }
}
