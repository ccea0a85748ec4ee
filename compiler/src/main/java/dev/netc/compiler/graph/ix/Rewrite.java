package dev.netc.compiler.graph.ix;

import dev.netc.compiler.graph.ix.IExpr.Apply;
import dev.netc.compiler.graph.ix.IExpr.IndexValue;
import dev.netc.compiler.graph.ix.IExpr.Read;
import dev.netc.compiler.graph.ix.IExpr.Select;
import dev.netc.compiler.graph.ix.IndexExpr.DataIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/** Structural rewrites of bodies: renumbering slots, substituting indices, listing reads. */
public final class Rewrite {
  private Rewrite() {}

  /** {@code e} with every slot {@code s} (reads and data indices) renumbered to {@code f(s)}. */
  public static IExpr renumber(IExpr e, IntUnaryOperator f) {
    return map(e, r -> new Read(f.applyAsInt(r.slot()), renumber(r.at(), f)), ix -> ix);
  }

  /** {@code op} with its slots renumbered by {@code f}. */
  public static IndexOp renumber(IndexOp op, IntUnaryOperator f) {
    if (op instanceof Comprehension c) {
      return new Comprehension(c.out(), c.reducer(), c.reduced(), c.guards(), renumber(c.body(), f));
    }
    Scatter s = (Scatter) op;
    return new Scatter(s.domain(), s.guards(), renumber(s.target(), f), renumber(s.value(), f));
  }

  /** The slots {@code op} reads (values and data indices). */
  public static java.util.SortedSet<Integer> slots(IndexOp op) {
    java.util.SortedSet<Integer> used = new java.util.TreeSet<>();
    if (op instanceof Comprehension c) {
      slots(c.body(), used);
    } else {
      Scatter s = (Scatter) op;
      slots(s.value(), used);
      slots(s.target(), used);
    }
    return used;
  }

  private static void slots(IExpr e, java.util.Set<Integer> used) {
    if (e instanceof Read r) {
      used.add(r.slot());
      slots(r.at(), used);
    } else if (e instanceof Apply a) {
      a.args().forEach(x -> slots(x, used));
    } else if (e instanceof Select s) {
      if (s.cond() instanceof Cond.OnValues v) {
        slots(v.left(), used);
        slots(v.right(), used);
      }
      slots(s.then(), used);
      slots(s.otherwise(), used);
    }
  }

  private static void slots(List<IndexExpr> at, java.util.Set<Integer> used) {
    for (IndexExpr x : at) {
      if (x instanceof DataIndex d) {
        used.add(d.slot());
        slots(d.at(), used);
      }
    }
  }

  /** {@code e} with {@code index} replaced by {@code by} everywhere. */
  public static IExpr substitute(IExpr e, String index, Affine by) {
    return map(e, r -> new Read(r.slot(), substitute(r.at(), index, by)), a -> a.substitute(index, by));
  }

  public static Cond.OnIndices substitute(Cond.OnIndices c, String index, Affine by) {
    return new Cond.OnIndices(c.left().substitute(index, by), c.cmp(), c.right().substitute(index, by));
  }

  public static List<IndexExpr> substitute(List<IndexExpr> at, String index, Affine by) {
    List<IndexExpr> r = new ArrayList<>();
    for (IndexExpr x : at) {
      r.add(x instanceof Affine a ? a.substitute(index, by)
          : new DataIndex(((DataIndex) x).slot(), substitute(((DataIndex) x).at(), index, by),
              ((DataIndex) x).offset().substitute(index, by)));
    }
    return r;
  }

  private static List<IndexExpr> renumber(List<IndexExpr> at, IntUnaryOperator f) {
    List<IndexExpr> r = new ArrayList<>();
    for (IndexExpr x : at) {
      r.add(x instanceof DataIndex d ? new DataIndex(f.applyAsInt(d.slot()), renumber(d.at(), f), d.offset()) : x);
    }
    return r;
  }

  private static IExpr map(IExpr e, Function<Read, IExpr> read, Function<Affine, Affine> index) {
    if (e instanceof Read r) {
      return read.apply(r);
    } else if (e instanceof IndexValue i) {
      return new IndexValue(index.apply(i.index()));
    } else if (e instanceof Apply a) {
      List<IExpr> args = new ArrayList<>();
      a.args().forEach(x -> args.add(map(x, read, index)));
      return new Apply(a.op(), args);
    } else if (e instanceof Select s) {
      return new Select(map(s.cond(), read, index), map(s.then(), read, index),
          map(s.otherwise(), read, index));
    }
    return e;
  }

  private static Cond map(Cond c, Function<Read, IExpr> read, Function<Affine, Affine> index) {
    if (c instanceof Cond.OnIndices i) {
      return new Cond.OnIndices(index.apply(i.left()), i.cmp(), index.apply(i.right()));
    }
    Cond.OnValues v = (Cond.OnValues) c;
    return new Cond.OnValues(map(v.left(), read, index), v.cmp(), map(v.right(), read, index));
  }

  /**
   * The reads of {@code slot} in {@code e}, in the order {@link #visit} meets them (conditions
   * first in a select, then its branches; arguments left to right). Positions of data indices
   * are not value reads and are not listed.
   */
  public static List<Read> reads(IExpr e, int slot) {
    List<Read> out = new ArrayList<>();
    visit(e, r -> {
      if (r.slot() == slot) {
        out.add(r);
      }
    });
    return out;
  }

  public static void visit(IExpr e, java.util.function.Consumer<Read> f) {
    if (e instanceof Read r) {
      f.accept(r);
    } else if (e instanceof Apply a) {
      a.args().forEach(x -> visit(x, f));
    } else if (e instanceof Select s) {
      if (s.cond() instanceof Cond.OnValues v) {
        visit(v.left(), f);
        visit(v.right(), f);
      }
      visit(s.then(), f);
      visit(s.otherwise(), f);
    }
  }
}
