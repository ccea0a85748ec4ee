package dev.netc.compiler.check;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The spec's warnings: an unused param or input; a {@code step} or {@code sign} on the path to
 * the loss; an output or loss that depends on no param. The last is only given when the
 * network has params at all: a network without params (such as the spec's Gate) exists for its
 * input gradients, and warning there would be noise.
 */
final class Warnings {
  private final Network network;
  private final Map<Symbol, Pos> outputAt;
  private final Diagnostics diagnostics;
  /** Each value's definition by symbol ({@code Network.definition} searches the list: quadratic in deep networks). */
  private final Map<Symbol, TExpr> definitions = new java.util.HashMap<>();

  /** @param outputAt where each output is named in an {@code output} item */
  Warnings(Network network, Map<Symbol, Pos> outputAt, Diagnostics diagnostics) {
    this.network = network;
    this.outputAt = outputAt;
    this.diagnostics = diagnostics;
    network.values().forEach(v -> definitions.put(v.symbol(), v.expr()));
  }

  private TExpr definition(Symbol s) {
    TExpr e = definitions.get(s);
    return e != null ? e : network.definition(s);
  }

  void report() {
    Set<Symbol> used = new HashSet<>();
    network.values().forEach(v -> collect(v.expr(), used));
    network.loss().ifPresent(l -> collect(l, used));
    used.addAll(network.outputs());
    for (Symbol s : network.inputs()) {
      unused(s, used);
    }
    for (Network.Param p : network.params()) {
      unused(p.symbol(), used);
    }
    network.loss().ifPresent(l -> zeroGradients(l, new HashSet<>()));
    if (!network.params().isEmpty()) {
      for (Symbol o : network.outputs()) {
        if (!dependsOnParam(o)) {
          diagnostics.report(DiagCode.NO_PARAM_DEPENDENCE, network.source(), outputAt.getOrDefault(o, o.pos()),
              "output '" + o.name() + "'");
        }
      }
      network.loss().ifPresent(l -> {
        if (!dependsOnParam(l)) {
          diagnostics.report(DiagCode.NO_PARAM_DEPENDENCE, network.source(), l.pos(), "the loss");
        }
      });
    }
  }

  private void unused(Symbol s, Set<Symbol> used) {
    if (!used.contains(s)) {
      warn(DiagCode.UNUSED, s, s.kind().label(), s.name());
    }
  }

  private void warn(DiagCode code, Symbol at, Object... args) {
    diagnostics.report(code, network.source(), at.pos(), args);
  }

  /**
   * Expressions already walked: a def's argument is one object wherever the def uses its
   * parameter, so calls nested in calls share subexpressions that a tree walk would repeat
   * exponentially often.
   */
  private final Set<TExpr> collected = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  private final Set<TExpr> zeroWalked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  private final Map<TExpr, Boolean> paramDependence = new java.util.IdentityHashMap<>();
  private final Map<TExpr, Boolean> learnableDependence = new java.util.IdentityHashMap<>();

  private void collect(TExpr e, Set<Symbol> used) {
    if (e instanceof TExpr.Ref r) {
      used.add(r.symbol());
    } else if (e instanceof TExpr.Apply a && collected.add(e)) {
      a.args().forEach(x -> collect(x, used));
    }
  }

  /** Warns at each step or sign whose argument depends on a param or input (it blocks gradients). */
  private void zeroGradients(TExpr e, Set<Symbol> seen) {
    if (e instanceof TExpr.Ref r && r.symbol().kind() == Symbol.Kind.VALUE && seen.add(r.symbol())) {
      zeroGradients(definition(r.symbol()), seen);
    } else if (e instanceof TExpr.Apply a && zeroWalked.add(e)) {
      if ((a.op() == Op.STEP || a.op() == Op.SIGN) && dependsOnLearnable(a.args().get(0))) {
        diagnostics.report(DiagCode.ZERO_GRADIENT, network.source(), a.pos(), a.op().functionName());
      }
      a.args().forEach(x -> zeroGradients(x, seen));
    }
  }

  private boolean dependsOnParam(Symbol s) {
    return s.kind() == Symbol.Kind.PARAM || (s.kind() == Symbol.Kind.VALUE && dependsOnParam(definition(s)));
  }

  private boolean dependsOnParam(TExpr e) {
    if (e instanceof TExpr.Ref r) {
      return dependsOnParam(r.symbol());
    }
    if (!(e instanceof TExpr.Apply a)) {
      return false;
    }
    Boolean known = paramDependence.get(e);
    if (known == null) {
      known = a.args().stream().anyMatch(this::dependsOnParam);
      paramDependence.put(e, known);
    }
    return known;
  }

  private boolean dependsOnLearnable(TExpr e) {
    if (e instanceof TExpr.Ref r) {
      Symbol s = r.symbol();
      return switch (s.kind()) {
        case PARAM, INPUT -> true;
        case TARGET -> false;
        case VALUE -> dependsOnLearnable(definition(s));
      };
    }
    if (!(e instanceof TExpr.Apply a)) {
      return false;
    }
    Boolean known = learnableDependence.get(e);
    if (known == null) {
      known = a.args().stream().anyMatch(this::dependsOnLearnable);
      learnableDependence.put(e, known);
    }
    return known;
  }
}
