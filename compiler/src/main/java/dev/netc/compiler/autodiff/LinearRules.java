package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;

/** Linear and bilinear ops: the gradient passes through, or each side gets the other side. */
final class LinearRules {
  private LinearRules() {}

  static void register(Rules r) {
    // linear: the adjoint passes through (the "add gate"), negated or transposed
    r.put(Op.ADD, (b, y, i, g) -> g);
    r.put(Op.SUB, (b, y, i, g) -> i == 0 ? g : b.neg(g));
    r.put(Op.NEG, (b, y, i, g) -> b.neg(g));
    r.put(Op.TRANSPOSE, (b, y, i, g) -> b.transpose(g));
    r.put(Op.RESHAPE, (b, y, i, g) -> b.node(Op.RESHAPE, y.input(0).shape(), y.pos(), g));
    // broadcast and sum are each other's transpose
    r.put(Op.BROADCAST, (b, y, i, g) -> b.sum(g));
    r.put(Op.SUM, (b, y, i, g) -> b.broadcast(g, y.input(0).shape()));

    // bilinear: each side gets the other side (the "multiply gate" swaps its inputs)
    r.put(Op.MUL, (b, y, i, g) -> b.mul(g, y.input(1 - i)));
    // y = A * B:  dA = g * transpose(B) (outer(g, x) for a vector B),  dB = transpose(A) * g
    r.put(Op.MATMUL, (b, y, i, g) -> {
      if (i == 1) {
        return b.matmul(b.transpose(y.input(0)), g);
      }
      Node x = y.input(1);
      return x.shape().isVector() ? b.outer(g, x) : b.matmul(g, b.transpose(x));
    });
    // y = outer(a, c) = a c^T:  da = g * c,  dc = transpose(g) * a
    r.put(Op.OUTER, (b, y, i, g) -> i == 0 ? b.matmul(g, y.input(1)) : b.matmul(b.transpose(g), y.input(0)));
    // y = a / c:  da = g / c,  dc = -(g .* y) / c
    r.put(Op.DIV, (b, y, i, g) -> i == 0 ? b.div(g, y.input(1)) : b.neg(b.div(b.mul(g, y), y.input(1))));
    // y = div_no_nan(a, c): as DIV where c != 0, and 0 where c == 0
    r.put(Op.DIV_NO_NAN, (b, y, i, g) -> i == 0
        ? b.node(Op.DIV_NO_NAN, g.shape(), g.pos(), g, y.input(1))
        : b.neg(b.node(Op.DIV_NO_NAN, g.shape(), g.pos(), b.mul(g, y), y.input(1))));
  }

}
