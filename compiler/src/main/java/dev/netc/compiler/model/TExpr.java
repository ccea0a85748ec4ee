package dev.netc.compiler.model;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.Comprehension;
import java.util.List;

/** A checked, typed expression: every node knows its shape and where it came from. */
public sealed interface TExpr {
  Shape shape();

  Pos pos();

  /** A number or a folded const: always a scalar. */
  record Const(double value, Pos pos) implements TExpr {
    @Override
    public Shape shape() {
      return Shape.SCALAR;
    }
  }

  /** A use of a declared input, target, param or named value. */
  record Ref(Symbol symbol, Pos pos) implements TExpr {
    @Override
    public Shape shape() {
      return symbol.shape();
    }
  }

  /**
   * An operator or function applied to arguments. {@code attr} is the constant of {@code ^}
   * (the exponent) and of {@code leaky_relu} (alpha); 0 otherwise. An index definition is an
   * {@code Op.COMPUTE} whose {@code ix} reads the arguments by slot; {@code ix} is null otherwise.
   */
  record Apply(Op op, List<TExpr> args, double attr, Shape shape, Pos pos, Comprehension ix) implements TExpr {
    public Apply {
      args = List.copyOf(args);
    }

    public Apply(Op op, List<TExpr> args, double attr, Shape shape, Pos pos) {
      this(op, args, attr, shape, pos, null);
    }
  }
}
