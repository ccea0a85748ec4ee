package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import java.util.List;

/**
 * Runs the passes in an explicit order, repeatedly, until the DAG stops changing (bounded, as
 * each round can only shrink it).
 */
public final class Optimizer {
  public static final List<Pass> STANDARD = List.of(
      new ConstantFolding(), new AlgebraicSimplification(), new CommonSubexpressionElimination(),
      new ScatterFusion(), new DeadCodeElimination());

  private final List<Pass> passes;

  public Optimizer(List<Pass> passes) {
    this.passes = List.copyOf(passes);
  }

  public static Dag optimize(Dag dag) {
    return new Optimizer(STANDARD).run(dag);
  }

  public Dag run(Dag dag) {
    for (int round = 0; round < 20; round++) {
      int before = dag.nodes().size();
      for (Pass p : passes) {
        dag = p.run(dag);
      }
      if (dag.nodes().size() == before) {
        break;
      }
    }
    return dag;
  }
}
