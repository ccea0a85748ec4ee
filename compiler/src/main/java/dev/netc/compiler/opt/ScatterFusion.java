package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code scatter(v at p) * step(t) -> scatter(v * step(t[p]) at p)}: the gradient through relu of
 * a max pooling's gradient (LeNet's {@code max_pool2d(relu(...))}), whose scatter writes one
 * number of each window and zeros elsewhere, is then the scatter alone. Without it the relu's
 * gradient is a pass over the whole plane (every zero of the scatter read, multiplied and
 * written again, with {@code t}), three quarters of it on zeros ({@code unpool2x2} in the
 * runtime computes such a scatter). Exact for every value: where the scatter adds nothing,
 * {@code 0 * step(t)} is 0, as {@code step} is 0 or 1 (never NaN or infinite); where it adds,
 * {@code (a + b) * s = a * s + b * s} for {@code s} 0 or 1. The one difference is a zero's sign:
 * {@code g * 0} for a negative {@code g} was {@code -0}, and is now added to the scatter's zero,
 * {@code +0} (equal numbers; no gradient depends on it). Only where the product is the scatter's
 * one use (else the scatter would be computed twice).
 */
public final class ScatterFusion implements Pass {
  @Override
  public String name() {
    return "scatter-fusion";
  }

  @Override
  public Dag run(Dag dag) {
    Map<Node, Integer> uses = new HashMap<>();
    for (Node n : dag.nodes()) {
      n.inputs().forEach(i -> uses.merge(i, 1, Integer::sum));
    }
    dag.roots().forEach(r -> uses.merge(r, 1, Integer::sum));
    return Rebuild.run(dag, dag.nodes(), new GraphBuilder(false), (b, n, in) -> fuse(b, n, in, uses));
  }

  private static Node fuse(GraphBuilder b, Node n, List<Node> in, Map<Node, Integer> uses) {
    if (n.op() == Op.MUL) {
      for (int i = 0; i < 2; i++) {
        Node s = in.get(i);
        Node step = in.get(1 - i);
        if (s.op() == Op.SCATTER && s.ix() instanceof Scatter sc && uses.getOrDefault(n.input(i), 0) == 1
            && step.op() == Op.STEP && s.shape().equals(n.shape()) && step.input(0).shape().equals(n.shape())) {
          List<Node> inputs = new ArrayList<>(s.inputs());
          int slot = inputs.indexOf(step.input(0));
          if (slot < 0) {
            slot = inputs.size();
            inputs.add(step.input(0));
          }
          IExpr value = IExpr.call(Scalar.MUL, sc.value(), IExpr.call(Scalar.STEP, new IExpr.Read(slot, sc.target())));
          return b.indexNode(Op.SCATTER, new Scatter(sc.domain(), sc.guards(), sc.target(), value), n.shape(), n.pos(),
              inputs);
        }
      }
    }
    return b.copy(n, in);
  }
}
