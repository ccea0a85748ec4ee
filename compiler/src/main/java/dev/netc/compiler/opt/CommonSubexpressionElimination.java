package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;

/** Makes structurally equal nodes one node, by rebuilding through a sharing builder. */
public final class CommonSubexpressionElimination implements Pass {
  @Override
  public String name() {
    return "common-subexpression-elimination";
  }

  @Override
  public Dag run(Dag dag) {
    return Rebuild.run(dag, dag.nodes(), new GraphBuilder(true), GraphBuilder::copy);
  }
}
