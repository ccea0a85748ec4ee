package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import java.util.List;

/**
 * Computes at compile time every scalar node whose inputs are all constants, with the reference
 * evaluator's arithmetic (so the folded value is exactly what the code would have computed).
 */
public final class ConstantFolding implements Pass {
  @Override
  public String name() {
    return "constant-folding";
  }

  @Override
  public Dag run(Dag dag) {
    return Rebuild.run(dag, dag.nodes(), new GraphBuilder(false), ConstantFolding::fold);
  }

  private static Node fold(GraphBuilder b, Node n, List<Node> inputs) {
    if (n.isLeaf() || n.op() == dev.netc.compiler.model.Op.DROPOUT_MASK || !n.shape().isScalar() || inputs.isEmpty() || !inputs.stream().allMatch(Node::isConst)) {
      return b.copy(n, inputs);
    }
    double[][] values = inputs.stream().map(x -> new double[] {x.attr()}).toArray(double[][]::new);
    double v = Eval.apply(n, values)[0];
    return b.node(dev.netc.compiler.model.Op.CONST, n.shape(), v, null, n.label(), n.pos(), List.of());
  }
}
