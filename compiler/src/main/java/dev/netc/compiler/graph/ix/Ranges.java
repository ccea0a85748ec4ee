package dev.netc.compiler.graph.ix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Range inference for an index definition, as in Tensor Comprehensions: each index gets the
 * largest range {@code 0 .. n} for which every read stays in bounds, and then every read is
 * proved in bounds by interval arithmetic.
 *
 * <ol>
 *   <li>An index with a declared extent (the value's declared shape) starts from it.
 *   <li>A {@code where} clause comparing one index with a constant ({@code p < 2},
 *       {@code r <= 11}) bounds it and is used up; other clauses stay as guards.
 *   <li>A read position that is the index alone bounds it by the axis length.
 *   <li>Repeated until nothing changes: a position {@code c*i + e} whose other indices all have
 *       ranges bounds {@code i} so that the position stays in {@code 0 .. n} ({@code r + p}
 *       bounds {@code r} once {@code p} is known; pooling's {@code 2*r + p} needs {@code p}'s
 *       {@code where}).
 *   <li>An index without a bound, or whose range is empty, is a {@link Problem}; so is a read
 *       that may leave its tensor over the inferred ranges. A guard that gives one index a
 *       least value ({@code t >= 1}, {@code j > 0}) narrows that index in the proof, since a body
 *       is read only where its guards hold ({@code x[t - 1] where t >= 1}); guards that relate
 *       indices ({@code j <= i}) do not take part: such a read must be in bounds everywhere.
 * </ol>
 *
 * Positions that read an integer tensor ({@code tok[t]}) bound nothing at compile time; they
 * are checked at run time.
 */
public final class Ranges {
  private Ranges() {}

  /** A read of a tensor of {@code dims}, named {@code what} in messages. */
  public record Access(String what, int[] dims, List<IndexExpr> at) {
    public Access {
      dims = dims.clone();
      at = List.copyOf(at);
    }
  }

  public enum Kind { UNBOUNDED, EMPTY, OUT_OF_BOUNDS }

  /** Why a definition has no ranges; {@code index} or {@code access} says where. */
  public record Problem(Kind kind, String index, Access access, int axis, String message) {}

  /** The ranges by index, the clauses left as guards, or the first problem found. */
  public record Result(Map<String, Integer> extents, List<Cond.OnIndices> guards, Problem problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  public static Result infer(List<String> indices, Map<String, Integer> declared, List<Cond.OnIndices> where,
      List<Access> reads) {
    Map<String, Long> upper = new LinkedHashMap<>();    // exclusive upper bounds found so far
    declared.forEach((i, n) -> upper.put(i, (long) n));
    List<Cond.OnIndices> guards = new ArrayList<>();
    for (Cond.OnIndices c : where) {
      Long bound = constantBound(c);
      String i = c.left().single() != null ? c.left().single() : c.right().single();
      if (bound != null && i != null && indices.contains(i)) {
        upper.merge(i, bound, Math::min);
      } else {
        guards.add(c);
      }
    }
    for (Access r : reads) {
      for (int a = 0; a < r.at().size(); a++) {
        if (r.at().get(a) instanceof Affine e && e.single() != null && indices.contains(e.single())) {
          upper.merge(e.single(), (long) r.dims()[a], Math::min);
        }
      }
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Access r : reads) {
        for (int a = 0; a < r.at().size(); a++) {
          if (!(r.at().get(a) instanceof Affine e)) {
            continue;
          }
          for (String i : e.terms().keySet()) {
            if (upper.containsKey(i) || !indices.contains(i) || !othersBounded(e, i, upper)) {
              continue;
            }
            long c = e.coefficient(i);
            long[] rest = interval(e.substitute(i, Affine.constant(0)), upper);
            // c > 0: c*i + rest.max <= n - 1;  c < 0: c*i + rest.min >= 0
            long last = c > 0 ? Math.floorDiv(r.dims()[a] - 1 - rest[1], c) : Math.floorDiv(rest[0], -c);
            upper.put(i, last + 1);
            changed = true;
          }
        }
      }
    }
    for (String i : indices) {
      Long n = upper.get(i);
      if (n == null) {
        return failed(new Problem(Kind.UNBOUNDED, i, null, -1, "index '" + i + "' has no range: no read uses it alone"
            + " and no 'where' clause bounds it (add one, such as 'where " + i + " < 2')"));
      }
      if (n < 1) {
        return failed(new Problem(Kind.EMPTY, i, null, -1, "index '" + i + "' has an empty range (every value of it"
            + " would read outside a tensor)"));
      }
    }
    Map<String, Integer> extents = new LinkedHashMap<>();
    for (String i : indices) {
      extents.put(i, (int) Math.min(upper.get(i), Integer.MAX_VALUE));
    }
    Map<String, Integer> lower = new LinkedHashMap<>();   // from guards i >= c: below c, nothing is read
    for (Cond.OnIndices c : guards) {
      Long first = constantLowerBound(c);
      String i = c.left().single() != null ? c.left().single() : c.right().single();
      if (first != null && i != null && indices.contains(i)) {
        lower.merge(i, (int) Math.max(Integer.MIN_VALUE, Math.min(first, Integer.MAX_VALUE)), Math::max);
      }
    }
    lower.keySet().removeIf(i -> lower.get(i) >= extents.get(i));  // a guard that never holds: no narrowing (as before)
    for (Access r : reads) {
      for (int a = 0; a < r.at().size(); a++) {
        if (r.at().get(a) instanceof Affine e) {
          long[] v = Intervals.of(e, lower, extents);
          if (v[0] < 0 || v[1] >= r.dims()[a]) {
            return failed(new Problem(Kind.OUT_OF_BOUNDS, null, r, a, "read " + r.what() + " may leave its tensor on axis "
                + a + ": '" + e + "' takes values " + v[0] + " .. " + v[1] + ", the axis has 0 .. " + (r.dims()[a] - 1)
                + " (narrow an index with a 'where' clause)"));
          }
        }
      }
    }
    return new Result(extents, guards, null);
  }

  private static Result failed(Problem p) {
    return new Result(Map.of(), List.of(), p);
  }

  /** For {@code i < c}, {@code i <= c}, {@code c > i}, {@code c >= i}: the exclusive bound; else null. */
  private static Long constantBound(Cond.OnIndices c) {
    Affine l = c.left();
    Affine r = c.right();
    if (l.single() != null && r.isConstant()) {
      return switch (c.cmp()) {
        case LT -> (long) r.constant();
        case LE -> (long) r.constant() + 1;
        default -> null;
      };
    }
    if (r.single() != null && l.isConstant()) {
      return switch (c.cmp()) {
        case GT -> (long) l.constant();
        case GE -> (long) l.constant() + 1;
        default -> null;
      };
    }
    return null;
  }

  /** For {@code i >= c}, {@code i > c}, {@code c <= i}, {@code c < i}: the least value of {@code i}; else null. */
  private static Long constantLowerBound(Cond.OnIndices c) {
    Affine l = c.left();
    Affine r = c.right();
    if (l.single() != null && r.isConstant()) {
      return switch (c.cmp()) {
        case GE -> (long) r.constant();
        case GT -> (long) r.constant() + 1;
        default -> null;
      };
    }
    if (r.single() != null && l.isConstant()) {
      return switch (c.cmp()) {
        case LE -> (long) l.constant();
        case LT -> (long) l.constant() + 1;
        default -> null;
      };
    }
    return null;
  }

  private static boolean othersBounded(Affine e, String i, Map<String, Long> upper) {
    for (String j : e.terms().keySet()) {
      if (!j.equals(i) && !upper.containsKey(j)) {
        return false;
      }
    }
    return true;
  }

  private static long[] interval(Affine e, Map<String, Long> upper) {
    long lo = e.constant();
    long hi = e.constant();
    for (Map.Entry<String, Integer> t : e.terms().entrySet()) {
      long a = t.getValue() * (upper.get(t.getKey()) - 1);
      lo += Math.min(0, a);
      hi += Math.max(0, a);
    }
    return new long[] {lo, hi};
  }
}
