package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * {@code grad(f, v)} as an expression (LANGUAGE-2.md, "Controlling and composing derivatives"):
 * the derivative of the scalar {@code f} with respect to the named value {@code v}, with
 * {@code v}'s shape. Checked here into an {@code Op.GRAD} apply of {@code [f, v]}; lowering
 * replaces it by f's adjoint nodes for v ({@code autodiff.GradExpression}).
 *
 * <p>Errors: f not a scalar (E128); v not the name of an input, target, param or named value
 * (E127: an expression, a const). A v that f does not depend on gives zeros, as JAX does, with
 * warning W004.
 */
final class GradCall {
  private GradCall() {}

  /** What checking a call needs from the checker. */
  interface Env {
    TExpr expr(Ast.Expr e);

    /** What a name means without reporting anything: a Double const, a Symbol, a Bound; null if undeclared. */
    Object peek(String name);

    /** The definition of a named value of the network. */
    TExpr definition(Symbol s);

    void report(DiagCode code, Pos pos, Object... args);
  }

  static TExpr check(Env env, Ast.Call c) {
    List<Ast.Expr> args = c.args();
    for (Ast.Expr a : args) {
      if (a instanceof Ast.Keyword k) {
        env.report(DiagCode.MISPLACED, k.pos(), "'grad' takes no keyword arguments");
        return null;
      }
    }
    if (args.size() != 2) {
      env.report(DiagCode.ARITY, c.pos(), "grad", "2 arguments (a scalar and the name to differentiate it by)", args.size());
      return null;
    }
    TExpr f = env.expr(args.get(0));
    Ast.Expr ve = args.get(1);
    if (ve instanceof Ast.Number) {
      env.report(DiagCode.GRAD_NOT_A_NAME, ve.pos(), "this is a number");
      return null;
    }
    if (!(ve instanceof Ast.Ref r)) {
      env.report(DiagCode.GRAD_NOT_A_NAME, ve.pos(), "this is an expression; name it first (h = ...) and write grad(f, h)");
      return null;
    }
    Object meaning = env.peek(r.name());
    if (meaning instanceof Double) {
      env.report(DiagCode.GRAD_NOT_A_NAME, ve.pos(), "'" + r.name() + "' is a constant");
      return null;
    }
    TExpr v = env.expr(ve); // reports unknown names and int inputs
    if (f == null || v == null) {
      return null;
    }
    if (v instanceof TExpr.Const) {
      env.report(DiagCode.GRAD_NOT_A_NAME, ve.pos(), "'" + r.name() + "' is a constant");
      return null;
    }
    if (!f.shape().isScalar()) {
      env.report(DiagCode.GRAD_NOT_SCALAR, args.get(0).pos(), f.shape());
      return null;
    }
    if (!dependsOn(env, f, v)) {
      env.report(DiagCode.GRAD_INDEPENDENT, ve.pos(), r.name());
    }
    return new TExpr.Apply(Op.GRAD, List.of(f, v), 0, v.shape(), c.pos());
  }

  /**
   * Whether {@code f} reads {@code v}: a use of v's symbol, or v's expression itself (a def's
   * parameter or value), following the definitions of the network's named values.
   */
  private static boolean dependsOn(Env env, TExpr f, TExpr v) {
    Symbol target = v instanceof TExpr.Ref r ? r.symbol() : null;
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<TExpr> stack = new ArrayDeque<>();
    stack.push(f);
    while (!stack.isEmpty()) {
      TExpr e = stack.pop();
      if (e == v) {
        return true;
      }
      if (e instanceof TExpr.Ref ref) {
        Symbol s = ref.symbol();
        if (s.equals(target)) {
          return true;
        }
        if (s.kind() == Symbol.Kind.VALUE && seen.add(s)) {
          TExpr d = env.definition(s);
          if (d != null) {
            stack.push(d);
          }
        }
      } else if (e instanceof TExpr.Apply a && seen.add(a)) {
        a.args().forEach(stack::push);
      }
    }
    return false;
  }
}
