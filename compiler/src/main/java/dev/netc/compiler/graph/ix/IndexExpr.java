package dev.netc.compiler.graph.ix;

import java.util.List;

/**
 * A position along one axis of a read: affine in the indices ({@link Affine}), or an element of
 * an integer tensor ({@link DataIndex}, as in {@code E[tok[t], d]}), whose value is known only
 * at run time and is checked against the axis there.
 */
public sealed interface IndexExpr permits Affine, IndexExpr.DataIndex {

  /**
   * The element of the integer tensor in {@code slot} at {@code at}, plus {@code offset}.
   * Reads through a data index are never proved in bounds at compile time; the evaluator and
   * generated code check them.
   */
  record DataIndex(int slot, List<IndexExpr> at, int offset) implements IndexExpr {
    public DataIndex {
      at = List.copyOf(at);
    }

    @Override
    public String toString() {
      return "$" + slot + at + (offset == 0 ? "" : (offset > 0 ? " + " : " - ") + Math.abs(offset));
    }
  }
}
