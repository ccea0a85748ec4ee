package dev.netc.maven;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.cost.CostReport;
import dev.netc.compiler.graph.Dag;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The plugin's budgets: FLOPs per example and params, counted by {@link CostReport} at batch 1. */
final class Budgets {
  private Budgets() {}

  /**
   * A message for every network of {@code config}'s sources over a budget (a null budget is
   * none); empty when all fit, or when a file has errors (the generator reports those).
   */
  static List<String> check(NetcGenerator.Config config, Long maxFlopsPerExample, Long maxParams) throws IOException {
    Compilation c = Compilation.of(NetcGenerator.sourceFiles(config.sourceDirectory(), config.baseDirectory()),
        config.options().defaultPackage(), config.options().isFloat());
    List<String> over = new ArrayList<>();
    if (c.hasErrors()) {
      return over;
    }
    for (Dag dag : c.dags()) {
      CostReport r = CostReport.of(dag, config.options().isFloat(), 1);
      String where = " (" + dag.network().source().name() + ")";
      CostReport.Method m = r.budgeted();
      if (maxFlopsPerExample != null && m.flops() > maxFlopsPerExample) {
        over.add(String.format(Locale.ROOT,
            "netc: network %s costs %,d FLOPs per example in %s, over the budget <maxFlopsPerExample> of %,d%s",
            r.network(), m.batchFlops(), m.name(), maxFlopsPerExample, where));
      }
      if (maxParams != null && r.params() > maxParams) {
        over.add(String.format(Locale.ROOT, "netc: network %s has %,d params, over the budget <maxParams> of %,d%s",
            r.network(), r.params(), maxParams, where));
      }
    }
    return over;
  }
}
