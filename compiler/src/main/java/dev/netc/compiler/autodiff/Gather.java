package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.graph.ix.Intervals;
import dev.netc.compiler.graph.ix.Rewrite;
import dev.netc.compiler.graph.ix.Scatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scatter-to-gather rewrite. A scatter {@code dx[f(D)] += v(D)} writes in an order that
 * cannot be split or tiled; the equivalent gather computes each element of {@code dx} once.
 * Where every axis {@code a} of the target is {@code ±v_a + e_a} for a domain index
 * {@code v_a} that appears in no other axis, substitute {@code v_a = ±(t_a - e_a)} for the new
 * output index {@code t_a}, keep {@code 0 <= v_a < n} as guards, and sum over the domain
 * indices left (where an axis offers several such indices, the one of largest range is solved
 * for, so that the sum left is the short one):
 *
 * <pre>
 *   conv: dx[i, u, w] = sum(o, p, q) g[o, u - p, w - q] * K[o, i, p, q]
 *                       where 0 <= u - p < R, 0 <= w - q < C
 * </pre>
 *
 * Where some axis cannot be solved (a data-dependent target, {@code x[i + j, i - j]}, a
 * constant position), there is no gather and the scatter stays.
 */
public final class Gather {
  private Gather() {}

  public static Optional<Comprehension> of(Scatter s, int[] targetDims) {
    List<IndexExpr> target = s.target();
    if (target.size() != targetDims.length) {
      throw new IllegalArgumentException("target rank " + target.size() + " vs " + targetDims.length);
    }
    Map<String, Integer> extent = new LinkedHashMap<>();
    s.domain().forEach(d -> extent.put(d.index(), d.extent()));
    Set<String> used = new HashSet<>(extent.keySet());
    List<Dim> out = new ArrayList<>();
    Map<String, Affine> solved = new LinkedHashMap<>();
    for (int a = 0; a < target.size(); a++) {
      if (!(target.get(a) instanceof Affine u)) {
        return Optional.empty();
      }
      String t = fresh("t" + a, used);
      out.add(new Dim(t, targetDims[a]));
      if (u.isConstant() && u.constant() == 0 && targetDims[a] == 1) {
        continue;       // an axis of size 1 read at 0 (a broadcast operand): nothing to solve
      }
      // solve for the candidate of largest extent (the first in domain order on a tie), so
      // that the sum left over is the short one: a convolution's kernel offsets, not its rows
      String v = null;
      for (String cand : extent.keySet()) {
        if (Math.abs(u.coefficient(cand)) == 1 && !solved.containsKey(cand) && onlyIn(cand, target, a)
            && (v == null || extent.get(cand) > extent.get(v))) {
          v = cand;
        }
      }
      if (v == null) {
        return Optional.empty();
      }
      int c = u.coefficient(v);
      // u = c*v + rest = t  =>  v = c * (t - rest)   (c is ±1)
      Affine rest = u.substitute(v, Affine.constant(0));
      solved.put(v, Affine.of(t).minus(rest).times(c));
    }
    IExpr body = s.value();
    List<Cond.OnIndices> guards = new ArrayList<>();
    for (Cond.OnIndices g : s.guards()) {
      guards.add(g);
    }
    for (Map.Entry<String, Affine> e : solved.entrySet()) {
      body = Rewrite.substitute(body, e.getKey(), e.getValue());
      List<Cond.OnIndices> next = new ArrayList<>();
      for (Cond.OnIndices g : guards) {
        next.add(Rewrite.substitute(g, e.getKey(), e.getValue()));
      }
      guards = next;
    }
    Map<String, Integer> ranges = new LinkedHashMap<>(extent);
    out.forEach(d -> ranges.put(d.index(), d.extent()));
    for (Map.Entry<String, Affine> e : solved.entrySet()) {
      for (Cond.OnIndices g : List.of(Cond.nonNegative(e.getValue()),
          new Cond.OnIndices(e.getValue(), Cond.Cmp.LT, Affine.constant(extent.get(e.getKey()))))) {
        if (!Intervals.alwaysHolds(g, ranges)) {
          guards.add(g);
        }
      }
    }
    List<Dim> reduced = new ArrayList<>();
    s.domain().forEach(d -> {
      if (!solved.containsKey(d.index())) {
        reduced.add(d);
      }
    });
    return Optional.of(new Comprehension(out, reduced.isEmpty() ? Reducer.NONE : Reducer.SUM, reduced, guards, body));
  }

  private static boolean onlyIn(String index, List<IndexExpr> target, int axis) {
    for (int b = 0; b < target.size(); b++) {
      if (b != axis && target.get(b) instanceof Affine u && u.coefficient(index) != 0) {
        return false;
      }
      if (b != axis && !(target.get(b) instanceof Affine)) {
        return false;
      }
    }
    return true;
  }

  private static String fresh(String base, Set<String> used) {
    String n = base;
    while (used.contains(n)) {
      n = n + "'";
    }
    used.add(n);
    return n;
  }
}
