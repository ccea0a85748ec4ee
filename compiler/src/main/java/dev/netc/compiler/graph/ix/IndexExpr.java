package dev.netc.compiler.graph.ix;

import java.util.List;

/**
 * A position along one axis of a read: affine in the indices ({@link Affine}), or an element of
 * an integer tensor ({@link DataIndex}, as in {@code E[tok[t], d]}), whose value is known only
 * at run time and is checked against the axis there.
 */
public sealed interface IndexExpr permits Affine, IndexExpr.DataIndex {

  /**
   * The element of the integer tensor in {@code slot} at {@code at}, plus {@code offset} (affine
   * in the indices: a max's winner {@code p} at {@code 2*r + p} is {@code win[...] + 2*r}).
   * Reads through a data index are never proved in bounds at compile time; the evaluator and
   * generated code check them.
   */
  record DataIndex(int slot, List<IndexExpr> at, Affine offset) implements IndexExpr {
    public DataIndex {
      at = List.copyOf(at);
    }

    public DataIndex(int slot, List<IndexExpr> at, int offset) {
      this(slot, at, Affine.constant(offset));
    }

    @Override
    public String toString() {
      String o = offset.toString();
      return "$" + slot + at + (o.equals("0") ? "" : o.startsWith("-") ? " - " + o.substring(1) : " + " + o);
    }
  }
}
