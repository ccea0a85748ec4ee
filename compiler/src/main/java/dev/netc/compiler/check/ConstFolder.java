package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.DoubleUnaryOperator;

/**
 * Evaluates constant expressions: numbers, consts, arithmetic and the scalar elementwise
 * functions. It only computes; the caller reports why an expression is not constant, using
 * {@link #firstNonConstant}.
 */
final class ConstFolder {
  /** The elementwise functions by name ({@code sigmoid}, ...), valued by {@link Scalar}. */
  private static final Map<String, DoubleUnaryOperator> FUNCTIONS = Scalar.elementwiseOps().stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(Op::functionName,
          op -> x -> Scalar.of(op).orElseThrow().apply(x)));

  private final Map<String, Double> consts;

  ConstFolder(Map<String, Double> consts) {
    this.consts = consts;
  }

  /** The value of {@code e}, or empty if it is not a constant expression. */
  OptionalDouble fold(Ast.Expr e) {
    if (e instanceof Ast.Number n) {
      return OptionalDouble.of(n.value());
    } else if (e instanceof Ast.Ref r) {
      Double v = consts.get(r.name());
      return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    } else if (e instanceof Ast.Unary u) {
      OptionalDouble v = fold(u.operand());
      return v.isEmpty() || u.op().equals("+") ? v : OptionalDouble.of(-v.getAsDouble());
    } else if (e instanceof Ast.Binary b) {
      OptionalDouble l = fold(b.left());
      OptionalDouble r = fold(b.right());
      if (l.isEmpty() || r.isEmpty()) {
        return OptionalDouble.empty();
      }
      double x = l.getAsDouble();
      double y = r.getAsDouble();
      return OptionalDouble.of(switch (b.op()) {
        case "+" -> x + y;
        case "-" -> x - y;
        case "*", ".*", "\u2299" -> x * y;
        case "/" -> x / y;
        case "^" -> Math.pow(x, y);
        default -> throw new IllegalStateException("operator " + b.op());
      });
    } else if (e instanceof Ast.Call c) {
      DoubleUnaryOperator f = FUNCTIONS.get(c.function().text());
      if (f == null || c.args().size() != 1) {
        return OptionalDouble.empty();
      }
      OptionalDouble v = fold(c.args().get(0));
      return v.isEmpty() ? v : OptionalDouble.of(f.applyAsDouble(v.getAsDouble()));
    }
    return OptionalDouble.empty();
  }

  /** The first sub-expression that makes {@code e} non-constant: a name or a call. */
  Optional<Ast.Expr> firstNonConstant(Ast.Expr e) {
    if (e instanceof Ast.Ref r) {
      return consts.containsKey(r.name()) ? Optional.empty() : Optional.of(r);
    } else if (e instanceof Ast.Unary u) {
      return firstNonConstant(u.operand());
    } else if (e instanceof Ast.Binary b) {
      return firstNonConstant(b.left()).or(() -> firstNonConstant(b.right()));
    } else if (e instanceof Ast.Call c) {
      if (!FUNCTIONS.containsKey(c.function().text()) || c.args().size() != 1) {
        return Optional.of(c);
      }
      return firstNonConstant(c.args().get(0));
    }
    return Optional.empty();
  }
}
