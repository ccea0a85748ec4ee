package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;

/**
 * The losses computed from logits, with their stable rules: never a chain through
 * {@code log(softmax(z))} or {@code log(sigmoid(z))}.
 */
final class LossRules {
  private LossRules() {}

  static void register(Rules r) {
    // L = -sum(y .* log_softmax(z)):  dz = g (softmax(z) sum(y) - y)  (softmax(z) - y for one-hot y),
    //                                 dy = -g log_softmax(z)
    r.put(Op.SOFTMAX_CROSS_ENTROPY, (b, y, i, g) -> {
      Node z = y.input(0);
      Node t = y.input(1);
      Node gs = ReductionRules.spread(b, g, z);
      if (i == 1) {
        return b.neg(b.mul(gs, b.unary(Op.LOG_SOFTMAX, z)));
      }
      Node p = b.mul(b.unary(Op.SOFTMAX, z), b.broadcast(b.sum(t), z.shape()));
      return b.mul(gs, b.sub(p, t));
    });
    // L = sum(softplus(z) - y .* z):  dz = g (sigmoid(z) - y),  dy = -g z
    r.put(Op.SIGMOID_BINARY_CROSS_ENTROPY, (b, y, i, g) -> {
      Node z = y.input(0);
      Node gs = ReductionRules.spread(b, g, z);
      return i == 0 ? b.mul(gs, b.sub(b.unary(Op.SIGMOID, z), y.input(1))) : b.neg(b.mul(gs, z));
    });
    // hinge: ds = g hinge_grad(s, y) (1 for each violating j != c, minus their count at c);
    //        piecewise constant in the one-hot y, so dy = 0
    r.put(Op.HINGE, (b, y, i, g) -> i == 1 ? null
        : b.mul(ReductionRules.spread(b, g, y.input(0)),
            b.node(Op.HINGE_GRAD, y.input(0).shape(), y.pos(), y.input(0), y.input(1))));
  }
}
