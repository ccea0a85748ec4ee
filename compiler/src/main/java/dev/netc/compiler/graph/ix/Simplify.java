package dev.netc.compiler.graph.ix;

import dev.netc.compiler.graph.ix.IExpr.Apply;
import dev.netc.compiler.graph.ix.IExpr.Const;
import dev.netc.compiler.ops.Scalar;
import java.util.List;

/**
 * The local simplifications applied as expressions are built, so that derivatives do not carry
 * {@code 1 * g} and {@code 0 + x}: constant folding, the identities of 0 and 1, and double
 * negation. Each rewrite keeps IEEE results for finite values (so {@code 0 * x} is folded to 0:
 * a derivative term that is identically zero contributes nothing, as in the whole-tensor rules).
 */
final class Simplify {
  private Simplify() {}

  static IExpr apply(Scalar op, List<IExpr> args) {
    if (args.stream().allMatch(a -> a instanceof Const)) {
      double[] v = new double[args.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = ((Const) args.get(i)).value();
      }
      double r = op.apply(v);
      if (Double.isFinite(r)) {
        return new Const(r);
      }
    }
    IExpr a = args.get(0);
    IExpr b = args.size() > 1 ? args.get(1) : null;
    switch (op) {
      case ADD -> {
        if (isConst(a, 0)) {
          return b;
        }
        if (isConst(b, 0)) {
          return a;
        }
      }
      case SUB -> {
        if (isConst(b, 0)) {
          return a;
        }
        if (isConst(a, 0)) {
          return apply(Scalar.NEG, List.of(b));
        }
      }
      case MUL -> {
        if (isConst(a, 0) || isConst(b, 0)) {
          return IExpr.ZERO;
        }
        if (isConst(a, 1)) {
          return b;
        }
        if (isConst(b, 1)) {
          return a;
        }
        if (isConst(a, -1)) {
          return apply(Scalar.NEG, List.of(b));
        }
        if (isConst(b, -1)) {
          return apply(Scalar.NEG, List.of(a));
        }
      }
      case DIV -> {
        if (isConst(a, 0)) {
          return IExpr.ZERO;
        }
        if (isConst(b, 1)) {
          return a;
        }
      }
      case NEG -> {
        if (a instanceof Apply n && n.op() == Scalar.NEG) {
          return n.args().get(0);
        }
      }
      default -> { }
    }
    return new Apply(op, args);
  }

  private static boolean isConst(IExpr e, double v) {
    return e instanceof Const c && c.value() == v;
  }
}
