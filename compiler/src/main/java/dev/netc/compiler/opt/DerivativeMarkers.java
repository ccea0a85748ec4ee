package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;

/**
 * Removes what only differentiation reads: {@code stop_gradient(x)} becomes {@code x}, and a
 * call of a def with its own derivative ({@code CUSTOM_VJP}) becomes its body, whose derivative
 * (with its {@code HOLE}) is then dead. {@code Compilation} runs it once differentiation is done
 * (after reverse mode, after forward mode), before the optimizer, so the code generators and the
 * cost model never see these ops; it is not one of the optimizer's passes, which also run on
 * DAGs that are differentiated afterwards.
 */
public final class DerivativeMarkers implements Pass {
  @Override
  public String name() {
    return "derivative-markers";
  }

  /** {@code dag} without the markers. */
  public static Dag strip(Dag dag) {
    return new DerivativeMarkers().run(dag);
  }

  @Override
  public Dag run(Dag dag) {
    if (dag.nodes().stream().noneMatch(n -> n.op() == Op.STOP_GRADIENT || n.op() == Op.CUSTOM_VJP)) {
      return dag;
    }
    return new DeadCodeElimination().run(Rebuild.run(dag, dag.nodes(), new GraphBuilder(true),
        (b, n, inputs) -> n.op() == Op.STOP_GRADIENT || n.op() == Op.CUSTOM_VJP ? inputs.get(0) : b.copy(n, inputs)));
  }
}
