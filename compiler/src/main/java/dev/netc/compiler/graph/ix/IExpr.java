package dev.netc.compiler.graph.ix;

import dev.netc.compiler.ops.Scalar;
import java.util.List;

/**
 * The body of a comprehension: a scalar expression of the element being computed. It reads
 * tensors at index positions, uses indices as numbers, applies scalar ops from the {@link
 * Scalar} table and selects between branches. It holds no reduction: a {@link Comprehension}
 * has at most one, at its top.
 */
public sealed interface IExpr {

  /** The element of the tensor in {@code slot} (the node's input of that number) at {@code at}. */
  record Read(int slot, List<IndexExpr> at) implements IExpr {
    public Read {
      at = List.copyOf(at);
    }

    @Override
    public String toString() {
      return "$" + slot + at;
    }
  }

  record Const(double value) implements IExpr {
    @Override
    public String toString() {
      return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
  }

  /** An index (or an affine expression of indices) used as a number. */
  record IndexValue(Affine index) implements IExpr {
    @Override
    public String toString() {
      return "(" + index + ")";
    }
  }

  record Apply(Scalar op, List<IExpr> args) implements IExpr {
    public Apply {
      args = List.copyOf(args);
      if (args.size() != op.arity()) {
        throw new IllegalArgumentException(op + " takes " + op.arity() + " arguments, not " + args.size());
      }
    }

    @Override
    public String toString() {
      return op.name().toLowerCase(java.util.Locale.ROOT) + args;
    }
  }

  /** {@code then} where {@code cond} holds, else {@code otherwise}; only the chosen one is read. */
  record Select(Cond cond, IExpr then, IExpr otherwise) implements IExpr {
    @Override
    public String toString() {
      return "select(" + cond + ", " + then + ", " + otherwise + ")";
    }
  }

  IExpr ZERO = new Const(0);
  IExpr ONE = new Const(1);

  static IExpr constant(double v) {
    return new Const(v);
  }

  /** {@code op(args)}, folded where every argument is a constant and simplified at 0 and 1. */
  static IExpr call(Scalar op, IExpr... args) {
    return Simplify.apply(op, List.of(args));
  }

  static IExpr add(IExpr a, IExpr b) {
    return call(Scalar.ADD, a, b);
  }

  static IExpr sub(IExpr a, IExpr b) {
    return call(Scalar.SUB, a, b);
  }

  static IExpr mul(IExpr a, IExpr b) {
    return call(Scalar.MUL, a, b);
  }

  static IExpr div(IExpr a, IExpr b) {
    return call(Scalar.DIV, a, b);
  }

  static IExpr neg(IExpr a) {
    return call(Scalar.NEG, a);
  }

  static IExpr select(Cond c, IExpr a, IExpr b) {
    return a.equals(b) ? a : new Select(c, a, b);
  }
}
