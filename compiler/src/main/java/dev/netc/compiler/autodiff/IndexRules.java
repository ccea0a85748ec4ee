package dev.netc.compiler.autodiff;

import static dev.netc.compiler.graph.ix.IExpr.ONE;
import static dev.netc.compiler.graph.ix.IExpr.ZERO;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.IndexOp;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IExpr.Apply;
import dev.netc.compiler.graph.ix.IExpr.Read;
import dev.netc.compiler.graph.ix.IExpr.Select;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.graph.ix.Rewrite;
import dev.netc.compiler.graph.ix.Scatter;
import java.util.ArrayList;
import java.util.List;
import dev.netc.compiler.model.Op;

/**
 * Reverse mode for an index definition, one rule for every definition (Differentiable Halide,
 * Li et al. 2018). For {@code y[I] = R(J) body(I, J)} the adjoint of each read
 * {@code x[f(I, J)]} of an input is the scatter, over the whole domain {@code (I, J)},
 *
 * <pre>
 *   dx[f(I, J)] += w(I, J) * ∂body/∂read(I, J)
 *   w = g[I]                               for NONE and SUM
 *   w = g[I] * [J == winner(I)]            for MAX and MIN (the first point attaining it)
 * </pre>
 *
 * A {@code select} passes the gradient to the chosen branch only; a read inside a condition,
 * or used as a data index, gets none.
 *
 * <p>Slots of the adjoint: 0 is the upstream gradient {@code g} (shaped as {@code y}),
 * {@code 1 .. k} the definition's inputs (input {@code i} is slot {@code i + 1}), {@code k + 1}
 * the forward value {@code y}, and for {@code MAX}/{@code MIN} {@code k + 2} the winners
 * ({@code IxEval.winners}: shaped as {@code y}, each the winner's number in the reduced domain).
 */
public final class IndexRules {
  private IndexRules() {}

  /** Slot of the upstream gradient in an adjoint. */
  public static final int GRAD = 0;

  public static int inputSlot(int input) {
    return input + 1;
  }

  public static int valueSlot(int inputs) {
    return inputs + 1;
  }

  /** The slot of the winners' numbers ({@code IxEval.winners}) in a max/min's adjoint. */
  public static int winnerSlot(int inputs) {
    return inputs + 2;
  }

  /** The slot of the winners' reduced index {@code m} in a max/min's adjoint. */
  public static int winnerSlot(int inputs, int m) {
    return inputs + 3 + m;
  }

  /** One scatter per read of input {@code input} (none when the definition does not depend on it). */
  public static List<Scatter> adjoint(Comprehension c, int input, int inputs) {
    IExpr body = Rewrite.renumber(c.body(), IndexRules::inputSlot);
    int slot = inputSlot(input);
    List<IndexExpr> outAt = new ArrayList<>();
    c.out().forEach(d -> outAt.add(Affine.of(d.index())));
    IExpr g = new Read(GRAD, outAt);
    IExpr w = g;
    IExpr y = null;
    if (c.reducer() == Reducer.NONE) {
      y = new Read(valueSlot(inputs), outAt);
    } else if (c.reducer() != Reducer.SUM) {
      y = new Read(valueSlot(inputs), outAt);        // at the winner the body's value is y's
      Cond isWinner = new Cond.OnValues(new IExpr.IndexValue(c.reducedNumber()), Cond.Cmp.EQ,
          new Read(winnerSlot(inputs), outAt));
      w = IExpr.select(isWinner, g, ZERO);
    }
    List<Read> reads = Rewrite.reads(body, slot);
    List<Scatter> out = new ArrayList<>();
    for (int k = 0; k < reads.size(); k++) {
      IExpr p = partial(body, slot, k, new int[1], y);
      if (p.equals(ZERO)) {
        continue;
      }
      Scatter atWinners = c.reducer() == Reducer.MAX || c.reducer() == Reducer.MIN
          ? throughWinners(c, inputs, reads.get(k).at(), IExpr.mul(g, p)) : null;
      out.add(atWinners != null ? atWinners : new Scatter(c.domain(), c.guards(), reads.get(k).at(), IExpr.mul(w, p)));
    }
    return out;
  }

  /**
   * The adjoint of a read in a max/min as a scatter over the output only, through the winners:
   * {@code dx[f(I, J*(I))] += g[I] * ∂body/∂read(I, J*(I))}, one term per output element
   * instead of one per point of the whole domain. It needs every reduced index to appear in a
   * position alone with coefficient 1 ({@code 2*r + p}), nowhere else as a number or in a
   * condition, and no guards (so that every element has a winner); null otherwise.
   */
  private static Scatter throughWinners(Comprehension c, int inputs, List<IndexExpr> target, IExpr value) {
    if (!c.guards().isEmpty()) {
      return null;
    }
    List<IndexExpr> outAt = new ArrayList<>();
    c.out().forEach(d -> outAt.add(Affine.of(d.index())));
    try {
      WinnerPositions at = new WinnerPositions(c, inputs, outAt);
      return new Scatter(c.out(), List.of(), at.positions(target), at.value(value));
    } catch (WinnerPositions.Unsupported e) {
      return null;
    }
  }

  /** Rewrites positions and values at the winning point: each reduced index {@code j_m} becomes {@code win_m[I]}. */
  private static final class WinnerPositions {
    static final class Unsupported extends RuntimeException {
      Unsupported() {
        super(null, null, false, false);
      }
    }

    private final java.util.Map<String, Integer> component = new java.util.HashMap<>();
    private final int inputs;
    private final List<IndexExpr> outAt;

    WinnerPositions(Comprehension c, int inputs, List<IndexExpr> outAt) {
      for (int m = 0; m < c.reduced().size(); m++) {
        component.put(c.reduced().get(m).index(), m);
      }
      this.inputs = inputs;
      this.outAt = outAt;
    }

    List<IndexExpr> positions(List<IndexExpr> at) {
      List<IndexExpr> out = new ArrayList<>();
      for (IndexExpr e : at) {
        out.add(position(e));
      }
      return out;
    }

    private IndexExpr position(IndexExpr e) {
      if (e instanceof IndexExpr.DataIndex d) {
        if (reduced(d.offset()) != null) {
          throw new Unsupported();
        }
        return new IndexExpr.DataIndex(d.slot(), positions(d.at()), d.offset());
      }
      Affine a = (Affine) e;
      String j = reduced(a);
      if (j == null) {
        return a;
      }
      if (a.coefficient(j) != 1) {
        throw new Unsupported();
      }
      return new IndexExpr.DataIndex(winnerSlot(inputs, component.get(j)), outAt, a.substitute(j, Affine.constant(0)));
    }

    /** The one reduced index in {@code a}, or null; two of them is unsupported. */
    private String reduced(Affine a) {
      String found = null;
      for (String i : a.terms().keySet()) {
        if (component.containsKey(i)) {
          if (found != null) {
            throw new Unsupported();
          }
          found = i;
        }
      }
      return found;
    }

    IExpr value(IExpr e) {
      if (e instanceof Read r) {
        return new Read(r.slot(), positions(r.at()));
      } else if (e instanceof IExpr.IndexValue v) {
        for (String i : v.index().terms().keySet()) {
          if (component.containsKey(i)) {
            throw new Unsupported();
          }
        }
        return e;
      } else if (e instanceof Apply a) {
        List<IExpr> args = new ArrayList<>();
        a.args().forEach(x -> args.add(value(x)));
        return new Apply(a.op(), args);
      } else if (e instanceof Select s) {
        Cond cond;
        if (s.cond() instanceof Cond.OnIndices oi) {
          if (reducedIn(oi.left()) || reducedIn(oi.right())) {
            throw new Unsupported();
          }
          cond = oi;
        } else {
          Cond.OnValues ov = (Cond.OnValues) s.cond();
          cond = new Cond.OnValues(value(ov.left()), ov.cmp(), value(ov.right()));
        }
        return new Select(cond, value(s.then()), value(s.otherwise()));
      }
      return e;
    }

    private boolean reducedIn(Affine a) {
      return a.terms().keySet().stream().anyMatch(component::containsKey);
    }
  }

  /**
   * The derivative of {@code e} with respect to the {@code k}-th read of {@code slot} (in
   * {@link Rewrite#reads} order); {@code y}, if not null, is an expression for {@code e}'s own
   * value, used by rules such as {@code tanh' = 1 - y²} instead of recomputing it.
   */
  static IExpr partial(IExpr e, int slot, int k, int[] seen, IExpr y) {
    if (e instanceof Read r) {
      return r.slot() == slot && seen[0]++ == k ? ONE : ZERO;
    } else if (e instanceof Apply a) {
      IExpr sum = ZERO;
      for (int i = 0; i < a.args().size(); i++) {
        IExpr d = partial(a.args().get(i), slot, k, seen, null);
        if (!d.equals(ZERO)) {
          sum = IExpr.add(sum, IExpr.mul(a.op().partial(a.args(), y != null ? y : a, i), d));
        }
      }
      return sum;
    } else if (e instanceof Select s) {
      if (s.cond() instanceof Cond.OnValues v) {
        seen[0] += Rewrite.reads(v.left(), slot).size() + Rewrite.reads(v.right(), slot).size();
      }
      IExpr t = partial(s.then(), slot, k, seen, null);
      IExpr o = partial(s.otherwise(), slot, k, seen, null);
      return t.equals(ZERO) && o.equals(ZERO) ? ZERO : IExpr.select(s.cond(), t, o);
    }
    return ZERO;
  }

  /**
   * The DAG rule for a {@code COMPUTE} node: the adjoint of input {@code i} is the sum, over the
   * reads of that input, of each read's gather form (a {@code COMPUTE} node) or, where there is
   * none, its scatter (a {@code SCATTER} node). The adjoint nodes read {@code [g, inputs..., y]},
   * and for max/min the winners as well (a {@code WINNERS} node beside the forward one).
   */
  static void register(Rules r) {
    r.put(Op.COMPUTE, (b, y, i, g) -> {
      Comprehension c = (Comprehension) y.ix();
      int k = y.inputs().size();
      List<Node> in = new ArrayList<>();
      in.add(g);
      in.addAll(y.inputs());
      in.add(y);
      if (c.reducer() == Reducer.MAX || c.reducer() == Reducer.MIN) {
        in.add(b.indexNode(Op.WINNERS, c, -1, y.shape(), y.pos(), y.inputs()));
        for (int m = 0; m < c.reduced().size(); m++) {
          in.add(b.indexNode(Op.WINNERS, c, m, y.shape(), y.pos(), y.inputs()));
        }
      }
      Node x = y.input(i);
      Node sum = null;
      for (Scatter s : adjoint(c, i, k)) {
        Node part = throughShared(b, c, s, x, y, in);
        if (part == null) {
          java.util.Optional<Comprehension> gather = Gather.of(s, x.shape().dims());
          part = gather.isPresent()
              ? node(b, Op.COMPUTE, gather.get(), x, y, in)
              : node(b, Op.SCATTER, s, x, y, in);
        }
        sum = sum == null ? part : b.add(sum, part);
      }
      return sum;
    });
    r.zero(Op.WINNERS);
    // y[target(D)] += value(D) over D (an adjoint, differentiated again by reverse-over-reverse):
    // each read x[p(D)] of the value gets dx[p(D)] += g[target(D)] * dvalue/dread over the same D
    r.put(Op.SCATTER, (b, y, i, g) -> {
      List<Node> in = new ArrayList<>();
      in.add(g);
      in.addAll(y.inputs());
      in.add(y);
      Node x = y.input(i);
      Node sum = null;
      for (Scatter s : adjoint((Scatter) y.ix(), i)) {
        java.util.Optional<Comprehension> gather = Gather.of(s, x.shape().dims());
        Node part = gather.isPresent()
            ? node(b, Op.COMPUTE, gather.get(), x, y, in)
            : node(b, Op.SCATTER, s, x, y, in);
        sum = sum == null ? part : b.add(sum, part);
      }
      return sum;
    });
  }

  /**
   * The adjoint of a broadcast read through a shared pointwise adjoint, or null. In an
   * element-wise definition ({@code NONE}), a read that broadcasts and a read at the output's own
   * point often get the same value at each point: in {@code f[t, j] = gelu(b1[j] + h[t, j])} both
   * {@code b1[j]} and {@code h[t, j]} get {@code g[t, j] * gelu'(b1[j] + h[t, j])}. The read at
   * the point has that tensor, {@code P}, as its adjoint; the broadcast one then gets the sum of
   * {@code P} over the indices it does not read ({@code db1[j] = sum(t) P[t, j]}) instead of the
   * derivative computed a second time inside the sum. {@code P} is made by the same call as the
   * other read's adjoint, so the graph's hash-consing makes the two one node, whichever comes
   * first. Only where the value costs more than a few multiply-adds (a function such as tanh,
   * exp or a division), since otherwise recomputing it in the sum is as cheap as reading
   * {@code P}.
   */
  private static Node throughShared(GraphBuilder b, Comprehension c, Scatter s, Node x, Node y, List<Node> in) {
    if (c.reducer() != Reducer.NONE || !costly(s.value())) {
      return null;
    }
    List<IndexExpr> point = new ArrayList<>();
    c.out().forEach(d -> point.add(Affine.of(d.index())));
    if (s.target().equals(point) && x.shape().equals(y.shape())) {
      return null;                          // this read is the one at the point
    }
    int inputs = y.inputs().size();
    boolean shared = false;
    for (int j = 0; j < inputs && !shared; j++) {
      if (y.input(j).shape().equals(y.shape())) {
        for (Scatter o : adjoint(c, j, inputs)) {
          shared |= o.target().equals(point) && o.value().equals(s.value());
        }
      }
    }
    if (!shared) {
      return null;
    }
    Scatter atPoint = new Scatter(c.domain(), c.guards(), point, s.value());
    Node p = node(b, Op.COMPUTE, Gather.of(atPoint, y.shape().dims()).orElseThrow(), y, y, in);
    Scatter fromP = new Scatter(c.domain(), c.guards(), s.target(), new Read(0, point));
    java.util.Optional<Comprehension> gather = Gather.of(fromP, x.shape().dims());
    return gather.isPresent()
        ? node(b, Op.COMPUTE, gather.get(), x, y, List.of(p))
        : node(b, Op.SCATTER, fromP, x, y, List.of(p));
  }

  /** Whether {@code e} applies a function beyond additions, multiplications and their piecewise kin. */
  static boolean costly(IExpr e) {
    if (e instanceof Apply a) {
      switch (a.op()) {
        case ADD, SUB, MUL, NEG, SQUARE, ABS, RELU, STEP, SIGN, LEAKY_RELU, MAX2, MIN2, CLAMP -> { }
        default -> {
          return true;
        }
      }
      return a.args().stream().anyMatch(IndexRules::costly);
    } else if (e instanceof Select sel) {
      return costly(sel.then()) || costly(sel.otherwise());
    }
    return false;
  }

  /**
   * One scatter per read of input {@code input} in the value of the scatter {@code s}: over s's
   * domain and guards, {@code dx[read's position] += g[s's target] * ∂value/∂read}.
   */
  static List<Scatter> adjoint(Scatter s, int input) {
    Scatter renumbered = (Scatter) Rewrite.renumber(s, IndexRules::inputSlot);
    IExpr value = renumbered.value();
    int slot = inputSlot(input);
    IExpr g = new Read(GRAD, renumbered.target());
    List<Read> reads = Rewrite.reads(value, slot);
    List<Scatter> out = new ArrayList<>();
    for (int k = 0; k < reads.size(); k++) {
      IExpr p = partial(value, slot, k, new int[1], null);
      if (!p.equals(ZERO)) {
        out.add(new Scatter(s.domain(), s.guards(), reads.get(k).at(), IExpr.mul(g, p)));
      }
    }
    return out;
  }

  /**
   * A node for {@code ix} over the inputs it actually reads, renumbered in order; an identity
   * ({@code dx[I] = g[I]}, the adjoint of an addend) is the input itself, not a copy.
   */
  private static Node node(GraphBuilder b, Op op, IndexOp ix, Node like, Node y, List<Node> in) {
    if (ix instanceof Comprehension c && c.reducer() == Reducer.NONE && c.guards().isEmpty()
        && c.body() instanceof Read r && in.get(r.slot()).shape().equals(like.shape())) {
      List<IndexExpr> identity = new ArrayList<>();
      c.out().forEach(d -> identity.add(Affine.of(d.index())));
      if (r.at().equals(identity)) {
        return in.get(r.slot());
      }
    }
    java.util.SortedSet<Integer> used = Rewrite.slots(ix);
    List<Node> inputs = new ArrayList<>();
    int[] map = new int[in.size()];
    for (int s : used) {
      map[s] = inputs.size();
      inputs.add(in.get(s));
    }
    IndexOp renumbered = Rewrite.renumber(ix, s -> map[s]);
    return b.indexNode(op, renumbered, like.shape(), y.pos(), inputs);
  }
}
