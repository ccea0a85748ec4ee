package dev.netc.compiler.graph.ix;

import java.util.List;

/**
 * An accumulation: for every point of {@code domain} where every guard holds,
 * {@code out[target] += value}. Reverse mode produces the adjoint of a read in this form
 * (the read's position becomes the target); {@link dev.netc.compiler.autodiff.Gather} turns it
 * into a {@link Comprehension} where the target can be solved for the domain's indices.
 */
public record Scatter(List<Comprehension.Dim> domain, List<Cond.OnIndices> guards, List<IndexExpr> target, IExpr value)
    implements IndexOp {
  public Scatter {
    domain = List.copyOf(domain);
    guards = List.copyOf(guards);
    target = List.copyOf(target);
  }

  @Override
  public String toString() {
    return "out" + target + " += " + value + " for " + domain + (guards.isEmpty() ? "" : " where " + guards);
  }
}
