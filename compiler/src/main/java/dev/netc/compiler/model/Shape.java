package dev.netc.compiler.model;

/**
 * The shape of a value: a scalar, a vector {@code [n]} (a column for {@code *}) or a row-major
 * matrix {@code [m, n]}.
 */
public record Shape(int rank, int rows, int cols) {
  public static final Shape SCALAR = new Shape(0, 1, 1);

  public Shape {
    if (rank < 0 || rank > 2 || rows < 1 || cols < 1 || (rank < 2 && cols != 1) || (rank == 0 && rows != 1)) {
      throw new IllegalArgumentException("bad shape: rank " + rank + " " + rows + "x" + cols);
    }
  }

  public static Shape vector(int n) {
    return new Shape(1, n, 1);
  }

  public static Shape matrix(int m, int n) {
    return new Shape(2, m, n);
  }

  public boolean isScalar() {
    return rank == 0;
  }

  public boolean isVector() {
    return rank == 1;
  }

  public boolean isMatrix() {
    return rank == 2;
  }

  /** The number of elements. */
  public int size() {
    return rows * cols;
  }

  /** The sizes as written in source: {@code []}, {@code [n]} or {@code [m, n]}. */
  public int[] dims() {
    return switch (rank) {
      case 0 -> new int[0];
      case 1 -> new int[] {rows};
      default -> new int[] {rows, cols};
    };
  }

  /*
   * equals and hashCode written out, with the values of the generated ones: shapes are compared
   * and hashed throughout the compiler, and the generated methods (method handle chains) are
   * slow until the JIT has compiled them, which is much of a one-shot compile.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && s.rank == rank && s.rows == rows && s.cols == cols;
  }

  @Override
  public int hashCode() {
    return (rank * 31 + rows) * 31 + cols;
  }

  @Override
  public String toString() {
    return switch (rank) {
      case 0 -> "scalar";
      case 1 -> "[" + rows + "]";
      default -> "[" + rows + ", " + cols + "]";
    };
  }
}
