package dev.netc.compiler.graph.ix;

import java.util.ArrayList;
import java.util.List;

/**
 * An index definition in normal form: {@code y[out] = reducer(reduced) body where guards}.
 *
 * <p>Meaning, for every point {@code I} of the output domain: with {@code NONE}, the body at
 * {@code I} where every guard holds and 0 where one fails; with {@code SUM}, the sum of the body
 * over the points {@code J} of the reduced domain where every guard holds (0 if there are none);
 * with {@code MAX} and {@code MIN}, the largest (smallest) such value, the first one in loop
 * order (row-major over {@code J}) winning ties, and 0 if there are none. A {@code mean} is a
 * sum divided by a count, two nodes, so that differentiation has one rule per reducer.
 *
 * <p>Reads refer to tensors by slot: the inputs of the DAG node that carries this definition.
 */
public record Comprehension(List<Dim> out, Reducer reducer, List<Dim> reduced, List<Cond.OnIndices> guards, IExpr body)
    implements IndexOp {

  public enum Reducer { NONE, SUM, MAX, MIN }

  /** An index and its range {@code 0 .. extent} (exclusive). */
  public record Dim(String index, int extent) {
    public Dim {
      if (extent < 1) {
        throw new IllegalArgumentException("empty range for " + index + ": " + extent);
      }
    }

    @Override
    public String toString() {
      return index + " < " + extent;
    }
  }

  public Comprehension {
    out = List.copyOf(out);
    reduced = List.copyOf(reduced);
    guards = List.copyOf(guards);
    if (out.size() > 4) {
      throw new IllegalArgumentException("rank " + out.size() + " > 4");
    }
    if (reducer == Reducer.NONE && !reduced.isEmpty()) {
      throw new IllegalArgumentException("reduced indices without a reducer");
    }
    if (reducer != Reducer.NONE && reduced.isEmpty()) {
      throw new IllegalArgumentException(reducer + " over no index");
    }
  }

  /** The value's shape: the extents of the output indices. */
  public int[] shape() {
    return out.stream().mapToInt(Dim::extent).toArray();
  }

  /**
   * The row-major number of a point of the reduced domain, {@code ((j0 * n1) + j1) * n2 + j2}
   * as an affine expression: how a max or min records its winner.
   */
  public Affine reducedNumber() {
    Affine n = Affine.constant(0);
    for (Dim d : reduced) {
      n = n.times(d.extent()).plus(Affine.of(d.index()));
    }
    return n;
  }

  /** The output indices, then the reduced ones. */
  public List<Dim> domain() {
    List<Dim> d = new ArrayList<>(out);
    d.addAll(reduced);
    return d;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    s.append(String.join(", ", out.stream().map(Dim::index).toList())).append("] = ");
    if (reducer != Reducer.NONE) {
      s.append(reducer.name().toLowerCase(java.util.Locale.ROOT)).append('(')
          .append(String.join(", ", reduced.stream().map(Dim::index).toList())).append(") ");
    }
    s.append(body);
    List<String> where = new ArrayList<>();
    domain().forEach(d -> where.add(d.toString()));
    guards.forEach(g -> where.add(g.toString()));
    return s.append(" where ").append(String.join(", ", where)).toString();
  }
}
