package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;

/** Reductions and the softmax family: a scalar adjoint is broadcast back over the input. */
final class ReductionRules {
  private ReductionRules() {}

  static void register(Rules r) {
    // max(x), min(x): all of g to the first index attaining the extremum
    r.put(Op.MAX_ALL, (b, y, i, g) -> b.mul(spread(b, g, y.input(0)), b.unary(Op.ARGMAX_MASK, y.input(0))));
    r.put(Op.MIN_ALL, (b, y, i, g) -> b.mul(spread(b, g, y.input(0)), b.unary(Op.ARGMIN_MASK, y.input(0))));
    // norm(x): g x / norm(x), and 0 at x = 0
    r.put(Op.NORM, (b, y, i, g) -> {
      Node x = y.input(0);
      return b.mul(spread(b, g, x), b.node(Op.DIV_NO_NAN, x.shape(), y.pos(), x, b.broadcast(y, x.shape())));
    });
    // softmax: s .* (g - sum(g .* s))
    r.put(Op.SOFTMAX, (b, y, i, g) -> b.mul(y, b.sub(g, b.broadcast(b.sum(b.mul(g, y)), y.shape()))));
    // log_softmax: g - softmax(z) .* sum(g)
    r.put(Op.LOG_SOFTMAX, (b, y, i, g) ->
        b.sub(g, b.mul(b.unary(Op.SOFTMAX, y.input(0)), b.broadcast(b.sum(g), y.shape()))));
    // logsumexp: g softmax(z)
    r.put(Op.LOGSUMEXP, (b, y, i, g) -> b.mul(spread(b, g, y.input(0)), b.unary(Op.SOFTMAX, y.input(0))));
  }

  /** A scalar adjoint repeated to the shape of {@code like}. */
  static Node spread(GraphBuilder b, Node g, Node like) {
    return b.broadcast(g, like.shape());
  }
}
