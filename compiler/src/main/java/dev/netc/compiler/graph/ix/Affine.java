package dev.netc.compiler.graph.ix;

import java.util.Map;
import java.util.TreeMap;

/**
 * An index expression affine in the indices with integer coefficients: {@code 2*r + p - 1} is
 * {@code {r: 2, p: 1}} and constant {@code -1}. Terms are kept sorted by index name and never
 * hold a zero coefficient, so equal expressions are equal records.
 */
public record Affine(Map<String, Integer> terms, int constant) implements IndexExpr {
  public Affine {
    TreeMap<String, Integer> t = new TreeMap<>();
    terms.forEach((k, v) -> {
      if (v != 0) {
        t.put(k, v);
      }
    });
    terms = java.util.Collections.unmodifiableSortedMap(t);
  }

  public static Affine of(String index) {
    return new Affine(Map.of(index, 1), 0);
  }

  public static Affine constant(int c) {
    return new Affine(Map.of(), c);
  }

  public int coefficient(String index) {
    return terms.getOrDefault(index, 0);
  }

  public boolean isConstant() {
    return terms.isEmpty();
  }

  /** The index if this expression is exactly one index with coefficient 1, else null. */
  public String single() {
    return terms.size() == 1 && constant == 0 && terms.values().iterator().next() == 1
        ? terms.keySet().iterator().next() : null;
  }

  public Affine plus(Affine o) {
    TreeMap<String, Integer> t = new TreeMap<>(terms);
    o.terms.forEach((k, v) -> t.merge(k, v, Integer::sum));
    return new Affine(t, Math.addExact(constant, o.constant));
  }

  public Affine times(int k) {
    TreeMap<String, Integer> t = new TreeMap<>();
    terms.forEach((n, v) -> t.put(n, Math.multiplyExact(v, k)));
    return new Affine(t, Math.multiplyExact(constant, k));
  }

  public Affine minus(Affine o) {
    return plus(o.times(-1));
  }

  /** This expression with {@code index} replaced by {@code by}. */
  public Affine substitute(String index, Affine by) {
    int c = coefficient(index);
    if (c == 0) {
      return this;
    }
    TreeMap<String, Integer> t = new TreeMap<>(terms);
    t.remove(index);
    return new Affine(t, constant).plus(by.times(c));
  }

  /** The value at the given index values (every index of this expression must be bound). */
  public long eval(Map<String, Integer> at) {
    long v = constant;
    for (Map.Entry<String, Integer> e : terms.entrySet()) {
      Integer x = at.get(e.getKey());
      if (x == null) {
        throw new IllegalArgumentException("unbound index " + e.getKey());
      }
      v += (long) e.getValue() * x;
    }
    return v;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Integer> e : terms.entrySet()) {
      int c = e.getValue();
      if (s.length() > 0) {
        s.append(c < 0 ? " - " : " + ");
      } else if (c < 0) {
        s.append('-');
      }
      if (Math.abs(c) != 1) {
        s.append(Math.abs(c)).append('*');
      }
      s.append(e.getKey());
    }
    if (s.length() == 0) {
      return Integer.toString(constant);
    }
    if (constant != 0) {
      s.append(constant < 0 ? " - " : " + ").append(Math.abs(constant));
    }
    return s.toString();
  }
}
