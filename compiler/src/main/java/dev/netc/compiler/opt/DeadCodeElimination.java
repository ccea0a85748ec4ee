package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * Drops every node no root depends on. Declared inputs, targets and params stay (they are the
 * generated class's interface even when unused).
 */
public final class DeadCodeElimination implements Pass {
  @Override
  public String name() {
    return "dead-code-elimination";
  }

  @Override
  public Dag run(Dag dag) {
    List<Node> roots = new ArrayList<>(dag.roots());
    dag.nodes().stream().filter(n -> n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.PARAM).forEach(roots::add);
    List<Node> live = Dag.closure(dag.nodes(), roots);
    return Rebuild.run(dag, live, new GraphBuilder(false), GraphBuilder::copy);
  }
}
