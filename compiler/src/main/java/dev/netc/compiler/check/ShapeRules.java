package dev.netc.compiler.check;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import dev.netc.compiler.model.Shape;
import java.util.List;

/**
 * The shape rules of the spec's operators and functions. Each rule returns the result shape, or
 * a {@link Problem} for the caller to report at the operator or function.
 */
final class ShapeRules {
  private ShapeRules() {}

  /** A rule's verdict: a shape, or a diagnostic code and its arguments. */
  record Result(Shape shape, Op op, DiagCode code, Object[] args) {
    static Result ok(Op op, Shape shape) {
      return new Result(shape, op, null, null);
    }

    static Result error(DiagCode code, Object... args) {
      return new Result(null, null, code, args);
    }

    boolean isOk() {
      return shape != null;
    }
  }

  /**
   * Elementwise rule: same shapes, or a scalar on either side; other shapes broadcast as NumPy's
   * do (see {@link #broadcast}), which the checker builds as an index definition.
   */
  static Result elementwise(Op op, String symbol, Shape a, Shape b) {
    if (a.equals(b) || b.isScalar()) {
      return Result.ok(op, a);
    }
    if (a.isScalar()) {
      return Result.ok(op, b);
    }
    Shape s = broadcast(a, b);
    return s != null ? Result.ok(Op.COMPUTE, s) : Result.error(DiagCode.SHAPE_MISMATCH, symbol, a, b);
  }

  /**
   * NumPy's broadcast of two shapes: axes aligned from the last, each pair of sizes equal or
   * one of them 1 (which stretches); null if some pair is neither.
   */
  static Shape broadcast(Shape a, Shape b) {
    int rank = Math.max(a.rank(), b.rank());
    int[] dims = new int[rank];
    for (int k = 0; k < rank; k++) {
      int x = k - (rank - a.rank()) >= 0 ? a.dim(k - (rank - a.rank())) : 1;
      int y = k - (rank - b.rank()) >= 0 ? b.dim(k - (rank - b.rank())) : 1;
      if (x != y && x != 1 && y != 1) {
        return null;
      }
      dims[k] = Math.max(x, y);
    }
    return Shape.of(dims);
  }

  /** {@code a * b}: scaling, matrix product, matrix-vector product, or an error with a hint. */
  static Result star(Shape a, Shape b) {
    if (a.isScalar() || b.isScalar()) {
      return Result.ok(Op.MUL, a.isScalar() ? b : a);
    }
    if (a.rank() > 2 || b.rank() > 2) {
      return Result.error(DiagCode.MATMUL_HINT, a, b, "'*' multiplies vectors and matrices only; write a product of"
          + " tensors in index notation (y[i, j] = sum(k) A[i, k] * B[k, j]) or an elementwise one with .*");
    }
    if (a.isMatrix()) {
      if (a.cols() != b.rows()) {
        return Result.error(DiagCode.MATMUL_MISMATCH, a, b, a.cols(), b.rows());
      }
      return Result.ok(Op.MATMUL, b.isMatrix() ? Shape.matrix(a.rows(), b.cols()) : Shape.vector(a.rows()));
    }
    // a is a vector: vectors are columns, so nothing sensible is meant by a * b
    if (b.isVector() && a.rows() == b.rows()) {
      return Result.error(DiagCode.MATMUL_HINT, a, b,
          "for a dot product write dot(a, b), for an elementwise product write a .* b");
    }
    if (b.isVector()) {
      return Result.error(DiagCode.MATMUL_HINT, a, b, "vectors are columns; for an outer product write outer(a, b)");
    }
    return Result.error(DiagCode.MATMUL_HINT, a, b,
        "a vector is a column and cannot be the left side of '*'; write transpose(W) * x");
  }

  /** The shape of {@code op} applied to {@code args} (arity already checked). */
  static Result function(Op op, List<Shape> args) {
    String name = op.functionName();
    Shape x = args.get(0);
    if (Scalar.of(op).isPresent()) {
      return Result.ok(op, x); // an elementwise function keeps its argument's shape
    }
    switch (op) {
      case LEAKY_RELU, DROPOUT:
        return Result.ok(op, x);
      case MAX:
        return args.size() == 1 ? Result.ok(Op.MAX_ALL, Shape.SCALAR) : elementwise(Op.MAX2, "max", x, args.get(1));
      case MIN:
        return args.size() == 1 ? Result.ok(Op.MIN_ALL, Shape.SCALAR) : elementwise(Op.MIN2, "min", x, args.get(1));
      case SUM, MEAN, NORM, L2:
        return Result.ok(op, Shape.SCALAR);
      case DOT:
        return x.isVector() && x.equals(args.get(1))
            ? Result.ok(op, Shape.SCALAR)
            : Result.error(DiagCode.ARG_SHAPE, name, "two vectors of the same size", x + " and " + args.get(1));
      case TRANSPOSE:
        return x.isMatrix()
            ? Result.ok(op, Shape.matrix(x.cols(), x.rows()))
            : Result.error(DiagCode.ARG_SHAPE, name, "a matrix", x);
      case OUTER:
        return x.isVector() && args.get(1).isVector()
            ? Result.ok(op, Shape.matrix(x.rows(), args.get(1).rows()))
            : Result.error(DiagCode.ARG_SHAPE, name, "two vectors", x + " and " + args.get(1));
      case SOFTMAX, LOG_SOFTMAX:
        return x.isVector() ? Result.ok(op, x) : Result.error(DiagCode.ARG_SHAPE, name, "a vector", x);
      case LOGSUMEXP:
        return x.isVector() ? Result.ok(op, Shape.SCALAR) : Result.error(DiagCode.ARG_SHAPE, name, "a vector", x);
      case HINGE:
        return x.isVector() && x.equals(args.get(1))
            ? Result.ok(op, Shape.SCALAR)
            : Result.error(DiagCode.ARG_SHAPE, name, "scores and a one-hot target, two vectors of the same size",
                x + " and " + args.get(1));
      case MSE, CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY, BINARY_CROSS_ENTROPY, SIGMOID_BINARY_CROSS_ENTROPY:
        if (op == Op.SOFTMAX_CROSS_ENTROPY && !x.isVector()) {
          return Result.error(DiagCode.ARG_SHAPE, name, "a vector of logits and a target of the same shape",
              x + " and " + args.get(1));
        }
        return x.equals(args.get(1))
            ? Result.ok(op, Shape.SCALAR)
            : Result.error(DiagCode.ARG_SHAPE, name, "two arguments of the same shape", x + " and " + args.get(1));
      default:
        throw new IllegalArgumentException("not a function: " + op);
    }
  }
}
