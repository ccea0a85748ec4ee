package dev.netc.compiler;

import dev.netc.compiler.autodiff.ForwardMode;
import dev.netc.compiler.autodiff.ReverseMode;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.check.Frontend;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.opt.DerivativeMarkers;
import dev.netc.compiler.opt.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The middle of the compiler, phase by phase: check, lower to a DAG, differentiate, optimize.
 * Each phase stops at errors, which are in {@link #diagnostics()}.
 */
public final class Compilation {
  private final Diagnostics diagnostics = new Diagnostics();
  private final List<Dag> dags = new ArrayList<>();
  private final List<java.nio.file.Path> imports = new ArrayList<>();

  private Compilation() {}

  /** Checks and differentiates every network of {@code files}. */
  public static Compilation of(List<SourceFile> files, String defaultPackage) {
    return of(files, defaultPackage, false);
  }

  /** As {@link #of(List, String)}, checking that constants fit in a float when {@code isFloat} (E051). */
  public static Compilation of(List<SourceFile> files, String defaultPackage, boolean isFloat) {
    Compilation c = new Compilation();
    List<Network> networks = Frontend.check(files, defaultPackage, isFloat, c.diagnostics, c.imports::add);
    if (c.diagnostics.hasErrors()) {
      return c;
    }
    ReverseMode reverse = new ReverseMode(Rules.standard());
    for (Network n : networks) {
      differentiated(n, reverse, c.diagnostics).ifPresent(c.dags::add);
    }
    return c;
  }

  /** The optimized DAG of {@code network} with its gradients, or empty after a diagnostic. */
  public static Optional<Dag> differentiated(Network network, ReverseMode reverse, Diagnostics diagnostics) {
    Dag forward = Lowering.lower(network);
    return reverse.differentiate(forward, diagnostics).map(DerivativeMarkers::strip).map(Optimizer::optimize);
  }

  /**
   * The optimized DAG of {@code network}'s forward-mode derivative ({@link ForwardMode#jvp}): the
   * outputs' and the loss's tangents along a tangent of every input and param.
   */
  public static Optional<Dag> jvp(Network network, Rules rules, Diagnostics diagnostics) {
    return new ForwardMode(rules).jvp(Optimizer.optimize(Lowering.lower(network)), diagnostics)
        .map(DerivativeMarkers::strip).map(Optimizer::optimize);
  }

  /**
   * The optimized DAG of the Hessian of the loss times a tangent of the params, by
   * forward-over-reverse ({@link ForwardMode#hvp}) on {@code differentiated}, the DAG that
   * {@link #differentiated} gives.
   */
  public static Optional<Dag> hvp(Dag differentiated, Rules rules, Diagnostics diagnostics) {
    if (differentiated.loss() == null) {
      return Optional.empty();
    }
    Dag reversed = differentiated;
    Dag forward = Lowering.lower(differentiated.network());
    if (forward.nodes().stream().anyMatch(n -> n.op() == Op.STOP_GRADIENT || n.op() == Op.CUSTOM_VJP)) {
      // forward mode must see stop_gradient (a zero tangent) in the gradient, which `differentiated` no longer has
      Optional<Dag> kept = new ReverseMode(rules).differentiate(forward, diagnostics).map(Optimizer::optimize);
      if (kept.isEmpty()) {
        return Optional.empty();
      }
      reversed = kept.get();
    }
    return new ForwardMode(rules).hvp(reversed, diagnostics).map(DerivativeMarkers::strip).map(Optimizer::optimize);
  }

  /** Every file imported with {@code use} while checking, directly or not (absolute paths), even after errors. */
  public List<java.nio.file.Path> imports() {
    return List.copyOf(imports);
  }

  public Diagnostics diagnostics() {
    return diagnostics;
  }

  public boolean hasErrors() {
    return diagnostics.hasErrors();
  }

  /** The optimized, differentiated DAG of every network, in source order. */
  public List<Dag> dags() {
    return List.copyOf(dags);
  }
}
