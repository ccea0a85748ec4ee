package dev.netc.compiler.graph.ix;

/**
 * A condition: a comparison of index expressions ({@code j <= i}, a {@code where} clause, a
 * guard that the scatter-to-gather rewrite adds) or of values ({@code x[i] > 0}).
 */
public sealed interface Cond {

  enum Cmp {
    LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

    private final String symbol;

    Cmp(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    public boolean test(double a, double b) {
      return switch (this) {
        case LT -> a < b;
        case LE -> a <= b;
        case GT -> a > b;
        case GE -> a >= b;
        case EQ -> a == b;
        case NE -> a != b;
      };
    }
  }

  record OnIndices(Affine left, Cmp cmp, Affine right) implements Cond {
    @Override
    public String toString() {
      return left + " " + cmp.symbol() + " " + right;
    }

    /** {@code e >= 0}, the form the range analysis works with, when the comparison is one. */
    public java.util.List<Affine> asNonNegative() {
      Affine d = left.minus(right);
      return switch (cmp) {
        case GE -> java.util.List.of(d);
        case GT -> java.util.List.of(d.plus(Affine.constant(-1)));
        case LE -> java.util.List.of(d.times(-1));
        case LT -> java.util.List.of(d.times(-1).plus(Affine.constant(-1)));
        case EQ -> java.util.List.of(d, d.times(-1));
        case NE -> null;
      };
    }
  }

  record OnValues(IExpr left, Cmp cmp, IExpr right) implements Cond {
    @Override
    public String toString() {
      return left + " " + cmp.symbol() + " " + right;
    }
  }

  /** {@code e >= 0}. */
  static OnIndices nonNegative(Affine e) {
    return new OnIndices(e, Cmp.GE, Affine.constant(0));
  }
}
