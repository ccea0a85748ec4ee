package dev.netc.compiler.graph.ix;

import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.IndexExpr.DataIndex;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference meaning of comprehensions and scatters: plain nested loops in row-major order,
 * every read checked against its tensor. It is the oracle that generated loop nests are
 * tested against, and what {@code graph.Eval} calls for {@code COMPUTE} nodes.
 */
public final class IxEval {
  private IxEval() {}

  /** A read outside its tensor, or a data index that is not a whole number. */
  public static final class OutOfRange extends RuntimeException {
    public OutOfRange(String message) {
      super(message);
    }
  }

  public static Tensor evaluate(Comprehension c, List<Tensor> slots) {
    return run(c, slots, false);
  }

  /**
   * For a {@code MAX} or {@code MIN}: the winning reduced point of each output element, shaped
   * as the output, as its row-major number in the reduced domain ({@link
   * Comprehension#reducedNumber}); -1 where no point satisfied the guards.
   */
  public static Tensor winners(Comprehension c, List<Tensor> slots) {
    return winners(c, slots, -1);
  }

  /**
   * The winners' reduced index {@code component} (its position in {@code c.reduced()}), or with
   * -1 their number ({@link #winners(Comprehension, List)}).
   */
  public static Tensor winners(Comprehension c, List<Tensor> slots, int component) {
    if (c.reducer() != Reducer.MAX && c.reducer() != Reducer.MIN) {
      throw new IllegalArgumentException("winners of a " + c.reducer());
    }
    return run(c, slots, true, component);
  }

  private static Tensor run(Comprehension c, List<Tensor> slots, boolean wantWinners) {
    return run(c, slots, wantWinners, -1);
  }

  private static Tensor run(Comprehension c, List<Tensor> slots, boolean wantWinners, int component) {
    int[] shape = c.shape();
    Tensor result = Tensor.zeros(shape);
    Affine number = component < 0 ? c.reducedNumber() : Affine.of(c.reduced().get(component).index());
    Map<String, Integer> at = new HashMap<>();
    int[] o = {0};
    forEach(c.out(), 0, at, () -> {
      int e = o[0]++;
      switch (c.reducer()) {
        case NONE -> result.data()[e] = holds(c.guards(), at, slots) ? value(c.body(), at, slots) : 0;
        case SUM -> {
          double[] s = {0};
          forEach(c.reduced(), 0, at, () -> {
            if (holds(c.guards(), at, slots)) {
              s[0] += value(c.body(), at, slots);
            }
          });
          result.data()[e] = s[0];
        }
        case MAX, MIN -> {
          double[] best = {0};
          long[] win = {-1};
          boolean[] any = {false};
          boolean max = c.reducer() == Reducer.MAX;
          forEach(c.reduced(), 0, at, () -> {
            if (holds(c.guards(), at, slots)) {
              double v = value(c.body(), at, slots);
              if (!any[0] || (max ? v > best[0] : v < best[0]) || (Double.isNaN(v) && !Double.isNaN(best[0]))) {
                best[0] = v;
                any[0] = true;
                win[0] = number.eval(at);
              }
            }
          });
          result.data()[e] = wantWinners ? win[0] : best[0];
        }
      }
    });
    return result;
  }

  /** Runs {@code s} into a zero tensor of {@code dims}. */
  public static Tensor scatter(Scatter s, List<Tensor> slots, int[] dims) {
    Tensor out = Tensor.zeros(dims);
    Map<String, Integer> at = new HashMap<>();
    forEach(s.domain(), 0, at, () -> {
      if (holds(s.guards(), at, slots)) {
        double v = value(s.value(), at, slots);
        if (v != 0) {
          long[] pos = positions(s.target(), at, slots, dims, "the scatter's target");
          out.data()[out.offset(pos)] += v;
        }
      }
    });
    return out;
  }

  private static void forEach(List<Dim> dims, int k, Map<String, Integer> at, Runnable body) {
    if (k == dims.size()) {
      body.run();
      return;
    }
    Dim d = dims.get(k);
    for (int i = 0; i < d.extent(); i++) {
      at.put(d.index(), i);
      forEach(dims, k + 1, at, body);
    }
    at.remove(d.index());
  }

  static boolean holds(List<? extends Cond> conds, Map<String, Integer> at, List<Tensor> slots) {
    for (Cond c : conds) {
      if (!holds(c, at, slots)) {
        return false;
      }
    }
    return true;
  }

  static boolean holds(Cond c, Map<String, Integer> at, List<Tensor> slots) {
    if (c instanceof Cond.OnIndices i) {
      return i.cmp().test(i.left().eval(at), i.right().eval(at));
    }
    Cond.OnValues v = (Cond.OnValues) c;
    return v.cmp().test(value(v.left(), at, slots), value(v.right(), at, slots));
  }

  static double value(IExpr e, Map<String, Integer> at, List<Tensor> slots) {
    if (e instanceof IExpr.Const c) {
      return c.value();
    } else if (e instanceof IExpr.IndexValue i) {
      return i.index().eval(at);
    } else if (e instanceof IExpr.Read r) {
      Tensor t = slots.get(r.slot());
      return t.data()[t.offset(positions(r.at(), at, slots, t.dims(), "$" + r.slot()))];
    } else if (e instanceof IExpr.Apply a) {
      double[] v = new double[a.args().size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = value(a.args().get(i), at, slots);
      }
      return a.op().apply(v);
    }
    IExpr.Select s = (IExpr.Select) e;
    return holds(s.cond(), at, slots) ? value(s.then(), at, slots) : value(s.otherwise(), at, slots);
  }

  private static long[] positions(List<IndexExpr> idx, Map<String, Integer> at, List<Tensor> slots, int[] dims, String what) {
    if (idx.size() != dims.length) {
      throw new IllegalArgumentException(what + " has rank " + dims.length + ", read with " + idx.size() + " indices");
    }
    long[] p = new long[idx.size()];
    for (int a = 0; a < p.length; a++) {
      p[a] = position(idx.get(a), at, slots);
      if (p[a] < 0 || p[a] >= dims[a]) {
        throw new OutOfRange(what + ": index " + p[a] + " out of range 0.." + dims[a] + " on axis " + a + " at " + at);
      }
    }
    return p;
  }

  static long position(IndexExpr e, Map<String, Integer> at, List<Tensor> slots) {
    if (e instanceof Affine a) {
      return a.eval(at);
    }
    DataIndex d = (DataIndex) e;
    Tensor t = slots.get(d.slot());
    double v = t.data()[t.offset(positions(d.at(), at, slots, t.dims(), "$" + d.slot()))];
    if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
      throw new OutOfRange("$" + d.slot() + " holds " + v + ", not an index");
    }
    return (long) v + d.offset().eval(at);
  }
}
