package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import java.util.List;

/**
 * Elementwise functions: {@code dx = g .* f'(x)}, where f' may reuse the op's own output y. The
 * functions of {@link Scalar} take their f' from there; the ops with an attribute (pow,
 * leaky_relu) and the two-argument ones are here.
 */
final class ElementwiseRules {
  /** The argument {@code x} and the value {@code y} of a unary function in {@link Scalar#partial}. */
  private static final IExpr X = new IExpr.Read(0, List.of());
  private static final IExpr Y = new IExpr.Read(1, List.of());

  private ElementwiseRules() {}

  static void register(Rules r) {
    // the elementwise functions (sigmoid, exp, ...): f' as ops.Scalar defines it, built as nodes
    for (Op op : Scalar.elementwiseOps()) {
      Scalar f = Scalar.of(op).orElseThrow();
      IExpr derivative = f.partial(List.of(X), Y, 0);
      if (derivative.equals(IExpr.ZERO)) {
        r.zero(op);
      } else if (derivative instanceof IExpr.Apply d && d.op() == Scalar.DIV && d.args().get(0).equals(IExpr.ONE)) {
        r.put(op, (b, y, i, g) -> b.div(g, nodes(b, d.args().get(1), y))); // g / e rather than g * (1 / e)
      } else if (derivative instanceof IExpr.Apply d && d.op() == Scalar.NEG) {
        r.put(op, (b, y, i, g) -> b.neg(b.mul(g, nodes(b, d.args().get(0), y)))); // -(g e)
      } else {
        r.unary(op, (b, x, y) -> nodes(b, derivative, y));
      }
    }

    r.unary(Op.POW, (b, x, y) -> b.mul(b.filled(y.attr(), x.shape(), x.pos()),    // c x^(c-1)
        b.unary(Op.POW, x, y.attr() - 1)));
    // piecewise: the conventions at the kinks come from the zero-derivative ops used
    r.unary(Op.LEAKY_RELU, (b, x, y) -> b.unary(Op.LEAKY_STEP, x, y.attr()));      // 1 or alpha; alpha at 0
    // max/min of two: a tie sends the whole gradient to the first argument
    r.put(Op.MAX2, (b, y, i, g) -> route(b, g, b.node(Op.GE, y.shape(), y.pos(), y.input(0), y.input(1)), i));
    r.put(Op.MIN2, (b, y, i, g) -> route(b, g, b.node(Op.GE, y.shape(), y.pos(), y.input(1), y.input(0)), i));

    r.zero(Op.GE, Op.LEAKY_STEP, Op.ARGMAX_MASK, Op.ARGMIN_MASK, Op.HINGE_GRAD, Op.DROPOUT_MASK);
  }

  /**
   * The nodes that compute {@code e}, an expression of a unary function's argument {@code X}
   * and value {@code Y}, for the node {@code y}: arithmetic, constants, and the functions that
   * are DAG ops.
   */
  private static Node nodes(GraphBuilder b, IExpr e, Node y) {
    if (e.equals(X)) {
      return y.input(0);
    } else if (e.equals(Y)) {
      return y;
    } else if (e instanceof IExpr.Const c) {
      return b.filled(c.value(), y.shape(), y.pos());
    } else if (e instanceof IExpr.Apply a) {
      List<Node> args = a.args().stream().map(arg -> nodes(b, arg, y)).toList();
      return switch (a.op()) {
        case ADD -> b.add(args.get(0), args.get(1));
        case SUB -> b.sub(args.get(0), args.get(1));
        case MUL -> b.mul(args.get(0), args.get(1));
        case DIV -> b.div(args.get(0), args.get(1));
        case NEG -> b.neg(args.get(0));
        default -> b.unary(a.op().op().orElseThrow(() -> new IllegalStateException(
            "the derivative of " + y.op() + " uses " + a.op() + ", which is not a DAG op")), args.get(0));
      };
    }
    throw new IllegalStateException("the derivative of " + y.op() + " is " + e + ": not expressible as DAG nodes");
  }

  /** The first argument gets {@code g .* mask}, the second {@code g - g .* mask}. */
  private static Node route(GraphBuilder b, Node g, Node mask, int i) {
    Node first = b.mul(g, mask);
    return i == 0 ? first : b.sub(g, first);
  }
}
