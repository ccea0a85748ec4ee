package dev.netc.compiler.testing;

import dev.netc.compiler.autodiff.ReverseMode;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.check.Frontend;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.model.Network;
import java.util.List;
import java.util.stream.Collectors;

/** Test helpers: source text to checked network, DAG, and differentiated DAG. */
public final class Nets {
  private Nets() {}

  public static Network check(String source) {
    Diagnostics d = new Diagnostics();
    List<Network> nets = Frontend.check(List.of(new SourceFile("test.net", source)), "", d);
    if (d.hasErrors() || nets.size() != 1) {
      throw new AssertionError("does not check:\n" + source + "\n"
          + d.all().stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
    }
    return nets.get(0);
  }

  /** The unoptimized DAG with gradients. */
  public static Dag differentiate(String source) {
    Network n = check(source);
    Diagnostics d = new Diagnostics();
    return new ReverseMode(Rules.standard()).differentiate(Lowering.lower(n), d)
        .orElseThrow(() -> new AssertionError(d.all()));
  }
}
