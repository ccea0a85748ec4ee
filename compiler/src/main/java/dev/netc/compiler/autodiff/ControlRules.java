package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ops users write to control derivatives (LANGUAGE-2.md): {@code stop_gradient(x)} passes
 * nothing back, and a def with {@code grad(g) = e} passes {@code e}, with g the incoming
 * gradient, to its argument instead of differentiating its body (a custom vector-Jacobian
 * product, as {@code jax.custom_vjp}).
 */
final class ControlRules {
  private ControlRules() {}

  static void register(Rules r) {
    r.zero(Op.STOP_GRADIENT, Op.HOLE);
    // y = custom(body, x, vjp): dx = vjp[HOLE := g]; body and vjp themselves get nothing
    r.put(Op.CUSTOM_VJP, (b, y, i, g) -> i == 1 ? substitute(b, y.input(2), g, y) : null);
  }

  /**
   * A copy of the derivative {@code vjp} with the {@code HOLE} of {@code y}'s shape replaced by
   * {@code g}. Nodes that do not reach the hole are reused as they are; the derivatives of
   * custom calls nested in {@code vjp} are left alone (their holes are their own).
   */
  private static Node substitute(GraphBuilder b, Node vjp, Node g, Node y) {
    Map<Node, Node> done = new HashMap<>();
    return copy(b, vjp, g, y.shape(), done);
  }

  private static Node copy(GraphBuilder b, Node n, Node g, dev.netc.compiler.model.Shape holeShape, Map<Node, Node> done) {
    Node known = done.get(n);
    if (known != null) {
      return known;
    }
    Node result;
    if (n.op() == Op.HOLE) {
      result = n.shape().equals(holeShape) ? g : n;
    } else if (n.inputs().isEmpty()) {
      result = n;
    } else {
      List<Node> inputs = new ArrayList<>();
      boolean changed = false;
      for (int k = 0; k < n.inputs().size(); k++) {
        Node in = n.input(k);
        Node c = n.op() == Op.CUSTOM_VJP && k == 2 ? in : copy(b, in, g, holeShape, done);
        changed |= c != in;
        inputs.add(c);
      }
      result = changed ? b.copy(n, inputs) : n;
    }
    done.put(n, result);
    return result;
  }
}
