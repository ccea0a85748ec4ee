package dev.netc.compiler.check;

import dev.netc.compiler.model.TExpr;

/**
 * What a name means inside one call of a {@code def}: a parameter bound to its argument's
 * value, or a named value of the def's block. Compared by identity, so that an index definition
 * reads each such value through one slot.
 */
final class Bound {
  private final TExpr expr;
  private final String kind;

  /** @param kind what it is, for messages: "parameter", "value" or "gradient" */
  Bound(TExpr expr, String kind) {
    this.expr = expr;
    this.kind = kind;
  }

  TExpr expr() {
    return expr;
  }

  String kind() {
    return kind;
  }
}
