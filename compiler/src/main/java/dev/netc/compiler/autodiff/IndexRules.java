package dev.netc.compiler.autodiff;

import static dev.netc.compiler.graph.ix.IExpr.ONE;
import static dev.netc.compiler.graph.ix.IExpr.ZERO;

import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
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
 * ({@code IxEval.winners}: shape {@code [out..., reduced count]}).
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

  public static int winnerSlot(int inputs) {
    return inputs + 2;
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
      for (int k = c.reduced().size() - 1; k >= 0; k--) {
        List<IndexExpr> at = new ArrayList<>(outAt);
        at.add(Affine.constant(k));
        Cond isWinner = new Cond.OnValues(new IExpr.IndexValue(Affine.of(c.reduced().get(k).index())), Cond.Cmp.EQ,
            new Read(winnerSlot(inputs), at));
        w = IExpr.select(isWinner, w, ZERO);
      }
    }
    List<Read> reads = Rewrite.reads(body, slot);
    List<Scatter> out = new ArrayList<>();
    for (int k = 0; k < reads.size(); k++) {
      IExpr p = partial(body, slot, k, new int[1], y);
      if (!p.equals(ZERO)) {
        out.add(new Scatter(c.domain(), c.guards(), reads.get(k).at(), IExpr.mul(w, p)));
      }
    }
    return out;
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

  /** The dims of the domain, for callers that build loops over a scatter. */
  public static List<Dim> domain(Scatter s) {
    return s.domain();
  }
}
