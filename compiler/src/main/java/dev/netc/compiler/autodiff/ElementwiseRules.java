package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;

/** Elementwise functions: {@code dx = g .* f'(x)}, where f' may reuse the op's own output y. */
final class ElementwiseRules {
  private ElementwiseRules() {}

  static void register(Rules r) {
    // derivative uses the op's own output
    r.unary(Op.EXP, (b, x, y) -> y);                                               // exp' = exp
    r.unary(Op.SIGMOID, (b, x, y) -> b.mul(y, b.sub(b.filled(1, y.shape(), y.pos()), y)));   // s(1 - s)
    r.unary(Op.TANH, (b, x, y) -> b.sub(b.filled(1, y.shape(), y.pos()), b.unary(Op.SQUARE, y))); // 1 - t^2
    r.put(Op.SQRT, (b, y, i, g) -> b.div(g, b.mul(b.filled(2, y.shape(), y.pos()), y)));  // g / (2 sqrt x); +inf at 0

    // derivative is a function of the input
    r.put(Op.LOG, (b, y, i, g) -> b.div(g, y.input(0)));                           // g / x
    r.unary(Op.SQUARE, (b, x, y) -> b.mul(b.filled(2, x.shape(), x.pos()), x));   // 2x
    r.unary(Op.POW, (b, x, y) -> b.mul(b.filled(y.attr(), x.shape(), x.pos()),    // c x^(c-1)
        b.unary(Op.POW, x, y.attr() - 1)));
    r.unary(Op.SIN, (b, x, y) -> b.unary(Op.COS, x));
    r.put(Op.COS, (b, y, i, g) -> b.neg(b.mul(g, b.unary(Op.SIN, y.input(0)))));
    r.unary(Op.SOFTPLUS, (b, x, y) -> b.unary(Op.SIGMOID, x));

    // piecewise: the conventions at the kinks come from the zero-derivative ops used
    r.unary(Op.RELU, (b, x, y) -> b.unary(Op.STEP, x));                            // relu'(0) = step(0) = 0
    r.unary(Op.ABS, (b, x, y) -> b.unary(Op.SIGN, x));                             // abs'(0) = sign(0) = 0
    r.unary(Op.LEAKY_RELU, (b, x, y) -> b.unary(Op.LEAKY_STEP, x, y.attr()));      // 1 or alpha; alpha at 0
    // max/min of two: a tie sends the whole gradient to the first argument
    r.put(Op.MAX2, (b, y, i, g) -> route(b, g, b.node(Op.GE, y.shape(), y.pos(), y.input(0), y.input(1)), i));
    r.put(Op.MIN2, (b, y, i, g) -> route(b, g, b.node(Op.GE, y.shape(), y.pos(), y.input(1), y.input(0)), i));

    r.zero(Op.STEP, Op.SIGN, Op.GE, Op.LEAKY_STEP, Op.ARGMAX_MASK, Op.ARGMIN_MASK, Op.HINGE_GRAD, Op.DROPOUT_MASK);
  }

  /** The first argument gets {@code g .* mask}, the second {@code g - g .* mask}. */
  private static Node route(GraphBuilder b, Node g, Node mask, int i) {
    Node first = b.mul(g, mask);
    return i == 0 ? first : b.sub(g, first);
  }
}
