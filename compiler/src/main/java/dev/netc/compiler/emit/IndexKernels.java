package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The default schedule of index notation: a node's definition as the loop nest the reference
 * evaluator runs, for one example at a time (the example loop outermost when the node depends
 * on the example), the output axes, then the reduced axes with a register accumulator. Guards
 * are tests inside the nest. Loop variables are {@code k0, k1, ...} by position in the domain,
 * so no user name reaches the Java text. Arithmetic is in double; a float build rounds once
 * when it stores.
 */
final class IndexKernels {
  /** The locals these kernels use; {@code Kernels.LOCALS} reserves them. */
  static final List<String> LOCALS = List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11",
      "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "ob", "acc", "acc1", "acc2", "acc3", "best", "win", "hit", "hot", "v",
      // a contraction's: its packed operands, the row it accumulates, a group of eight terms
      "pk", "pa", "cr", "ao", "ro", "co", "cn", "kk", "ex0", "ng", "e", "u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7",
      "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7",
      // a body's repeated subexpressions, computed once ({@link #shareRepeated})
      "sh0", "sh1", "sh2", "sh3", "sh4", "sh5", "sh6", "sh7");

  /** The most repeated subexpressions of one body that get a local. */
  private static final int MAX_SHARED = 8;

  private final Kernels kernels;
  private final Planner plan;
  private final Kernels.Access x;
  private final Node node;
  /** Loop variable of each index of the node's domain. */
  private final Map<String, String> vars = new HashMap<>();
  /** The offset of each input's current example in its array ("0" when not per example). */
  private final List<String> offsets = new ArrayList<>();
  /** Indices bound outside every nest (a batched contraction's), first in {@link #bind}'s numbering. */
  private List<Dim> fixed = List.of();
  /** Subexpressions of the body being printed that a local holds ({@link #shareRepeated}). */
  private final Map<IExpr, String> shared = new HashMap<>();
  /** Subexpressions computed once per row, outside the last axis's loop ({@link #hoist}). */
  private final Map<IExpr, String> hoisted = new HashMap<>();

  /** The winners nodes of a max/min node that its kernel stores as well ({@link Planner}'s winnersOf). */
  private final List<Node> winners;

  private IndexKernels(Kernels kernels, Planner plan, Kernels.Access x, Node node, List<Node> winners) {
    this.kernels = kernels;
    this.plan = plan;
    this.x = x;
    this.node = node;
    this.winners = winners;
  }

  static Code.Builder kernel(Kernels kernels, Planner plan, Kernels.Access x, Node n) {
    return new IndexKernels(kernels, plan, x, n, List.of()).kernel();
  }

  /** The kernel of the max/min node {@code n} that also stores each of its {@code winners}, in the same loops. */
  static Code.Builder kernel(Kernels kernels, Planner plan, Kernels.Access x, Node n, List<Node> winners) {
    IndexKernels k = new IndexKernels(kernels, plan, x, n, winners);
    String call = k.maxPool2x2();
    Code.Builder loops = k.loops();
    return call == null ? loops : kernels.runtimeCall(loops, call);
  }

  /**
   * A max over 2 x 2 windows of stride 2 with both winners or none, {@code y[c, i, j] = max(p, q)
   * x[c, 2 i + p, 2 j + q]} over the whole of a batched {@code x[C, 2I, 2J]} (max_pool2d(., 2)):
   * the runtime's {@code maxPool2x2}, which takes the same max and the same first winner as the
   * loops, several windows at a time without a branch on the data; the loops' comparisons of
   * each point with the max so far are branches that a random input mispredicts about half the
   * time (LeNet's first pooling: 0.42 ms a step as loops). The call's format, or null.
   */
  private String maxPool2x2() {
    if (winners.size() != 2 && !winners.isEmpty() || node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c)
        || c.reducer() != Reducer.MAX || !c.guards().isEmpty() || c.out().size() != 3 || c.reduced().size() != 2
        || !plan.isBatched(node) || plan.isView(node) || !(c.body() instanceof IExpr.Read r) || r.at().size() != 3) {
      return null;
    }
    Node in = node.input(r.slot());
    int[] shape = in.shape().dims();
    if (!plan.isBatched(in) || plan.isView(in) || shape.length != 3) {
      return null;
    }
    Dim ch = c.out().get(0);
    Dim oy = c.out().get(1);
    Dim ox = c.out().get(2);
    Dim p = c.reduced().get(0);
    Dim q = c.reduced().get(1);
    if (p.extent() != 2 || q.extent() != 2 || shape[0] != ch.extent() || shape[1] != 2 * oy.extent()
        || shape[2] != 2 * ox.extent() || !r.at().get(0).equals(Affine.of(ch.index()))
        || !r.at().get(1).equals(Affine.of(oy.index()).times(2).plus(Affine.of(p.index())))
        || !r.at().get(2).equals(Affine.of(ox.index()).times(2).plus(Affine.of(q.index())))) {
      return null;
    }
    Node wp = null;
    Node wq = null;
    for (Node w : winners) {
      if (w.attr() == 0) {
        wp = w;
      } else if (w.attr() == 1) {
        wq = w;
      }
    }
    if (winners.isEmpty()) {
      return Code.Builder.format("@K.maxPool2x2(%s, %s, null, null, %d, %d, %d, batch)", x.array(in), x.array(node),
          ch.extent(), shape[1], shape[2]);
    }
    if (wp == null || wq == null || plan.isView(wp) || plan.isView(wq)) {
      return null;
    }
    return Code.Builder.format("@K.maxPool2x2(%s, %s, %s, %s, %d, %d, %d, batch)", x.array(in), x.array(node), x.array(wp),
        x.array(wq), ch.extent(), shape[1], shape[2]);
  }

  /**
   * The gradient of a 2 x 2 max pooling: the scatter {@code d[c, 2i + wp[c, i, j], 2j + wq[c, i,
   * j]] += g[c, i, j]} over a batched {@code g[C, I, J]} and its winners, with no guards, into a
   * batched {@code d[C, 2I, 2J]}; or its value times {@code step(t[...])} at the same point (the
   * gradient through a relu before the pooling, moved into the scatter by {@code ScatterFusion}).
   * The runtime's {@code unpool2x2}, which writes every number of {@code d} as the loops do, a
   * vector of a row's columns at a time; the loops zero {@code d}, then add one number a window,
   * its place computed from the winners. The call's format, or null.
   */
  private String unpool2x2() {
    if (node.op() != Op.SCATTER || !(node.ix() instanceof Scatter s) || !s.guards().isEmpty() || s.domain().size() != 3
        || s.target().size() != 3 || !plan.isBatched(node) || plan.isView(node)) {
      return null;
    }
    List<IndexExpr> here = new ArrayList<>();
    s.domain().forEach(d -> here.add(Affine.of(d.index())));
    IExpr.Read g;
    IExpr.Read t = null;
    if (s.value() instanceof IExpr.Read r) {
      g = r;
    } else if (s.value() instanceof IExpr.Apply ap && ap.op() == dev.netc.compiler.ops.Scalar.MUL
        && ap.args().get(0) instanceof IExpr.Read r && ap.args().get(1) instanceof IExpr.Apply st
        && st.op() == dev.netc.compiler.ops.Scalar.STEP && st.args().get(0) instanceof IExpr.Read tr
        && tr.at().equals(s.target())) {
      g = r;
      t = tr;
    } else {
      return null;
    }
    Dim ch = s.domain().get(0);
    Dim oy = s.domain().get(1);
    Dim ox = s.domain().get(2);
    if (!g.at().equals(here) || !s.target().get(0).equals(Affine.of(ch.index()))
        || !(s.target().get(1) instanceof IndexExpr.DataIndex rows) || !(s.target().get(2) instanceof IndexExpr.DataIndex cols)
        || !rows.at().equals(here) || !cols.at().equals(here)
        || !rows.offset().equals(Affine.of(oy.index()).times(2)) || !cols.offset().equals(Affine.of(ox.index()).times(2))) {
      return null;
    }
    int[] shape = node.shape().dims();
    if (shape.length != 3 || shape[0] != ch.extent() || shape[1] != 2 * oy.extent() || shape[2] != 2 * ox.extent()) {
      return null;
    }
    List<Node> reads = new ArrayList<>(List.of(node.input(g.slot()), node.input(rows.slot()), node.input(cols.slot())));
    if (t != null) {
      reads.add(node.input(t.slot()));
    }
    for (int i = 0; i < reads.size(); i++) {
      Node in = reads.get(i);
      if (!plan.isBatched(in) || plan.isView(in) || plan.isIds(in)
          || !java.util.Arrays.equals(in.shape().dims(), i < 3 ? new int[] {ch.extent(), oy.extent(), ox.extent()} : shape)) {
        return null;
      }
    }
    return Code.Builder.format("@K.unpool2x2(%s, %s, %s, %s, %s, %d, %d, %d, batch)", x.array(reads.get(0)),
        x.array(reads.get(1)), x.array(reads.get(2)), t == null ? "null" : x.array(reads.get(3)), x.array(node),
        ch.extent(), shape[1], shape[2]);
  }

  private Code.Builder kernel() {
    String call = maxPool2x2();
    if (call == null) {
      call = unpool2x2();
    }
    if (call == null) {
      call = positionWise();
    }
    if (call == null) {
      call = activation();
    }
    if (call == null) {
      call = geluBackward();
    }
    if (call == null) {
      call = rowBias();
    }
    if (call == null) {
      call = scaleShift();
    }
    if (call == null) {
      call = normVarianceGradient();
    }
    Code.Builder loops = loops();
    return call == null ? loops : kernels.runtimeCall(loops, call);
  }

  /**
   * A matrix applied at every position of a batch, {@code y[p..., r...] = sum(c) W[r..., c] * x[p..., c]}
   * (or {@code W[c, r...]}): {@code W} the same for the whole batch, {@code x} and {@code y} batched
   * and each read or written whole, at its own point, in order. Over the batch, {@code x} is then
   * a matrix of {@code batch * P} rows of {@code K} and {@code y} one of {@code batch * P} rows of
   * {@code M}, so the whole batch is one call of the runtime's {@code matmulRows} ({@code W[r..., c]})
   * or {@code matmulCols} ({@code W[c, r...]}), the kernels of the matrix ops, whose Vector API side
   * keeps register tiles over four rows and four positions. A dense layer at each position (a
   * transformer's MLP and read-out, and their input gradients) is this. Where the positions sit
   * between {@code W}'s axes in {@code y} ({@code q[h, t, c] = sum(d) Wq[h, c, d] * a[t, d]},
   * attention's heads, and the gradient of its output projection {@code sum(d) Wo[d, h, c] *
   * g[t, d]}), the same product over the batch's positions has its rows laid out as heads
   * ({@code matmulRowsHeads}, {@code matmulColsHeads}): the heads' axes before the positions
   * ({@code h}), each head's after them ({@code c}), a run of them. The call's format
   * ({@code @K} for the kernels' class), or null; a JVM without the Vector API runs the loops.
   */
  private String positionWise() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.SUM
        || c.reduced().size() != 1 || !c.guards().isEmpty() || c.out().size() < 2 || !plan.isBatched(node)
        || plan.isView(node) || !(c.body() instanceof IExpr.Apply ap) || ap.op() != dev.netc.compiler.ops.Scalar.MUL
        || !(ap.args().get(0) instanceof IExpr.Read r0) || !(ap.args().get(1) instanceof IExpr.Read r1)) {
      return null;
    }
    Dim red = c.reduced().get(0);
    for (IExpr.Read w : List.of(r0, r1)) {
      IExpr.Read xr = w == r0 ? r1 : r0;
      Node wn = node.input(w.slot());
      Node xn = node.input(xr.slot());
      List<Dim> positions = positions(xr, c.out());
      if (positions == null || plan.isBatched(wn) || !plan.isBatched(xn) || plan.isView(wn) || plan.isView(xn)) {
        continue;
      }
      int at = c.out().indexOf(positions.get(0));
      List<Dim> heads = c.out().subList(0, at);
      List<Dim> each = c.out().subList(at + positions.size(), c.out().size());
      List<Dim> rows = new ArrayList<>(heads);
      rows.addAll(each);
      List<Dim> xAt = new ArrayList<>(positions);
      xAt.add(red);
      if (each.isEmpty() || !readsWhole(xr, xn, xAt)) {
        continue;
      }
      int m = (int) extent(rows);
      String args = Code.Builder.format("%s, %s, %s, %d, %d, batch * %d", x.array(wn), x.array(xn), x.array(node),
          m, red.extent(), (int) extent(positions));
      String layout = heads.isEmpty() ? "" : "Heads";
      if (!heads.isEmpty()) {
        args = Code.Builder.format("%s, %s, %s, %d, %d, batch, %d, %d", x.array(wn), x.array(xn), x.array(node), m,
            red.extent(), (int) extent(positions), (int) extent(each));
      }
      List<Dim> wRows = new ArrayList<>(rows);
      wRows.add(red);
      List<Dim> wCols = new ArrayList<>(List.of(red));
      wCols.addAll(rows);
      if (readsWhole(w, wn, wRows) && plan.vectorPositionWise(m, red.extent(), red.extent())) {
        return "@K.matmulRows" + layout + "(" + args + ")";
      }
      if (readsWhole(w, wn, wCols) && plan.vectorPositionWise(red.extent(), m, m)) {
        return "@K.matmulCols" + layout + "(" + args + ")";
      }
    }
    return null;
  }

  /**
   * The positions of {@link #positionWise}: the axes of {@code xr}'s read but its last, each the
   * plain index of an axis of the output, in a run of the output's axes in the same order; null
   * where there are none or the read is not of that form.
   */
  private static List<Dim> positions(IExpr.Read xr, List<Dim> out) {
    List<IndexExpr> at = xr.at();
    if (at.size() < 2) {
      return null;
    }
    List<Dim> positions = new ArrayList<>();
    for (IndexExpr e : at.subList(0, at.size() - 1)) {
      Dim found = null;
      for (Dim d : out) {
        if (e.equals(Affine.of(d.index()))) {
          found = d;
        }
      }
      if (found == null) {
        return null;
      }
      positions.add(found);
    }
    int first = out.indexOf(positions.get(0));
    return out.subList(first, Math.min(out.size(), first + positions.size())).equals(positions) ? positions : null;
  }

  /**
   * A function at every point of a batched tensor, {@code y[p..., j] = act(t[p..., j] + b[j])} or
   * {@code act(t[p..., j])}, {@code act} one of tanh, sigmoid, relu and gelu, {@code t} batched and
   * read whole in order, {@code b} the same for the whole batch: the runtime's {@code activate}
   * for the batch's positions, as for a dense layer's bias and activation (the Vector API's tanh
   * and exponential, a vector at a time, where the loops call {@code Ops} once per element). With
   * or without a function, a sum of three terms, two batched and a bias ({@link #summedReads}):
   * {@code activate} or {@code activateResidual}, a vector at a time in the loops' order, where the
   * loops convert each element to double and back (JDK 17 vectorizes neither). The call's format,
   * or null.
   */
  private String activation() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.NONE
        || !c.guards().isEmpty() || c.out().isEmpty() || !plan.isBatched(node) || plan.isView(node)
        || !(c.body() instanceof IExpr.Apply ap)) {
      return null;
    }
    String act = ap.args().size() != 1 ? null : switch (ap.op()) {
      case TANH, SIGMOID, RELU, GELU, EXP -> ap.op().name();
      default -> null;
    };
    // no function: a sum of three terms alone ({@link #summedReads}), whose loops convert every
    // element to double and back
    IExpr arg = act != null ? ap.args().get(0) : ap;
    Dim last = c.out().get(c.out().size() - 1);
    if (!plan.vectorIndexActivation(last.extent())) {
      return null;
    }
    String[] call = summedReads(arg, c);
    if (call == null && act != null) {
      String tb = biasedRead(arg, c);
      call = tb == null ? null : new String[] {"activate", tb};
    }
    return call == null ? null : Code.Builder.format("@K.%s(@K.%s, %s, %s, %d, batch * %d)", call[0],
        act == null ? "IDENTITY" : act, call[1], x.array(node), last.extent(),
        (int) extent(c.out().subList(0, c.out().size() - 1)));
  }

  /**
   * For {@code arg} = {@code t[p..., j] + b[j]} (either order) or {@code t[p..., j]}, over the
   * points of {@code c}: {@code t} batched and read whole at the point, {@code b} the same for the
   * whole batch and read whole along the last axis. The arrays as arguments ("t, b" or
   * "t, null"), or null.
   */
  /**
   * {@code y[r, q...] = t[r, q...] + b[r]}, or {@code act(...)} of it for {@link #activation}'s
   * activations: a bias per point of the first axis ({@code b} the same for the whole batch, its
   * other axes of extent 1 read at 0), as a convolution's per channel,
   * {@code conv2d(x, K) + c} with {@code c[channels, 1, 1]}. The batch's rows are one call of the
   * runtime's {@code activateRows}, a vector at a time; the loops ({@code (double) t + (double) b}
   * per element, then rounded) are the scalar side. The call's format, or null.
   */
  private String rowBias() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.NONE
        || !c.guards().isEmpty() || c.out().size() < 2 || !plan.isBatched(node) || plan.isView(node)) {
      return null;
    }
    IExpr arg = c.body();
    String act = "IDENTITY";
    if (arg instanceof IExpr.Apply ap && ap.args().size() == 1) {
      act = switch (ap.op()) {
        case TANH, SIGMOID, RELU, GELU, EXP -> ap.op().name();
        default -> null;
      };
      arg = ap.args().get(0);
    }
    Dim first = c.out().get(0);
    int size = (int) extent(c.out().subList(1, c.out().size()));
    if (act == null || !(arg instanceof IExpr.Apply add) || add.op() != dev.netc.compiler.ops.Scalar.ADD
        || !(add.args().get(0) instanceof IExpr.Read a) || !(add.args().get(1) instanceof IExpr.Read b)
        || !plan.vectorIndexActivation(size)) {
      return null;
    }
    for (IExpr.Read[] tb : List.of(new IExpr.Read[] {a, b}, new IExpr.Read[] {b, a})) {
      Node t = node.input(tb[0].slot());
      Node bn = node.input(tb[1].slot());
      if (plan.isBatched(t) && !plan.isView(t) && readsWhole(tb[0], t, c.out()) && !plan.isBatched(bn)
          && !plan.isView(bn) && readsFirstOnly(tb[1], bn, first)) {
        return Code.Builder.format("@K.activateRows(@K.%s, %s, %s, %s, %d, %d, batch)", act, x.array(t), x.array(bn),
            x.array(node), first.extent(), size);
      }
    }
    return null;
  }

  /**
   * {@code y[p..., j] = t[p..., j] * g[j] + e[j]} (the sum and the product in either order) or
   * {@code t[p..., j] * g[j]}: {@code t} batched and read whole at the point, {@code g} and
   * {@code e} the same for the whole batch and read whole along the last axis. A layer norm's
   * scale and shift, {@code a[t, d] = n[t, d] * g[d] + e[d]}, and the gradient through the scale
   * are such: the batch's positions are one call of the runtime's {@code scaleShift}, a vector
   * at a time, where the loops' arrays have different offsets, which keeps C2 scalar. The call's
   * format, or null.
   */
  private String scaleShift() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.NONE
        || !c.guards().isEmpty() || c.out().isEmpty() || !plan.isBatched(node) || plan.isView(node)) {
      return null;
    }
    Dim last = c.out().get(c.out().size() - 1);
    if (!plan.vectorIndexActivation(last.extent())) {
      return null;
    }
    IExpr product = c.body();
    IExpr.Read shift = null;
    if (c.body() instanceof IExpr.Apply add && add.op() == dev.netc.compiler.ops.Scalar.ADD) {
      for (int i = 0; i < 2 && shift == null; i++) {
        if (add.args().get(1 - i) instanceof IExpr.Read e && add.args().get(i) instanceof IExpr.Apply mul
            && mul.op() == dev.netc.compiler.ops.Scalar.MUL && perColumn(e, last)) {
          shift = e;
          product = mul;
        }
      }
      if (shift == null) {
        return null;
      }
    }
    if (!(product instanceof IExpr.Apply mul) || mul.op() != dev.netc.compiler.ops.Scalar.MUL
        || !(mul.args().get(0) instanceof IExpr.Read r0) || !(mul.args().get(1) instanceof IExpr.Read r1)) {
      return null;
    }
    for (IExpr.Read[] tg : List.of(new IExpr.Read[] {r0, r1}, new IExpr.Read[] {r1, r0})) {
      Node t = node.input(tg[0].slot());
      if (plan.isBatched(t) && !plan.isView(t) && readsWhole(tg[0], t, c.out()) && perColumn(tg[1], last)) {
        return Code.Builder.format("@K.scaleShift(%s, %s, %s, %s, %d, batch * %d)", x.array(t),
            x.array(node.input(tg[1].slot())), shift == null ? "null" : x.array(node.input(shift.slot())),
            x.array(node), last.extent(), (int) extent(c.out().subList(0, c.out().size() - 1)));
      }
    }
    return null;
  }

  /**
   * A layer norm's gradient with respect to its variance, {@code y[p...] = sum(k) g[p..., k] *
   * ((-(n[p..., k] / s)) * (1 / (2 * s)))} with {@code s = sqrt(v[p...] + eps)}, the body exactly
   * what the rules of division and square root write for {@code n = c / sqrt(v + eps)}
   * ({@code Library.layerNorm}), {@code g}, {@code n} and {@code v} batched and read whole: the
   * runtime's {@code normVarianceGradient} for the batch's rows, a dot product a vector at a time
   * and the divisions once per row, where the loops divide every element in double (the words
   * transformer's three layer norms: 6% of its step). The call's format, or null.
   */
  private String normVarianceGradient() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.SUM
        || !c.guards().isEmpty() || c.reduced().size() != 1 || c.out().isEmpty() || !plan.isBatched(node)
        || plan.isView(node) || !(c.body() instanceof IExpr.Apply mul) || mul.op() != dev.netc.compiler.ops.Scalar.MUL
        || !plan.vectorIndexActivation(c.reduced().get(0).extent())) {
      return null;
    }
    List<Dim> all = new ArrayList<>(c.out());
    all.addAll(c.reduced());
    for (int i = 0; i < 2; i++) {
      if (!(mul.args().get(i) instanceof IExpr.Read g) || !(mul.args().get(1 - i) instanceof IExpr.Apply f)
          || f.op() != dev.netc.compiler.ops.Scalar.MUL || !(f.args().get(0) instanceof IExpr.Apply neg)
          || neg.op() != dev.netc.compiler.ops.Scalar.NEG || !(neg.args().get(0) instanceof IExpr.Apply div)
          || div.op() != dev.netc.compiler.ops.Scalar.DIV || !(div.args().get(0) instanceof IExpr.Read n)
          || !(div.args().get(1) instanceof IExpr.Apply sqrt) || sqrt.op() != dev.netc.compiler.ops.Scalar.SQRT
          || !(sqrt.args().get(0) instanceof IExpr.Apply add) || add.op() != dev.netc.compiler.ops.Scalar.ADD
          || !(add.args().get(0) instanceof IExpr.Read v) || !(add.args().get(1) instanceof IExpr.Const eps)
          || !(eps.value() > 0) || !f.args().get(1).equals(IExpr.div(IExpr.constant(1), IExpr.mul(IExpr.constant(2), sqrt)))) {
        continue;
      }
      Node gn = node.input(g.slot());
      Node nn = node.input(n.slot());
      Node vn = node.input(v.slot());
      if (!plan.isBatched(gn) || plan.isView(gn) || !readsWhole(g, gn, all) || !plan.isBatched(nn) || plan.isView(nn)
          || !readsWhole(n, nn, all) || !plan.isBatched(vn) || plan.isView(vn) || !readsWhole(v, vn, c.out())) {
        continue;
      }
      return Code.Builder.format("@K.normVarianceGradient(%s, %s, %s, %s, %s, %d, batch * %d)", x.array(gn), x.array(nn),
          x.array(vn), Double.toString(eps.value()), x.array(node), c.reduced().get(0).extent(), (int) extent(c.out()));
    }
    return null;
  }

  /** Whether {@code r} reads an unbatched tensor, not a view, whole along {@code last} alone. */
  private boolean perColumn(IExpr.Read r, Dim last) {
    Node n = node.input(r.slot());
    return !plan.isBatched(n) && !plan.isView(n) && !plan.isIds(n) && readsWhole(r, n, List.of(last));
  }

  /** Whether {@code r} reads {@code n} at {@code first} on its first axis (as long) and at 0 on the others (each of extent 1). */
  private static boolean readsFirstOnly(IExpr.Read r, Node n, Dim first) {
    int[] shape = n.shape().dims();
    if (r.at().size() != shape.length || shape.length == 0 || !r.at().get(0).equals(Affine.of(first.index()))
        || shape[0] != first.extent()) {
      return false;
    }
    for (int a = 1; a < shape.length; a++) {
      if (shape[a] != 1 || !r.at().get(a).equals(Affine.constant(0))) {
        return false;
      }
    }
    return true;
  }

  private String biasedRead(IExpr arg, Comprehension c) {
    Dim last = c.out().get(c.out().size() - 1);
    List<IExpr.Read[]> candidates = new ArrayList<>();   // {t, b}
    if (arg instanceof IExpr.Read r) {
      candidates.add(new IExpr.Read[] {r, null});
    } else if (arg instanceof IExpr.Apply add && add.op() == dev.netc.compiler.ops.Scalar.ADD
        && add.args().get(0) instanceof IExpr.Read a && add.args().get(1) instanceof IExpr.Read b) {
      candidates.add(new IExpr.Read[] {a, b});
      candidates.add(new IExpr.Read[] {b, a});
    }
    for (IExpr.Read[] tb : candidates) {
      if (whole(tb[0], c) && (tb[1] == null || perColumn(tb[1], last))) {
        return array(tb[0]) + ", " + (tb[1] == null ? "null" : array(tb[1]));
      }
    }
    return null;
  }

  /**
   * For {@code arg} = {@code (p + q) + s} over the points of {@code c} (either order of either
   * sum, each exact), two terms batched and read whole at the point and one a bias as in
   * {@link #biasedRead}: {@code (t + t2) + b}, the runtime's 7-argument {@code activate}, or
   * {@code (t + b) + r}, its {@code activateResidual} (a transformer's {@code x + b + W o}). The
   * method and its arrays as arguments, or null.
   */
  private String[] summedReads(IExpr arg, Comprehension c) {
    Dim last = c.out().get(c.out().size() - 1);
    if (!(arg instanceof IExpr.Apply add) || add.op() != dev.netc.compiler.ops.Scalar.ADD) {
      return null;
    }
    for (int i = 0; i < 2; i++) {
      if (add.args().get(i) instanceof IExpr.Apply in && in.op() == dev.netc.compiler.ops.Scalar.ADD
          && in.args().get(0) instanceof IExpr.Read p && in.args().get(1) instanceof IExpr.Read q
          && add.args().get(1 - i) instanceof IExpr.Read s) {
        if (perColumn(s, last) && whole(p, c) && whole(q, c)) {
          return new String[] {"activate", array(p) + ", " + array(q) + ", " + array(s)};
        }
        for (IExpr.Read[] tb : List.of(new IExpr.Read[] {p, q}, new IExpr.Read[] {q, p})) {
          if (whole(tb[0], c) && perColumn(tb[1], last) && whole(s, c)) {
            return new String[] {"activateResidual", array(tb[0]) + ", " + array(tb[1]) + ", " + array(s)};
          }
        }
      }
    }
    return null;
  }

  /** Whether {@code r} reads a batched tensor, not a view, whole at the point of {@code c}. */
  private boolean whole(IExpr.Read r, Comprehension c) {
    Node t = node.input(r.slot());
    return plan.isBatched(t) && !plan.isView(t) && readsWhole(r, t, c.out());
  }

  private String array(IExpr.Read r) {
    return x.array(node.input(r.slot()));
  }

  /**
   * The gradient through {@link #activation}'s gelu, {@code y[p..., j] = g[p..., j] * gelu'(t[p..., j] + b[j])}
   * (or {@code gelu'(t[p..., j])}), the body exactly what the gelu rule writes ({@code Scalar.GELU.partial}):
   * the runtime's {@code geluBackward} for the batch's positions, where the loops call
   * {@code Ops.sigmoid} in double once per element. The call's format, or null.
   */
  private String geluBackward() {
    if (node.op() != Op.COMPUTE || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.NONE
        || !c.guards().isEmpty() || c.out().isEmpty() || !plan.isBatched(node) || plan.isView(node)
        || !(c.body() instanceof IExpr.Apply ap) || ap.op() != dev.netc.compiler.ops.Scalar.MUL
        || !plan.vectorIndexActivation(c.out().get(c.out().size() - 1).extent())) {
      return null;
    }
    Dim last = c.out().get(c.out().size() - 1);
    for (int gi = 0; gi < 2; gi++) {
      if (!(ap.args().get(gi) instanceof IExpr.Read gr)) {
        continue;
      }
      IExpr prime = ap.args().get(1 - gi);
      IExpr arg = geluArgument(prime);
      if (arg == null || !prime.equals(dev.netc.compiler.ops.Scalar.GELU.partial(List.of(arg), null, 0))) {
        continue;
      }
      Node g = node.input(gr.slot());
      if (!plan.isBatched(g) || plan.isView(g) || !readsWhole(gr, g, c.out())) {
        continue;
      }
      String tb = biasedRead(arg, c);
      if (tb != null) {
        return Code.Builder.format("@K.geluBackward(%s, %s, %s, %d, batch * %d)", x.array(g), tb, x.array(node),
            last.extent(), (int) extent(c.out().subList(0, c.out().size() - 1)));
      }
    }
    return null;
  }

  /** The {@code x} of an expression shaped as gelu's derivative at {@code x} (checked by the caller), or null. */
  private static IExpr geluArgument(IExpr prime) {
    // s + (x * (s * (1 - s))) * slope
    if (prime instanceof IExpr.Apply sum && sum.args().size() == 2 && sum.args().get(1) instanceof IExpr.Apply term
        && term.args().size() == 2 && term.args().get(0) instanceof IExpr.Apply xs && xs.args().size() == 2) {
      return xs.args().get(0);
    }
    return null;
  }

  /** Whether {@code r} reads {@code n}, shaped as {@code dims}, at exactly their indices in order. */
  static boolean readsWhole(IExpr.Read r, Node n, List<Dim> dims) {
    int[] shape = n.shape().dims();
    if (r.at().size() != dims.size() || shape.length != dims.size()) {
      return false;
    }
    for (int a = 0; a < dims.size(); a++) {
      if (!r.at().get(a).equals(Affine.of(dims.get(a).index())) || shape[a] != dims.get(a).extent()) {
        return false;
      }
    }
    return true;
  }

  /** The kernel as loops over each example (a packed product, a scatter, a loop nest). */
  private Code.Builder loops() {
    Code.Builder decls = new Code.Builder();
    for (int i = 0; i < node.inputs().size(); i++) {
      offsets.add(offset(node.input(i), "p" + i, decls));
    }
    String out = offset(node, "ob", decls);
    Contraction ct = contraction(node);
    if (ct != null) {
      return contraction(ct, out, decls);
    }
    Code.Builder body = new Code.Builder().addAll(decls.build());
    if (node.ix() instanceof Scatter s) {
      scatter(s, out, body);
    } else if (rowAccumulation((Comprehension) node.ix())) {
      rowAccumulation((Comprehension) node.ix(), out, body);
    } else {
      Comprehension c = (Comprehension) node.ix();
      bind(c.domain());
      Code.Builder inner = new Code.Builder();
      String at = at(out, x.array(node), node.shape().dims(), positions(c.out()));
      boolean rowsHoisted = false;
      switch (c.reducer()) {
        case NONE -> {
          String single = c.guards().isEmpty() ? floatOperation(c.body()) : null;
          if (single != null) {
            inner.stmt("%s = %s", at, single);
            // a row times, or over, a number read once per row (softmax's e[t, u] / s[t]): its
            // rows are too short for C2 to vectorize the loop (16 numbers), so a vector at a time
            Code.Builder scaled = c.out().size() >= 2 && c.out().get(c.out().size() - 1).extent() >= PAD
                ? scaledRun(c, at) : null;
            if (scaled != null) {
              List<Dim> rows = c.out().subList(0, c.out().size() - 1);
              Code.Builder row = nest(c.out().subList(rows.size(), c.out().size()), inner);
              body.addAll(nest(rows, kernels.vectorOr(scaled, row)).build());
              rowsHoisted = true;
            }
            break;
          }
          Code.Builder outside = c.guards().isEmpty() && c.out().size() >= 2 ? hoist(c.body(), c.out()) : null;
          if (c.guards().isEmpty()) {
            shareRepeated(c.body(), inner);
          }
          inner.stmt("%s = %s", at, kernels.store(c.guards().isEmpty()
              ? Kernels.unwrap(value(c.body())) : "(" + guards(c.guards()) + ") ? " + value(c.body()) + " : 0"));
          Code.Builder scaled = outside == null ? null : scaledRun(c, at);
          shared.clear();
          hoisted.clear();
          if (outside != null) {
            // the values that do not change along the last axis, once per row, before its loop
            List<Dim> rows = c.out().subList(0, c.out().size() - 1);
            Code.Builder row = nest(c.out().subList(rows.size(), c.out().size()), inner);
            body.addAll(nest(rows, outside.addAll((scaled == null ? row : kernels.vectorOr(scaled, row)).build()))
                .build());
            rowsHoisted = true;
          }
        }
        case SUM -> {
          // a factor that does not depend on the summed indices multiplies the sum once, after it
          // (softmax's gradient through its sum: sum(u) g[t, u] * -(p[t, u] / s[t]) divided
          // per term; -(1 / s[t]) times sum(u) g[t, u] * p[t, u] is one division per row)
          IExpr[] parts = c.guards().isEmpty() ? factorOut(c.body(), c.reduced()) : null;
          boolean factored = parts != null && !parts[1].equals(IExpr.ONE) && !parts[0].equals(IExpr.ONE);
          Comprehension sum = factored ? new Comprehension(c.out(), c.reducer(), c.reduced(), c.guards(), parts[0]) : c;
          Code.Builder summed = factored ? null : summedRun(c, at);
          Code.Builder loop = new Code.Builder();
          Dim lastReduced = c.reduced().get(c.reduced().size() - 1);
          if (c.guards().isEmpty() && lastReduced.extent() >= SPLIT_MIN && lastReduced.extent() % SPLIT == 0) {
            splitSum(sum, lastReduced, loop);
          } else {
            Code.Builder term = new Code.Builder();
            shareRepeated(sum.body(), term);
            term.stmt("acc += %s", Kernels.unwrap(value(sum.body())));
            shared.clear();
            loop.stmt("double acc = 0").addAll(bounded(c.reduced(), c.guards(), term).build());
          }
          String total = "acc";
          if (factored && parts[1] instanceof IExpr.Apply over && over.op() == dev.netc.compiler.ops.Scalar.DIV
              && over.args().get(0).equals(IExpr.ONE)) {
            IExpr by = over.args().get(1);
            // a mean over a count: divided, not times its reciprocal (but for a power of two's, the same)
            total = by instanceof IExpr.Const k && isPowerOfTwo(k.value()) ? "acc * " + value(new IExpr.Const(1 / k.value()))
                : "acc / " + value(by);
          } else if (factored && parts[1].equals(new IExpr.Const(-1))) {
            total = "-acc";
          } else if (factored) {
            total = "acc * " + value(parts[1]);
          }
          loop.stmt("%s = %s", at, kernels.store(total));
          inner.addAll((summed == null ? loop : kernels.vectorOr(summed, loop)).build());
        }
        case MAX, MIN -> {
          boolean isWinners = node.op() == Op.WINNERS;
          // without branches, which random data mispredicts: the winner's number by a conditional
          // move, the value by Math.max (min), which like the test lets a NaN win
          boolean max = c.reducer() == Reducer.MAX;
          // the winners this loop finds: its own node's when it is a winners node, else those
          // stored beside the max (win, win1, ...: each a component, or the point's number)
          List<Node> found = isWinners ? List.of(node) : this.winners;
          Dim lastReduced = c.reduced().get(c.reduced().size() - 1);
          if (found.isEmpty() && c.guards().isEmpty() && lastReduced.extent() >= SPLIT_MIN) {
            Code.Builder loop = new Code.Builder();
            splitExtreme(c, lastReduced, max, loop);
            loop.stmt("%s = %s", at, kernels.store("best"));
            Code.Builder run = extremeRun(c, at, max);
            inner.addAll((run == null ? loop : kernels.vectorOr(run, loop)).build());
            break;
          }
          Code.Builder pick = new Code.Builder().stmt("double v = %s", Kernels.unwrap(value(c.body())))
              .stmt("boolean hot = !hit | " + (max ? "v > best" : "v < best") + " | v != v & best == best");
          for (int w = 0; w < found.size(); w++) {
            String win = w == 0 ? "win" : "win" + w;
            double attr = found.get(w).attr();
            pick.stmt("%s = hot ? %s : %s", win, attr < 0 ? print(c.reducedNumber())
                : vars.get(c.reduced().get((int) attr).index()), win);
          }
          pick.stmt("best = Math.%s(best, v)", max ? "max" : "min").stmt("hit = true");
          inner.stmt("double best = %s", max ? "Double.NEGATIVE_INFINITY" : "Double.POSITIVE_INFINITY")
              .stmt("boolean hit = false");
          for (int w = 0; w < found.size(); w++) {
            inner.stmt("int %s = -1", w == 0 ? "win" : "win" + w);
          }
          inner.addAll(bounded(c.reduced(), c.guards(), pick).build())
              .stmt("%s = %s", at, isWinners ? kernels.store("win") : kernels.store("hit ? best : 0"));
          for (int w = 0; w < found.size() && !isWinners; w++) {
            Node wn = found.get(w);
            inner.stmt("%s = %s", at(out, x.array(wn), wn.shape().dims(), positions(c.out())),
                kernels.store(w == 0 ? "win" : "win" + w));
          }
        }
      }
      if (!rowsHoisted) {
        body.addAll(nest(c.out(), inner).build());
      }
    }
    return perExample(body);
  }

  /**
   * {@code e} as {@code [variant, invariant]}, {@code e = variant * invariant}, {@code invariant}
   * the product of the factors of {@code e} (through products, negations and divisions) that
   * depend on none of {@code reduced}, {@link IExpr#ONE} where there are none; {@code variant}
   * the rest, {@code ONE} where nothing depends on them. A sum over {@code reduced} computes the
   * sum of the variant part, then multiplies it by the invariant one once: the same sum in exact
   * arithmetic, in double a rounding apart (none where the invariant is a power of two, as a
   * mean's {@code 1 / 64} is).
   */
  private static IExpr[] factorOut(IExpr e, List<Dim> reduced) {
    if (reduced.stream().noneMatch(d -> mentions(e, d.index()))) {
      return new IExpr[] {IExpr.ONE, e};
    }
    if (e instanceof IExpr.Apply a) {
      switch (a.op()) {
        case MUL -> {
          IExpr[] l = factorOut(a.args().get(0), reduced);
          IExpr[] r = factorOut(a.args().get(1), reduced);
          return new IExpr[] {IExpr.call(dev.netc.compiler.ops.Scalar.MUL, l[0], r[0]),
              IExpr.call(dev.netc.compiler.ops.Scalar.MUL, l[1], r[1])};
        }
        case NEG -> {
          IExpr[] l = factorOut(a.args().get(0), reduced);
          return new IExpr[] {l[0], IExpr.call(dev.netc.compiler.ops.Scalar.NEG, l[1])};
        }
        case DIV -> {
          IExpr[] l = factorOut(a.args().get(0), reduced);
          IExpr b = a.args().get(1);
          if (reduced.stream().noneMatch(d -> mentions(b, d.index()))) {
            // not folded where both are constants: a sum over 3 is divided by 3, as before
            return new IExpr[] {l[0], new IExpr.Apply(dev.netc.compiler.ops.Scalar.DIV, List.of(l[1], b))};
          }
          return new IExpr[] {IExpr.call(dev.netc.compiler.ops.Scalar.DIV, l[0], b), l[1]};
        }
        default -> {
        }
      }
    }
    return new IExpr[] {e, IExpr.ONE};
  }

  /** A sum's accumulators where its innermost loop is split ({@link #splitSum}). */
  private static final int SPLIT = 4;

  /** The shortest innermost loop of a sum that is split. */
  private static final int SPLIT_MIN = 8;

  /**
   * A sum without guards whose innermost reduced index runs {@code SPLIT_MIN} or more (a multiple
   * of {@code SPLIT}): that loop steps by {@code SPLIT}, each step adding one term into each of
   * {@code acc, acc1, acc2, acc3}, which are then added pairwise. One accumulator waits on
   * each addition before the next (4 cycles in double on this host); four don't. LeNet's bias
   * gradient, the sum of 24 x 24 positions per channel, and layer norm's sums over 64 are such.
   */
  private void splitSum(Comprehension c, Dim last, Code.Builder inner) {
    String v = vars.get(last.index());
    Code.Builder step = new Code.Builder();
    for (int s = 0; s < SPLIT; s++) {
      // the term at v + s: the loop variable's name stands for that sum in the printed reads
      vars.put(last.index(), s == 0 ? v : "(" + v + " + " + s + ")");
      Code.Builder term = new Code.Builder();
      shareRepeated(c.body(), term);
      term.stmt("%s += %s", s == 0 ? "acc" : "acc" + s, Kernels.unwrap(value(c.body())));
      shared.clear();
      List<Code> statements = term.build();
      if (statements.size() == 1) {
        step.addAll(statements);
      } else {
        step.block("", term); // its shared locals in a scope of their own
      }
    }
    vars.put(last.index(), v);
    List<Dim> outer = c.reduced().subList(0, c.reduced().size() - 1);
    Code.Builder loop = new Code.Builder().block("for (int " + v + " = 0; " + v + " < " + last.extent() + "; " + v + " += "
        + SPLIT + ")", step);
    inner.stmt("double acc = 0");
    for (int s = 1; s < SPLIT; s++) {
      inner.stmt("double acc%d = 0", s);
    }
    inner.addAll(nest(outer, loop).build()).stmt("acc = (acc + acc1) + (acc2 + acc3)");
  }

  /**
   * A max (min) without winners or guards whose innermost reduced index runs {@code SPLIT_MIN} or
   * more: as {@link #splitSum}, four running maxima {@code best, best1, best2, best3} (the last
   * fewer than four points after the loop), then the max of the four. Unlike a sum's, the result is
   * the same in any order ({@code Math.max} is NaN where any number is, and +0 over -0), and four
   * chains of dependent {@code Math.max} run side by side (softmax's and the loss's row maxima).
   */
  /**
   * Adds to {@code into} {@code best<s> = fn(best<s>, body)} at the point the loop variables name
   * now, the body's repeated subexpressions in a scope of their own where it has any.
   */
  private void extremeTerm(Comprehension c, String fn, int s, Code.Builder into) {
    Code.Builder term = new Code.Builder();
    shareRepeated(c.body(), term);
    String best = s == 0 ? "best" : "best" + s;
    term.stmt("%s = %s(%s, %s)", best, fn, best, Kernels.unwrap(value(c.body())));
    shared.clear();
    List<Code> statements = term.build();
    if (statements.size() == 1) {
      into.addAll(statements);
    } else {
      into.block("", term);
    }
  }

  private void splitExtreme(Comprehension c, Dim last, boolean max, Code.Builder inner) {
    String fn = max ? "Math.max" : "Math.min";
    String v = vars.get(last.index());
    Code.Builder step = new Code.Builder();
    for (int s = 0; s < SPLIT; s++) {
      vars.put(last.index(), s == 0 ? v : "(" + v + " + " + s + ")");
      extremeTerm(c, fn, s, step);
    }
    int full = last.extent() / SPLIT * SPLIT;
    Code.Builder loop = new Code.Builder().block("for (int " + v + " = 0; " + v + " < " + full + "; " + v + " += "
        + SPLIT + ")", step);
    for (int s = 0; full + s < last.extent(); s++) {
      vars.put(last.index(), Integer.toString(full + s));
      extremeTerm(c, fn, s, loop);
    }
    vars.put(last.index(), v);
    List<Dim> outer = c.reduced().subList(0, c.reduced().size() - 1);
    String start = max ? "Double.NEGATIVE_INFINITY" : "Double.POSITIVE_INFINITY";
    inner.stmt("double best = %s", start);
    for (int s = 1; s < SPLIT; s++) {
      inner.stmt("double best%d = %s", s, start);
    }
    inner.addAll(nest(outer, loop).build()).stmt("best = %s(%s(best, best1), %s(best2, best3))", fn, fn, fn);
  }

  /**
   * The fewest multiply-adds per example for which a contraction is packed into a matrix product
   * (with its rows at least {@value #GROUP} long and at least two terms); tests set it to 0 to
   * send every contraction there.
   */
  static int contractionMinWork = 4096;

  /** Rows shorter than this put several examples side by side (at most {@link #MAX_EXAMPLES}). */
  private static final int WIDE = 256;
  private static final int MAX_EXAMPLES = 8;

  /** The longest run a packing copies with the vector kernels' copyRuns rather than System.arraycopy. */
  private static final int SHORT_RUN = 32;

  /** The most runs a packing copies as one copyRun statement each rather than one copyRuns call. */
  private static final int UNROLLED_RUNS = 8;

  /** Terms per pass of a contraction's inner loop (one load of the row and eight rows of the packed operand). */
  private static final int GROUP = 8;

  /** The packed rows' width is a multiple of this for the Vector API's product: two vectors of 8 floats, one of 16. */
  private static final int PAD = 16;

  /**
   * A sum of the product of two reads, {@code y[m..., n...] = sum(k...) A[...] * B[...]}, where
   * each output index is read by one operand only; the output's axes read by {@code A} are the
   * {@code rows}, those read by {@code B} the {@code cols}, which are the output's trailing axes
   * or one axis anywhere (then each row is stored at that axis's stride): a matrix product
   * {@code Y[M x N] = A'[M x K] B'[K x N]} once each operand is packed ({@code A'[m, k]},
   * {@code B'[k, n]}, row-major over their indices; a point where a guard fails is 0).
   * Forward convolution, its weight gradient and its input gradient all are.
   */
  record Contraction(IExpr.Read a, IExpr.Read b, List<Dim> rows, List<Dim> cols, List<Dim> reduced,
      List<Cond.OnIndices> guardsA, List<Cond.OnIndices> guardsB, int m, int n, int k, List<Dim> batch, double scale) {}

  /** The contraction {@code node} computes, or null when it is not one or too small to pay. */
  static Contraction contraction(Node node) {
    if (node.op() == Op.WINNERS || !(node.ix() instanceof Comprehension c) || c.reducer() != Reducer.SUM
        || c.out().size() < 2) {
      return null;
    }
    // the body: two reads times constants (attention's scores divide by 4; their gradients
    // multiply by 0.25), the constants' product applied once to each sum
    List<IExpr.Read> reads = new ArrayList<>();
    double[] scale = {1};
    if (!factors(c.body(), reads, scale) || reads.size() != 2 || !Double.isFinite(scale[0]) || scale[0] == 0) {
      return null;
    }
    IExpr.Read r0 = reads.get(0);
    IExpr.Read r1 = reads.get(1);
    java.util.Set<String> in0 = readIndices(r0);
    java.util.Set<String> in1 = readIndices(r1);
    if (in0 == null || in1 == null) {
      return null;
    }
    // batch: the output axes both read (attention's heads, s[h, t, u] = sum(c) q[h, t, c] * k[h, u, c]),
    // one product per point of them; A: the read of the first other output axis
    List<Dim> batch = new ArrayList<>();
    String first = null;
    for (Dim d : c.out()) {
      boolean both = in0.contains(d.index()) && in1.contains(d.index());
      if (both) {
        batch.add(d);
      } else if (first == null) {
        first = d.index();
      }
    }
    if (first == null) {
      return null;
    }
    IExpr.Read a = in0.contains(first) ? r0 : r1;
    java.util.Set<String> inA = a == r0 ? in0 : in1;
    java.util.Set<String> inB = a == r0 ? in1 : in0;
    // rows: the output axes A reads, cols: those B reads, each in the output's order; the two may
    // interleave in the output (q[h, t, c] = sum(d) W[h, c, d] * a[t, d]) when cols are one axis
    // or a run of adjacent trailing axes, so that a row of the product lands at one stride
    List<Dim> rows = new ArrayList<>();
    List<Dim> cols = new ArrayList<>();
    for (Dim d : c.out()) {
      if (batch.contains(d)) {
        continue;
      }
      boolean byA = inA.contains(d.index());
      if (byA == inB.contains(d.index())) {
        return null;
      }
      (byA ? rows : cols).add(d);
    }
    if (rows.isEmpty() || cols.isEmpty() || colStride(c.out(), cols) == 0) {
      return null;
    }
    java.util.Set<String> sideA = new java.util.HashSet<>();
    java.util.Set<String> sideB = new java.util.HashSet<>();
    // a guard on a batch index would fail at other points for each (the zeroed points of the
    // packed operands are the same for every product)
    for (Cond.OnIndices g : c.guards()) {
      if (batch.stream().anyMatch(d -> g.left().coefficient(d.index()) != 0 || g.right().coefficient(d.index()) != 0)) {
        return null;
      }
    }
    batch.forEach(d -> {
      sideA.add(d.index());
      sideB.add(d.index());
    });
    rows.forEach(d -> sideA.add(d.index()));
    cols.forEach(d -> sideB.add(d.index()));
    c.reduced().forEach(d -> {
      sideA.add(d.index());
      sideB.add(d.index());
    });
    List<Cond.OnIndices> guardsA = new ArrayList<>();
    List<Cond.OnIndices> guardsB = new ArrayList<>();
    for (Cond.OnIndices g : c.guards()) {
      java.util.Set<String> used = new java.util.HashSet<>(g.left().terms().keySet());
      used.addAll(g.right().terms().keySet());
      if (sideA.containsAll(used)) {
        guardsA.add(g);
      } else if (sideB.containsAll(used)) {
        guardsB.add(g);
      } else {
        return null;
      }
    }
    long m = extent(rows);
    long n = extent(cols);
    long k = extent(c.reduced());
    boolean small = n < GROUP || k < 2 || m * n * k < contractionMinWork;
    if (small && contractionMinWork > 0 || k * n > (1 << 20) || m * k > (1 << 20)) {
      return null;
    }
    IExpr.Read b = a == r0 ? r1 : r0;
    return new Contraction(a, b, List.copyOf(rows), List.copyOf(cols), c.reduced(), guardsA, guardsB, (int) m, (int) n,
        (int) k, List.copyOf(batch), scale[0]);
  }

  /**
   * The output stride of a column of the product: 1 when the cols are the output's last axes, the
   * axis's stride when they are one axis elsewhere, 0 (not a contraction) otherwise.
   */
  static int colStride(List<Dim> out, List<Dim> cols) {
    int first = out.indexOf(cols.get(0));
    if (out.subList(first, out.size()).equals(cols)) {
      return 1;
    }
    if (cols.size() > 1) {
      return 0;
    }
    int stride = 1;
    for (int a = out.size() - 1; a > first; a--) {
      stride *= out.get(a).extent();
    }
    return stride;
  }

  /** The output offset of row {@code i} of the product: {@code i * N} when the rows lead. */
  private String rowOffset(List<Dim> out, Contraction ct) {
    List<String> terms = new ArrayList<>();
    for (Dim d : ct.batch()) {
      int stride = 1;
      for (int b = out.size() - 1; b > out.indexOf(d); b--) {
        stride *= out.get(b).extent();
      }
      terms.add(stride == 1 ? vars.get(d.index()) : vars.get(d.index()) + " * " + stride);
    }
    if (out.subList(ct.batch().size(), ct.batch().size() + ct.rows().size()).equals(ct.rows())
        && out.subList(0, ct.batch().size()).equals(ct.batch())) {
      terms.add("i * " + ct.n());
      return String.join(" + ", terms);
    }
    int inner = 1; // the extent of the rows after this one: i's digit for it is (i / inner) % extent
    for (int r = ct.rows().size() - 1; r >= 0; r--) {
      Dim d = ct.rows().get(r);
      int a = out.indexOf(d);
      int stride = 1;
      for (int b = out.size() - 1; b > a; b--) {
        stride *= out.get(b).extent();
      }
      String digit = inner == 1 ? "i" : "i / " + inner;
      if (r > 0) {
        digit = "(" + digit + ") % " + d.extent();
      }
      terms.add(0, stride == 1 ? "(" + digit + ")" : "(" + digit + ") * " + stride);
      inner *= d.extent();
    }
    return String.join(" + ", terms);
  }

  /**
   * Whether {@code e} is a product of reads and constants (a division by a constant counts as a
   * factor of its reciprocal), adding the reads to {@code reads} and multiplying {@code scale[0]}
   * by the constants.
   */
  private static boolean factors(IExpr e, List<IExpr.Read> reads, double[] scale) {
    if (e instanceof IExpr.Read r) {
      reads.add(r);
      return true;
    }
    if (e instanceof IExpr.Const k) {
      scale[0] *= k.value();
      return true;
    }
    if (e instanceof IExpr.Apply ap && ap.op() == dev.netc.compiler.ops.Scalar.MUL) {
      return factors(ap.args().get(0), reads, scale) && factors(ap.args().get(1), reads, scale);
    }
    if (e instanceof IExpr.Apply ap && ap.op() == dev.netc.compiler.ops.Scalar.DIV
        && ap.args().get(1) instanceof IExpr.Const k) {
      scale[0] /= k.value();
      return factors(ap.args().get(0), reads, scale);
    }
    return false;
  }

  /** The indices a read depends on, or null when one of its positions is data-dependent. */
  private static java.util.Set<String> readIndices(IExpr.Read r) {
    java.util.Set<String> s = new java.util.HashSet<>();
    for (IndexExpr e : r.at()) {
      if (!(e instanceof Affine af)) {
        return null;
      }
      s.addAll(af.terms().keySet());
    }
    return s;
  }

  private static long extent(List<Dim> dims) {
    long p = 1;
    for (Dim d : dims) {
      p *= d.extent();
    }
    return p;
  }

  /**
   * A contraction as a packed matrix product: for each example, {@code A'} into the workspace's
   * {@code packA} and {@code B'} into {@code pack} (an operand that does not depend on the
   * example is packed once, before the example loop); then each row {@code m} of the result is
   * accumulated in {@code packRow}, eight rows of {@code B'} per pass,
   * {@code cr[j] += u0 * q0[j] + ... + u7 * q7[j]}, and copied into the output. Every array in
   * that inner loop is indexed by {@code j} alone, which C2 vectorizes (an offset of another
   * array in the same loop would make it give up). The sums run over {@code k} in groups, in
   * the precision of the build.
   */
  private Code.Builder contraction(Contraction ct, String out, Code.Builder decls) {
    Comprehension c = (Comprehension) node.ix();
    Shifted sh = shifted(ct, c);
    if (sh != null) {
      return shiftedProduct(sh, out, decls);
    }
    boolean vector = plan.kernelChoice() != KernelChoice.SCALAR;
    Direct direct = vector ? direct(ct, c) : null;
    if (direct != null) {
      // where the direct product computes at least a quarter more columns than the output has
      // (LeNet's second convolution: 92 for 64); its first's 668 for 576 stay faster direct
      Code.Builder window = 4 * direct.wide() >= 5 * ct.n() ? windowProduct(ct) : null;
      return kernels.vectorOr(window != null ? window : directProduct(ct, direct, out, decls),
          packedContraction(ct, out, decls, false));
    }
    return packedContraction(ct, out, decls, vector);
  }

  /**
   * {@link #contraction} as a packed product, {@code vector}: with the Vector API side beside
   * the loops.
   */
  private Code.Builder packedContraction(Contraction ct, String out, Code.Builder decls, boolean vector) {
    Comprehension c = (Comprehension) node.ix();
    Node nodeA = node.input(ct.a().slot());
    Node nodeB = node.input(ct.b().slot());
    boolean batched = plan.isBatched(node);
    // short rows (a convolution's 8x8 outputs) put several examples side by side in B', so that
    // the inner loop is long; only when A' is the same for all of them
    int examples = batched && !plan.isBatched(nodeA) && plan.isBatched(nodeB) && ct.n() < WIDE && ct.batch().isEmpty()
        ? Math.min(MAX_EXAMPLES, Math.max(1, WIDE / ct.n())) : 1;
    // the batch indices' loop variables are k0, ... in every nest of this kernel
    fixed = ct.batch();
    bind(List.of());
    int width = examples * ct.n();
    // the Vector API's product runs over whole vectors of columns: the packed rows are padded to a
    // multiple of 16 (whatever is in the padding, from another contraction, lands only in columns
    // of the result that are not copied out)
    int padded = vector ? (width + PAD - 1) / PAD * PAD : width;
    plan.needScratch(ct.k(), padded, ct.m() * ct.k(), vector ? ct.m() * padded : width);
    String t = kernels.type();
    Code.Builder top = new Code.Builder().stmt("%s[][] pk = ws.pack", t).stmt("%s[] pa = ws.packA", t)
        .stmt("%s[] cr = ws.packRow", t);
    // the points where a guard fails are the same for every example: zeroed once, never written
    if (!ct.guardsA().isEmpty()) {
      top.stmt("java.util.Arrays.fill(pa, 0, %d, 0)", ct.m() * ct.k());
    }
    if (!ct.guardsB().isEmpty()) {
      top.block("for (int kk = 0; kk < " + ct.k() + "; kk++)",
          new Code.Builder().stmt("java.util.Arrays.fill(pk[kk], 0, %d, 0)", width));
    }
    // each operand packed per example is packed twice in the code: by the vector kernels' copyRun
    // on the Vector API side, by System.arraycopy on the other
    String column = examples > 1 ? "e * " + ct.n() + " + " : "";
    Code.Builder packA = packA(ct, false);
    Code.Builder packB = packB(ct, column, false);
    Code.Builder vectorPackA = vector ? packA(ct, true) : null;
    Code.Builder vectorPackB = vector ? packB(ct, column, true) : null;
    // B' transposed, its K numbers per column in packRow, where its runs are longer that way and
    // the sums long enough for dot products (LeNet's conv 1 weight gradient: 600 runs of 24 an
    // example instead of 2,880 of 5); the product by matmulRows into pk's first row
    boolean transposed = vector && examples == 1 && ct.batch().isEmpty() && batched && plan.isBatched(nodeB)
        && transposedB(ct);
    // where B's windows are runs of B itself (a weight gradient with long sums): no copy of
    // them, A' packed as wide as B's rows, dot products over B in place
    int wide = transposed && plan.isBatched(nodeA) ? directRowsWidth(ct) : 0;
    if (wide > 0) {
      plan.needScratch(1, ct.m() * ct.n(), ct.m() * wide + 2 * PAD, 1);
      plan.needDirectRows(ct.n());
      top.stmt("int[] po = ws.packAt");
      vectorPackA = packWideA(ct, wide);
      vectorPackB = directRowOffsets(ct);
    } else if (transposed) {
      plan.needScratch(1, ct.m() * ct.n(), ct.m() * ct.k(), ct.n() * ct.k());
      vectorPackB = packTransposedB(ct);
    }
    String arr = x.array(node);
    int colStride = colStride(c.out(), ct.cols());
    String store = "ro + " + (colStride == 1 ? "j" : "j * " + colStride);
    Code.Builder row = new Code.Builder().stmt("int ao = i * %d", ct.k())
        .stmt("int ro = %s", rowOffset(c.out(), ct));
    rowOfProduct(row, width, ct.k());
    // the Vector API side: the whole product into cr (m rows of width) by the runtime, then copied out
    Code.Builder product = wide > 0
        ? new Code.Builder().stmt("@K.matmulRows(%s, po, pa, pk[0], %d, %d, %d)", x.array(nodeB), ct.n(), wide, ct.m())
        : transposed
        ? new Code.Builder().stmt("@K.matmulRows(cr, pa, pk[0], %d, %d, %d)", ct.n(), ct.k(), ct.m())
        : new Code.Builder().stmt("@K.packedProduct(pa, pk, cr, %d, %d, %d)", ct.m(), padded, ct.k());
    Code.Builder copy = new Code.Builder().stmt("int ro = %s", rowOffset(c.out(), ct))
        .stmt("int co = i * %d", transposed ? ct.n() : padded);
    if (examples == 1) {
      Code.Builder perEx = new Code.Builder().addAll(decls.build());
      // one product per point of the batch indices, each operand packed for it
      Code.Builder each = ct.batch().isEmpty() ? perEx : new Code.Builder();
      Code.Builder scalarSide = new Code.Builder();
      Code.Builder vectorSide = new Code.Builder();
      for (boolean isA : new boolean[] {true, false}) {
        if (ct.batch().isEmpty() && !(batched && plan.isBatched(isA ? nodeA : nodeB))) {
          top.addAll((isA ? packA : packB).build());
        } else {
          scalarSide.addAll((isA ? packA : packB).build());
          if (vector) {
            vectorSide.addAll((isA ? vectorPackA : vectorPackB).build());
          }
        }
      }
      row.block("for (int j = 0; j < " + ct.n() + "; j++)",
          new Code.Builder().stmt("%s = %s", at(out, arr, store), scaled("cr[j]", ct.scale())));
      Code.Builder rows = scalarSide.block("for (int i = 0; i < " + ct.m() + "; i++)", row);
      if (vector) {
        Code.Builder copyOut;
        List<Dim> laidOut = new ArrayList<>(ct.batch());
        laidOut.addAll(ct.rows());
        laidOut.addAll(ct.cols());
        if (!transposed && wide == 0 && padded == ct.n() && c.out().equals(laidOut)) {
          // the result's rows end to end in the output as in cr (a head's 16 x 16 block): one copy
          copyOut = copyRow(new Code.Builder().stmt("int i = 0").stmt("int ro = %s", rowOffset(c.out(), ct)), "cr", out,
              arr, store, 1, "0", ct.m() * ct.n(), ct.scale());
        } else {
          copyRow(copy, transposed ? "pk[0]" : "cr", out, arr, store, colStride, "co", ct.n(), ct.scale());
          copyOut = new Code.Builder().block("for (int i = 0; i < " + ct.m() + "; i++)", copy);
        }
        rows = kernels.vectorOr(vectorSide.addAll(product.build()).addAll(copyOut.build()), rows);
      }
      each.addAll(rows.build());
      if (!ct.batch().isEmpty()) {
        perEx.addAll(nest(ct.batch(), each).build());
      }
      return top.addAll(perExample(perEx).build());
    }
    //   for each run of examples: pack each into its columns; for each row i: accumulate, copy out
    top.addAll(packA.build());
    List<Code> each = decls.build();
    row.block("for (int e = 0; e < ng; e++)", new Code.Builder().stmt("int ex = ex0 + e").addAll(each)
        .block("for (int j = 0; j < " + ct.n() + "; j++)",
            new Code.Builder().stmt("%s = %s", at(out, arr, store), scaled("cr[e * " + ct.n() + " + j]", ct.scale()))));
    Code.Builder rows = new Code.Builder()
        .block("for (int e = 0; e < ng; e++)", new Code.Builder().stmt("int ex = ex0 + e").addAll(each)
            .addAll(packB.build()))
        .block("for (int i = 0; i < " + ct.m() + "; i++)", row);
    if (vector) {
      copy.block("for (int e = 0; e < ng; e++)", new Code.Builder().stmt("int ex = ex0 + e").addAll(each)
          .addAll(copyRow(new Code.Builder(), "cr", out, arr, store, colStride, "co + e * " + ct.n(), ct.n(), ct.scale())
              .build()));
      Code.Builder vectorRows = new Code.Builder()
          .block("for (int e = 0; e < ng; e++)", new Code.Builder().stmt("int ex = ex0 + e").addAll(each)
              .addAll(vectorPackB.build()))
          .addAll(product.build()).block("for (int i = 0; i < " + ct.m() + "; i++)", copy);
      rows = kernels.vectorOr(vectorRows, rows);
    }
    Code.Builder run = new Code.Builder().stmt("int ng = Math.min(%d, batch - ex0)", examples).addAll(rows.build());
    return top.block("for (int ex0 = 0; ex0 < batch; ex0 += " + examples + ")", run);
  }

  /**
   * A contraction whose rows of {@code B'} are runs of {@code B} itself, as a forward
   * convolution's are: {@code y[o, r, c] = sum(i, p, q) K[o, i, p, q] * x[i, r + p, c + q]} reads,
   * for each point {@code (i, p, q)} of the reduced domain, the input from {@code x[i, p, q]} on,
   * {@code r} moving it by a whole row of the input ({@code widths[0]}, 12) and {@code c} by one
   * ({@code widths[1]}). The product's columns are then the output's rows laid end to end as
   * wide as the input's ({@code wide = (R - 1) * 12 + C} of them, 92 for 8 x 8 outputs), row
   * {@code (i, p, q)} of {@code B'} being {@code wide} numbers of {@code x} from that offset: no
   * copy of {@code B'} is made (im2col packing took most of LeNet's forward convolutions' time),
   * and the columns past each row's {@code C} are computed and not copied out. The output's
   * trailing axes are the columns, one or two of them.
   */
  record Direct(int[] widths, int wide) {}

  /**
   * {@code ct} as a {@link Direct} product, or null: on the Vector API side, with no batch
   * index, guard on {@code B} or constant factor, the columns the output's last one or two axes,
   * {@code B}'s position moving by 1 along the last and by at least the last's extent along the
   * other, and the wide columns at least a vector of floats and at most twice the output's.
   */
  private Direct direct(Contraction ct, Comprehension c) {
    if (!ct.batch().isEmpty() || !ct.guardsB().isEmpty() || ct.scale() != 1 || ct.cols().size() > 2
        || colStride(c.out(), ct.cols()) != 1) {
      return null;
    }
    Node src = node.input(ct.b().slot());
    if (plan.isIds(src) || shared.containsKey(ct.b())) {
      return null;
    }
    int t = ct.cols().size();
    int[] widths = new int[t];
    for (int s = 0; s < t; s++) {
      widths[s] = flatCoefficient(ct.b(), src, ct.cols().get(s).index());
    }
    if (widths[t - 1] != 1 || t == 2 && widths[0] < ct.cols().get(1).extent()) {
      return null;
    }
    int wide = t == 1 ? ct.n() : widths[0] * (ct.cols().get(0).extent() - 1) + ct.cols().get(1).extent();
    if (wide < PAD || wide > 2 * ct.n()) {
      return null;
    }
    return new Direct(widths, wide);
  }

  /**
   * The Vector API side of a {@link Shifted} product that covers its whole output plane, a
   * stride-1 convolution's input gradient {@code dx[i, y, x] = sum(o, p, q) K[o, i, p, q] *
   * d[o, y - p, x - q]} over {@code y < R + KH - 1}, {@code x < C + KW - 1}: a full correlation,
   * computed as a direct product over {@code d} padded with zeros. Each plane of {@code d} is
   * packed in rows as wide as the output's ({@code W = C + KW - 1}: the {@code KW - 1} zeros after
   * each row are those that a window passing its left or right edge reads) after
   * {@code M = (KH - 1) W + KW - 1} zeros and before {@code (KH - 1) W} more, into the workspace's
   * {@code pack[0]}; row {@code (o, p, q)} of {@code B'} is that plane from {@code M - p W - q}
   * on, and the output's plane is the product's columns, whole ({@code R + KH - 1} rows of
   * {@code W}): {@code dx = K'' B'} with {@code K''[i][(o, p, q)]}, {@code m} the output's other
   * axes. No scatter and no zeroing of the output: every element is one sum (LeNet's second
   * convolution's input gradient: 16 x 25 = 400 terms each, where the scattered product's rows
   * summed 16 and its 150 runs of adds went through memory). Null where the plane is not whole
   * (a guard that does not hold everywhere, a wider output, shifts that are not {@code + p}),
   * and for fewer than 4 rows.
   */
  private Code.Builder fullCorrelation(Shifted sh, Code.Builder decls, String out) {
    Contraction ct = sh.product();
    Comprehension c = (Comprehension) node.ix();
    List<Dim> span = sh.span();
    int outRank = c.out().size();
    if (span.size() != 2 || outRank < 3 || sh.at().size() != 2) {
      return null;
    }
    Dim yOut = c.out().get(outRank - 2);
    Dim xOut = c.out().get(outRank - 1);
    Affine atY = sh.at().get(yOut.index());
    Affine atX = sh.at().get(xOut.index());
    Dim r = span.get(0);
    Dim col = span.get(1);
    if (atY == null || atX == null || atY.coefficient(r.index()) != 1 || atX.coefficient(col.index()) != 1
        || atY.constant() != 0 || atX.constant() != 0 || atY.terms().size() != 2 || atX.terms().size() != 2) {
      return null;
    }
    String pName = atY.terms().keySet().stream().filter(v -> !v.equals(r.index())).findFirst().orElseThrow();
    String qName = atX.terms().keySet().stream().filter(v -> !v.equals(col.index())).findFirst().orElseThrow();
    if (atY.coefficient(pName) != 1 || atX.coefficient(qName) != 1) {
      return null;
    }
    // the product's rows: the output's other axes, then p and q (moved there by shifted)
    List<Dim> rowsI = new ArrayList<>();
    Dim p = null;
    Dim q = null;
    for (Dim d : ct.rows()) {
      if (d.index().equals(pName)) {
        p = d;
      } else if (d.index().equals(qName)) {
        q = d;
      } else {
        rowsI.add(d);
      }
    }
    if (p == null || q == null || rowsI.isEmpty() || !c.out().subList(0, outRank - 2).equals(rowsI)) {
      return null;
    }
    int kh = p.extent();
    int kw = q.extent();
    int w = xOut.extent();
    if (yOut.extent() != r.extent() + kh - 1 || w != col.extent() + kw - 1) {
      return null;
    }
    Map<String, Integer> extents = new HashMap<>();
    ct.rows().forEach(d -> extents.put(d.index(), d.extent()));
    span.forEach(d -> extents.put(d.index(), d.extent()));
    for (Cond.OnIndices g : sh.guards()) {
      if (!always(g, extents)) {
        return null;
      }
    }
    // d's plane: runs of C along its last axis, a row of d apart
    IExpr.Read read = ct.b();
    Node src = node.input(read.slot());
    if (plan.isIds(src) || shared.containsKey(read) || runLength(read, col) != col.extent()) {
      return null;
    }
    int rowStride = flatCoefficient(read, src, r.index());
    if (rowStride < col.extent()) {
      return null;
    }
    int margin = (kh - 1) * w + kw - 1;
    int plane = margin + yOut.extent() * w;
    long kAll = extent(ct.reduced()) * kh * kw;
    int m = (int) extent(rowsI);
    int n = yOut.extent() * w;
    if (kAll * n > (1 << 20) || m * kAll > (1 << 20) || extent(ct.reduced()) * plane > (1 << 20)) {
      return null;
    }
    if (m < 4) {
      // fewer rows than a tile's: each broadcast of K'' would feed one row (LeNet's first
      // convolution's input gradient, one channel: 261 -> 335 us); the scattered product stays
      return null;
    }
    int k = (int) kAll;
    int planes = (int) extent(ct.reduced());
    Code.Builder window = windowInputGradient(ct, rowsI, p, q, r, col, read, src, yOut.extent(), w);
    if (window != null) {
      return window;
    }
    plan.needScratch(1, planes * plane + PAD, m * k, m * n + PAD);
    plan.needDirectRows(k);
    Node nodeA = node.input(ct.a().slot());
    String t = kernels.type();
    Code.Builder top = new Code.Builder().stmt("%s[] pa = ws.packA", t).stmt("%s[] cr = ws.packRow", t)
        .stmt("%s[] dp = ws.pack[0]", t).stmt("%s[][] pi = ws.packIn", t).stmt("int[] po = ws.packAt");
    boolean batched = plan.isBatched(node);
    Code.Builder perEx = new Code.Builder().addAll(decls.build());
    // K'' = A packed with its rows the output's other axes and its sums (o, p, q)
    List<Dim> sums = new ArrayList<>(ct.reduced());
    sums.add(p);
    sums.add(q);
    (batched && plan.isBatched(nodeA) ? perEx : top).addAll(packRowMajor(rowsI, sums, List.of(), ct.a(), "pa", true)
        .build());
    // the zeros around and between the planes' rows: once per call (the runs rewrite only their own)
    top.stmt("java.util.Arrays.fill(dp, 0, %d, 0)", planes * plane);
    List<Dim> order = new ArrayList<>(ct.reduced());
    order.add(p);
    order.add(q);
    bind(order);
    top.addAll(nest(order, new Code.Builder().stmt("int kk = %s", linear(order)).stmt("pi[kk] = dp")
        .stmt("po[kk] = (%s) * %d + %d - %s * %d - %s", linear(ct.reduced()), plane, margin, vars.get(pName), w,
            vars.get(qName))).build());
    // per example: each plane of d into its rows, as wide as the output's
    List<Dim> planeOrder = new ArrayList<>(ct.reduced());
    planeOrder.add(r);
    planeOrder.add(col);
    bind(planeOrder);
    List<String> pos = new ArrayList<>();
    read.at().forEach(e -> pos.add(position(e)));
    String arrB = x.array(src);
    String from = at(offsets.get(read.slot()), arrB, src.shape().dims(), pos);
    Code.Builder runs = new Code.Builder().stmt("int %s = 0", vars.get(r.index())).stmt("int %s = 0", vars.get(col.index()))
        .stmt("@K.copyRunsPadded(%s, %s, %d, dp, (%s) * %d + %d, %d, %d, %d)", arrB,
            from.substring(arrB.length() + 1, from.length() - 1), rowStride, linear(ct.reduced()), plane, margin,
            col.extent(), w, r.extent());
    perEx.addAll(nest(ct.reduced(), runs).build());
    perEx.stmt("@K.packedProduct(pa, pi, po, cr, %d, %d, %d)", m, n, k);
    String arr = x.array(node);
    perEx.stmt("System.arraycopy(cr, 0, %s, %s, %d)", arr, out, m * n);
    return top.addAll(perExample(perEx).build());
  }

  /**
   * Whether convolutions over whole planes take the window kernels' calls for the batch
   * ({@link #windowProduct}, {@link #windowInputGradient}); tests turn it off to see the
   * per-example forms (direct product, full correlation).
   */
  static boolean windowKernels = true;

  /** How many numbers the rows a {@link #windowProduct} packs for a chunk of examples hold at most (about 200 KB of floats). */
  static final int WINDOW_PRODUCT_CHUNK_NUMBERS = 49152;

  /** The most examples a {@link #windowProduct} packs at a time (LeNet's convolutions: 4 took 170 µs, 8 179, 16 204). */
  static final int WINDOW_PRODUCT_CHUNK_MAX = 4;

  /**
   * A {@link Direct} product that is a stride-1 convolution over whole planes, {@code y[o, r, c]
   * = sum(i, p, q) K[o, i, p, q] * x[i, r + p, c + q]}, {@code K} the same for the batch and read
   * as laid out, {@code x}'s rows exactly as long as the windows need: one call of the runtime's
   * {@code windowProduct} for the batch (docs/codegen.md, "Window gradients"), whose products
   * take a chunk of examples side by side and compute no column for nothing. The same sums in
   * the same order. Null otherwise.
   */
  private Code.Builder windowProduct(Contraction ct) {
    if (!windowKernels || !plan.isBatched(node) || node.shape().rank() != 3 || ct.rows().size() != 1
        || ct.cols().size() != 2 || ct.reduced().size() != 3 || !ct.guardsA().isEmpty() || !ct.guardsB().isEmpty()) {
      return null;
    }
    Node nodeK = node.input(ct.a().slot());
    Node src = node.input(ct.b().slot());
    Dim o = ct.rows().get(0);
    Dim r = ct.cols().get(0);
    Dim col = ct.cols().get(1);
    Dim i = ct.reduced().get(0);
    Dim p = ct.reduced().get(1);
    Dim q = ct.reduced().get(2);
    if (plan.isBatched(nodeK) || !plan.isBatched(src) || src.shape().rank() != 3 || ct.b().at().size() != 3
        || !readsWhole(ct.a(), nodeK, List.of(o, i, p, q))) {
      return null;
    }
    List<IndexExpr> at = ct.b().at();
    if (!(at.get(0) instanceof Affine a0) || !a0.equals(Affine.of(i.index()))
        || !(at.get(1) instanceof Affine a1) || !a1.equals(Affine.of(r.index()).plus(Affine.of(p.index())))
        || !(at.get(2) instanceof Affine a2) || !a2.equals(Affine.of(col.index()).plus(Affine.of(q.index())))) {
      return null;
    }
    int[] xd = src.shape().dims();
    int kh = p.extent();
    int kw = q.extent();
    if (xd[0] != i.extent() || xd[1] != r.extent() + kh - 1 || xd[2] != col.extent() + kw - 1) {
      return null;
    }
    int planes = i.extent();
    int perExample = planes * kw * xd[1] * col.extent();
    int chunk = Math.max(1, Math.min(WINDOW_PRODUCT_CHUNK_MAX, WINDOW_PRODUCT_CHUNK_NUMBERS / perExample));
    String what = plan.describe(node);
    String packX = x.buffer(plan.nodeBuffer(node, "WindowsPacked", perExample * chunk + 64,
        "an operand of " + what + ", per channel and column shift its input's rows in the order (row, example, column)"
            + " of a chunk of examples"));
    String part = x.buffer(plan.nodeBuffer(node, "Chunk", node.shape().size() * chunk + 64,
        what + " for a chunk of examples, in the order (o, r, example, c)"));
    plan.needDirectRows(planes * kh * kw);
    return new Code.Builder().stmt("@K.windowProduct(%s, %s, %s, %d, %d, %d, %d, %d, %d, batch, %s, %s, ws.packIn, ws.packAt)",
        x.array(nodeK), x.array(src), x.array(node), o.extent(), planes, xd[1], xd[2], kh, kw, packX, part);
  }

  /** How many numbers the rows a {@link #windowInputGradient} packs for a chunk of examples hold at most (512 KB of floats). */
  static final int WINDOW_INPUT_CHUNK_NUMBERS = 131072;

  /** The most examples a {@link #windowInputGradient} packs at a time. */
  static final int WINDOW_INPUT_CHUNK_MAX = 64;

  /**
   * A {@link #fullCorrelation} that is the input gradient of a stride-1 convolution over whole
   * planes, {@code dx[c, i, j] = sum(o, p, q) K[o, c, p, q] * d[o, i - p, j - q]}, {@code K} the
   * same for the batch and read as it is laid out, {@code d} read whole in its order: one call
   * of the runtime's {@code windowInputGradient} for the batch (docs/codegen.md, "Window
   * gradients"), whose products per row of {@code dx} take the examples side by side and only
   * the rows of {@code d} that row reaches. Null otherwise.
   */
  private Code.Builder windowInputGradient(Contraction ct, List<Dim> rowsI, Dim p, Dim q, Dim r, Dim col, IExpr.Read read,
      Node src, int height, int width) {
    Node nodeK = node.input(ct.a().slot());
    if (!windowKernels || rowsI.size() != 1 || ct.reduced().size() != 1 || node.shape().rank() != 3 || plan.isBatched(nodeK)
        || !plan.isBatched(src) || ct.scale() != 1) {
      return null;
    }
    Dim o = ct.reduced().get(0);
    Dim c = rowsI.get(0);
    if (!readsWhole(ct.a(), nodeK, List.of(o, c, p, q)) || !readsWhole(read, src, List.of(o, r, col))) {
      return null;
    }
    int rows = o.extent();
    int planes = c.extent();
    int kh = p.extent();
    int kw = q.extent();
    int perExample = rows * r.extent() * width;
    int chunk = Math.max(1, Math.min(WINDOW_INPUT_CHUNK_MAX, WINDOW_INPUT_CHUNK_NUMBERS / perExample));
    String what = plan.describe(node);
    String weights = x.buffer(plan.nodeBuffer(node, "Weights", planes * kh * rows * kw,
        "the weights of " + what + ", per range of kernel rows that a row of it reaches"));
    String rowsPacked = x.buffer(plan.nodeBuffer(node, "RowsPacked", perExample * chunk + 128,
        "an operand of " + what + ", its rows in the order (o, y, example) of a chunk of examples, zeros before each"));
    String row = x.buffer(plan.nodeBuffer(node, "Row", planes * chunk * width + 64,
        "a row of " + what + " for a chunk of examples"));
    plan.needDirectRows(kh * rows * kw);
    return new Code.Builder().stmt("@K.windowInputGradient(%s, %s, %s, %d, %d, %d, %d, %d, %d, batch, %s, %s, %s, "
        + "ws.packIn, ws.packAt)", x.array(nodeK), x.array(src), x.array(node), rows, planes, height, width, kh, kw,
        weights, rowsPacked, row);
  }

  /**
   * The Vector API side of a {@link Direct} product: {@code A'} packed as for any contraction,
   * then per example the rows of {@code B'} as ({@code x}, offset) pairs in the workspace's
   * {@code packIn} and {@code packAt}, one {@code packedProduct} into {@code packRow}
   * ({@code m} rows of {@code wide}), and each row's runs of {@code C} copied out. The same sums
   * in the same order as the packed product's: the same numbers.
   */
  private Code.Builder directProduct(Contraction ct, Direct dr, String out, Code.Builder decls) {
    Comprehension c = (Comprehension) node.ix();
    fixed = List.of();
    bind(List.of());
    Node nodeA = node.input(ct.a().slot());
    Node nodeB = node.input(ct.b().slot());
    boolean batched = plan.isBatched(node);
    // copyRuns may read a vector past a row's last run: room for it after the last row
    plan.needScratch(1, 1, ct.m() * ct.k(), ct.m() * dr.wide() + 2 * PAD);
    plan.needDirectRows(ct.k());
    String t = kernels.type();
    Code.Builder top = new Code.Builder().stmt("%s[] pa = ws.packA", t).stmt("%s[] cr = ws.packRow", t)
        .stmt("%s[][] pi = ws.packIn", t).stmt("int[] po = ws.packAt");
    Code.Builder perEx = new Code.Builder().addAll(decls.build());
    Code.Builder packA = packA(ct, true);
    (batched && plan.isBatched(nodeA) ? perEx : top).addAll(packA.build());
    // row q of B': B from the point that q's reduced indices read with every column index 0
    List<Dim> order = new ArrayList<>(ct.reduced());
    order.addAll(ct.cols());
    bind(order);
    Code.Builder point = new Code.Builder();
    for (Dim d : ct.cols()) {
      point.stmt("int %s = 0", vars.get(d.index()));
    }
    String arrB = x.array(nodeB);
    List<String> pos = new ArrayList<>();
    ct.b().at().forEach(q -> pos.add(position(q)));
    String from = at(offsets.get(ct.b().slot()), arrB, nodeB.shape().dims(), pos);
    point.stmt("int q = %s", linear(ct.reduced())).stmt("pi[q] = %s", arrB)
        .stmt("po[q] = %s", from.substring(arrB.length() + 1, from.length() - 1));
    (batched && plan.isBatched(nodeB) ? perEx : top).addAll(nest(ct.reduced(), point).build());
    perEx.stmt("@K.packedProduct(pa, pi, po, cr, %d, %d, %d)", ct.m(), dr.wide(), ct.k());
    bind(List.of());
    String arr = x.array(node);
    String to = out.equals("0") ? "ro" : out + " + ro";
    Code.Builder copy = new Code.Builder().stmt("int ro = %s", rowOffset(c.out(), ct));
    if (ct.cols().size() == 1) {
      copy.stmt("System.arraycopy(cr, i * %d, %s, %s, %d)", dr.wide(), arr, to, ct.n());
    } else {
      copy.stmt("@K.copyRuns(cr, i * %d, %d, %s, %s, %d, %d)", dr.wide(), dr.widths()[0], arr, to,
          ct.cols().get(1).extent(), ct.cols().get(0).extent());
    }
    perEx.block("for (int i = 0; i < " + ct.m() + "; i++)", copy);
    return top.addAll(perExample(perEx).build());
  }

  /**
   * A contraction whose {@code B} reads each column index shifted by reduced ones, as the
   * gradient of a convolution with respect to its input reads the output's gradient:
   * {@code dx[i, y, x] = sum(o, p, q) K[o, i, p, q] * d[o, y - p, x - q]} where
   * {@code 0 <= y - p < R}, {@code 0 <= x - q < C}. As a gather ({@link #contraction}) its
   * {@code B'} has the output's {@code 12 x 12} columns and every row {@code (o, p, q)} is a
   * shifted, zero-padded copy of {@code d[o]}: more columns than {@code d} has and many zeros.
   * Scattered instead (col2im): the product over the other reduced indices alone,
   * {@code Z[(i, p, q), (r, c)] = sum(o) K[o, i, p, q] * d[o, r, c]}, whose {@code B'} is
   * {@code d} itself ({@code product}: rows {@code (i, p, q)}, columns {@code span}), then
   * {@code dx[i, r + p, c + q] += Z[(i, p, q), (r, c)]} where the output's position is in range
   * and the definition's guards hold ({@code guards}, over {@code product.rows()} and {@code span}).
   * {@code at}: each column index of the output as an expression of those.
   */
  record Shifted(Contraction product, List<Dim> span, Map<String, Affine> at, List<Cond.OnIndices> guards) {}

  /**
   * {@code ct} as a {@link Shifted} product, when each column index {@code y} of the output
   * appears in one axis of {@code B}, with coefficient 1, at {@code y + e} ({@code e} affine in
   * reduced indices that no other axis of {@code B} reads), every other axis of {@code B} reads
   * only the remaining reduced indices, the guards name none of those, and the scattered product
   * has fewer columns than the gather (the axes of {@code B} are shorter than the output's).
   * Null otherwise.
   */
  private Shifted shifted(Contraction ct, Comprehension c) {
    if (!ct.batch().isEmpty() || ct.scale() != 1) {
      return null;
    }
    Map<String, Dim> colByName = new java.util.LinkedHashMap<>();
    ct.cols().forEach(d -> colByName.put(d.index(), d));
    Map<String, Dim> reducedByName = new java.util.LinkedHashMap<>();
    ct.reduced().forEach(d -> reducedByName.put(d.index(), d));
    List<IndexExpr> pos = ct.b().at();
    int[] shapeB = node.input(ct.b().slot()).shape().dims();
    // each column's axis of B, the reduced indices its position adds (moved to the rows of Z),
    // and the index that runs along that axis in Z's columns
    java.util.Set<String> moved = new java.util.LinkedHashSet<>();
    Map<String, String> spanOfCol = new HashMap<>();
    Map<String, Affine> at = new HashMap<>();
    List<IndexExpr> packedAt = new ArrayList<>();
    for (int a = 0; a < pos.size(); a++) {
      Affine af = (Affine) pos.get(a);
      List<String> colsHere = af.terms().keySet().stream().filter(colByName::containsKey).toList();
      if (colsHere.isEmpty()) {
        packedAt.add(af);
        continue;
      }
      String col = colsHere.get(0);
      if (colsHere.size() > 1 || af.coefficient(col) != 1 || spanOfCol.containsKey(col)) {
        return null;
      }
      Affine rest = af.substitute(col, Affine.constant(0));
      for (String i : rest.terms().keySet()) {
        if (!reducedByName.containsKey(i) || !moved.add(i)) {
          return null;
        }
      }
      String r = "#" + col;                       // not a name a user can write
      spanOfCol.put(col, r);
      at.put(col, Affine.of(r).minus(rest));      // y = r - e
      packedAt.add(Affine.of(r));
    }
    if (spanOfCol.size() != colByName.size() || moved.isEmpty() || moved.size() == reducedByName.size()) {
      return null;
    }
    for (IndexExpr e : packedAt) {
      if (((Affine) e).terms().keySet().stream().anyMatch(moved::contains)) {
        return null;
      }
    }
    // Z's columns: B's axes of the columns, in the columns' order
    List<Dim> span = new ArrayList<>();
    for (Dim d : ct.cols()) {
      int axis = -1;
      for (int a = 0; a < pos.size(); a++) {
        if (((Affine) pos.get(a)).coefficient(d.index()) != 0) {
          axis = a;
        }
      }
      span.add(new Dim(spanOfCol.get(d.index()), shapeB[axis]));
    }
    List<Dim> rows = new ArrayList<>(ct.rows());
    List<Dim> reduced = new ArrayList<>();
    for (Dim d : ct.reduced()) {
      (moved.contains(d.index()) ? rows : reduced).add(d);
    }
    long m = extent(rows);
    long n = extent(span);
    long k = extent(reduced);
    if (n >= ct.n() || n < GROUP || k * n > (1 << 20) || m * k > (1 << 20)) {
      return null;
    }
    // the guards, and the output's range, over Z's rows and columns; none may name the reduced
    // indices that remain (Z's sum has no guards)
    List<Cond.OnIndices> guards = new ArrayList<>();
    for (Cond.OnIndices g : c.guards()) {
      Affine left = g.left();
      Affine right = g.right();
      for (Map.Entry<String, Affine> e : at.entrySet()) {
        left = left.substitute(e.getKey(), e.getValue());
        right = right.substitute(e.getKey(), e.getValue());
      }
      guards.add(new Cond.OnIndices(left, g.cmp(), right));
    }
    for (Dim d : ct.cols()) {
      guards.add(Cond.nonNegative(at.get(d.index())));
      guards.add(new Cond.OnIndices(at.get(d.index()), Cond.Cmp.LT, Affine.constant(d.extent())));
    }
    for (Cond.OnIndices g : guards) {
      if (reduced.stream().anyMatch(d -> g.left().coefficient(d.index()) != 0 || g.right().coefficient(d.index()) != 0)) {
        return null;
      }
    }
    IExpr.Read b = new IExpr.Read(ct.b().slot(), packedAt);
    Contraction product = new Contraction(ct.a(), b, rows, span, reduced, List.of(), List.of(), (int) m, (int) n,
        (int) k, List.of(), 1);
    return new Shifted(product, span, at, guards);
  }

  /**
   * A {@link Shifted} contraction: per example, its output zeroed, {@code Z = A' B'} (the
   * Vector API's packedProduct, or the loops of eight terms a row at a time), then each row of
   * {@code Z} added into the output at its shifted positions, the guards bounding the loops.
   */
  private Code.Builder shiftedProduct(Shifted sh, String out, Code.Builder decls) {
    return shiftedProduct(sh, out, decls, plan.kernelChoice() != KernelChoice.SCALAR);
  }

  /** {@link #shiftedProduct} on the plain Java side alone (the loops of eight terms and the scatter). */
  private Code.Builder scalarShiftedProduct(Shifted sh, String out, Code.Builder decls) {
    return shiftedProduct(sh, out, decls, false);
  }

  private Code.Builder shiftedProduct(Shifted sh, String out, Code.Builder decls, boolean vector) {
    Contraction ct = sh.product();
    Comprehension c = (Comprehension) node.ix();
    Node nodeA = node.input(ct.a().slot());
    Node nodeB = node.input(ct.b().slot());
    boolean batched = plan.isBatched(node);
    int padded = vector ? (ct.n() + PAD - 1) / PAD * PAD : ct.n();
    plan.needScratch(ct.k(), padded, ct.m() * ct.k(), vector ? ct.m() * padded : ct.n());
    String t = kernels.type();
    Code.Builder top = new Code.Builder().stmt("%s[][] pk = ws.pack", t).stmt("%s[] pa = ws.packA", t)
        .stmt("%s[] cr = ws.packRow", t);
    Code.Builder perEx = new Code.Builder().addAll(decls.build());
    (batched && plan.isBatched(nodeA) ? perEx : top).addAll(packA(ct, false).build());
    Code.Builder full = vector && batched && plan.isBatched(nodeB) ? fullCorrelation(sh, decls, out) : null;
    if (full != null) {
      // the Vector API side writes every element itself: its own kernel beside the loops'
      return kernels.vectorOr(full, scalarShiftedProduct(sh, out, decls));
    }
    Code.Builder wide = vector && batched && plan.isBatched(nodeB) ? wideRuns(sh, out) : null;
    Code.Builder packB = packB(ct, "", false);
    if (wide == null) {
      (batched && plan.isBatched(nodeB) ? perEx : top).addAll(packB.build());
    }
    String arr = x.array(node);
    int size = node.shape().size();
    perEx.stmt("java.util.Arrays.fill(%s, %s, %s, 0)", arr, out, out.equals("0") ? Integer.toString(size)
        : out + " + " + size);
    // the scatter of row i of Z (its columns from cr[co])
    List<Dim> order = new ArrayList<>(ct.rows());
    order.addAll(sh.span());
    bind(order);
    List<String> target = new ArrayList<>();
    for (Dim d : c.out()) {
      Affine e = sh.at().get(d.index());
      target.add(e == null ? vars.get(d.index()) : print(e));
    }
    Code.Builder add = new Code.Builder().stmt("%s += cr[co + %s]", at(out, arr, node.shape().dims(), target),
        linear(sh.span()));
    Limits limits = limits(order, sh.guards());
    Code.Builder scatter = loops(sh.span(), sh.span().size(), limits, guarded(limits.tests(), add));
    // with the Vector API, a run along the output's last axis is one addInto (C2 leaves a loop of
    // eight scalar: too short, and its two arrays at different offsets)
    Dim lastSpan = sh.span().get(sh.span().size() - 1);
    Dim lastCol = ct.cols().isEmpty() ? null : c.out().get(c.out().size() - 1);
    Code.Builder vectorScatter = scatter;
    if (limits.tests().isEmpty() && sh.at().containsKey(lastCol.index())
        && sh.at().get(lastCol.index()).coefficient(lastSpan.index()) == 1) {
      String v = vars.get(lastSpan.index());
      String lo = low(limits, lastSpan);
      String hi = high(limits, lastSpan);
      Code.Builder run = new Code.Builder().stmt("int %s = %s", v, lo).stmt("int cn = %s - %s", hi, v)
          .block("if (cn > 0)", new Code.Builder().stmt("@K.addInto(cr, co + %s, %s, %s, cn)", linear(sh.span()), arr,
              at(out, arr, node.shape().dims(), target).replaceFirst("^" + arr + "\\[", "").replaceFirst("]$", "")));
      vectorScatter = loops(sh.span(), sh.span().size() - 1, limits, run);
    }
    String i = linear(ct.rows());
    Code.Builder vectorRows = new Code.Builder().stmt("@K.packedProduct(pa, pk, cr, %d, %d, %d)", ct.m(), padded, ct.k())
        .addAll(loops(ct.rows(), ct.rows().size(), limits,
            new Code.Builder().stmt("int co = (%s) * %d", i, padded).addAll(vectorScatter.build())).build());
    Code.Builder row = new Code.Builder().stmt("int ao = (%s) * %d", i, ct.k());
    rowOfProduct(row, ct.n(), ct.k());
    row.stmt("int co = 0").addAll(scatter.build());
    Code.Builder scalarRows = loops(ct.rows(), ct.rows().size(), limits, row);
    if (wide != null) {
      perEx.addAll(kernels.vectorOr(wide, new Code.Builder().addAll(packB.build()).addAll(scalarRows.build())).build());
    } else {
      perEx.addAll((vector ? kernels.vectorOr(vectorRows, scalarRows) : scalarRows).build());
    }
    return top.addAll(perExample(perEx).build());
  }

  /**
   * The Vector API side of a {@link Shifted} product whose last two columns of {@code Z}
   * ({@code r}, {@code c}: {@code C} long) land in the output {@code W >= C} apart and 1 apart,
   * no guard bounding {@code c} (each row of {@code Z}'s plane lands whole in a row of the output)
   * or left as a test: {@code B'} packed with its rows {@code W} wide, the {@code W - C} numbers
   * after each zero ({@code copyRunsPadded}), so that a row {@code (i, p, q)} of {@code Z} is one
   * run in the output, {@code (r1 - r0 - 1) * W + C} long from row {@code r0}: one
   * {@code addInto} of whole vectors where the narrow columns were {@code R} runs of {@code C}
   * numbers, fewer than a vector on AVX-512 (LeNet's second convolution's input gradient: 150
   * rows of 8 x 8, 1,200 adds of 8 numbers an example, become 150 of 92). What the zeros add
   * lands between the run's numbers, on numbers of the output (adding a zero changes none), so
   * every number of the output is the same sum in the same order. Null when it does not apply.
   */
  private Code.Builder wideRuns(Shifted sh, String out) {
    Contraction ct = sh.product();
    List<Dim> span = sh.span();
    if (span.size() < 2) {
      return null;
    }
    Dim r = span.get(span.size() - 2);
    Dim col = span.get(span.size() - 1);
    Comprehension c = (Comprehension) node.ix();
    int[] dims = node.shape().dims();
    // how far the output's element moves when r or c grows by one
    int w = 0;
    int one = 0;
    int stride = 1;
    for (int a = dims.length - 1; a >= 0; a--) {
      Affine e = sh.at().get(c.out().get(a).index());
      if (e != null) {
        w += e.coefficient(r.index()) * stride;
        one += e.coefficient(col.index()) * stride;
      }
      stride *= dims[a];
    }
    if (one != 1 || w < col.extent()) {
      return null;
    }
    // the guards that hold everywhere (the output's range where Z's plane always lies in it) go
    List<Dim> order = new ArrayList<>(ct.rows());
    order.addAll(span);
    Map<String, Integer> extents = new HashMap<>();
    order.forEach(d -> extents.put(d.index(), d.extent()));
    List<Cond.OnIndices> guards = new ArrayList<>();
    for (Cond.OnIndices g : sh.guards()) {
      if (!always(g, extents)) {
        if (g.left().coefficient(col.index()) != 0 || g.right().coefficient(col.index()) != 0) {
          return null;
        }
        guards.add(g);
      }
    }
    // B' packed wide: for each reduced point and outer column, R runs of C numbers W apart
    IExpr.Read read = ct.b();
    Node src = node.input(read.slot());
    if (plan.isIds(src) || shared.containsKey(read)) {
      return null;
    }
    List<IndexExpr> pos = read.at();
    for (int a = 0; a < pos.size(); a++) {
      if (!(pos.get(a) instanceof Affine af) || af.coefficient(col.index()) != (a == pos.size() - 1 ? 1 : 0)) {
        return null;
      }
    }
    int fromStride = flatCoefficient(read, src, r.index());
    if (fromStride < 0) {
      return null;
    }
    int rows = 1;
    for (Dim d : span.subList(0, span.size() - 2)) {
      rows *= d.extent();
    }
    int n = rows * r.extent() * w;
    int padded = (n + PAD - 1) / PAD * PAD;
    List<Dim> packOrder = new ArrayList<>(ct.reduced());
    packOrder.addAll(span);
    bind(packOrder);
    String arrB = x.array(src);
    List<String> p = new ArrayList<>();
    pos.forEach(q -> p.add(position(q)));
    String from = at(offsets.get(read.slot()), arrB, src.shape().dims(), p);
    Code.Builder runs = new Code.Builder().stmt("int %s = 0", vars.get(r.index())).stmt("int %s = 0", vars.get(col.index()))
        .stmt("@K.copyRunsPadded(%s, %s, %d, pk[%s], %s, %d, %d, %d)", arrB, from.substring(arrB.length() + 1,
            from.length() - 1), fromStride, linear(ct.reduced()), linear(span, w), col.extent(), w, r.extent());
    Code.Builder code = new Code.Builder().addAll(loops(packOrder, packOrder.size() - 2, limits(packOrder, List.of()),
        runs).build());
    // Z = A' B', then each row of Z added into the output as one run per outer column
    code.stmt("@K.packedProduct(pa, pk, cr, %d, %d, %d)", ct.m(), padded, ct.k());
    bind(order);
    Limits limits = limits(order, guards);
    if (!limits.tests().isEmpty() || !low(limits, col).equals("0") || !high(limits, col).equals(Integer.toString(col.extent()))) {
      return null;
    }
    String arr = x.array(node);
    List<String> target = new ArrayList<>();
    for (Dim d : c.out()) {
      Affine e = sh.at().get(d.index());
      target.add(e == null ? vars.get(d.index()) : print(e));
    }
    String v = vars.get(r.index());
    Code.Builder add = new Code.Builder().stmt("int %s = %s", v, low(limits, r)).stmt("int %s = 0", vars.get(col.index()))
        .stmt("int cn = (%s - %s - 1) * %d + %d", high(limits, r), v, w, col.extent())
        .block("if (cn > 0)", new Code.Builder().stmt("@K.addInto(cr, co + %s, %s, %s, cn)", linear(span, w), arr,
            at(out, arr, dims, target).replaceFirst("^" + arr + "\\[", "").replaceFirst("]$", "")));
    plan.needScratch(ct.k(), padded, ct.m() * ct.k(), ct.m() * padded);
    Code.Builder row = new Code.Builder().stmt("int co = (%s) * %d", linear(ct.rows()), padded)
        .addAll(loops(span, span.size() - 2, limits, add).build());
    return code.addAll(loops(ct.rows(), ct.rows().size(), limits, row).build());
  }

  /** Whether {@code g} holds at every point of the indices' ranges ({@code 0 .. extent - 1}). */
  private static boolean always(Cond.OnIndices g, Map<String, Integer> extents) {
    List<Affine> nonNegative = g.asNonNegative();
    if (nonNegative == null) {
      return false;
    }
    for (Affine e : nonNegative) {
      long least = e.constant();
      for (Map.Entry<String, Integer> t : e.terms().entrySet()) {
        Integer extent = extents.get(t.getKey());
        if (extent == null) {
          return false;
        }
        least += t.getValue() < 0 ? (long) t.getValue() * (extent - 1) : 0;
      }
      if (least < 0) {
        return false;
      }
    }
    return true;
  }


  /**
   * The copy of a row of the product from {@code src[from...]} ({@code cr}, or {@code pk[0]}
   * for a transposed {@code B'}) to the output: one {@code System.arraycopy} when the row is
   * contiguous there, else a loop.
   */
  private Code.Builder copyRow(Code.Builder b, String src, String out, String arr, String store, int colStride,
      String from, int n, double scale) {
    String to = out.equals("0") ? "ro" : out + " + ro";
    if (colStride == 1 && scale == 1) {
      return b.stmt("System.arraycopy(%s, %s, %s, %s, %d)", src, from, arr, to, n);
    }
    if (colStride == 1 && kernels.isFloat()) {
      // a float build's row times a constant in double, rounded once: a vector at a time, the
      // same numbers as the loop (attention's scores over sqrt(16): 45 -> 31 us a product)
      return b.stmt("dev.netc.runtime.WideKernels.scaleRun(%s, %s, %s, %s, %d, %s, false)", src, from, arr, to, n,
          value(new IExpr.Const(scale)));
    }
    return b.block("for (int j = 0; j < " + n + "; j++)",
        new Code.Builder().stmt("%s = %s", at(out, arr, store), scaled(src + "[" + from + " + j]", scale)));
  }

  /**
   * The fewest terms per sum for which {@code B'} may be packed transposed (dot products, whose
   * sum across a vector's lanes at the end must be cheap beside them); tests set it to 0.
   */
  static int transposedMinK = 256;

  /**
   * Whether the Vector API side packs {@code B'} transposed ({@link #packTransposedB}): where the
   * sums are at least {@link #transposedMinK} long, no guard zeroes points of {@code B}, and its
   * runs along the last reduced index are longer than those along the last column index.
   */
  private static boolean transposedB(Contraction ct) {
    if (ct.k() < transposedMinK || !ct.guardsB().isEmpty()) {
      return false;
    }
    Dim lastReduced = ct.reduced().get(ct.reduced().size() - 1);
    Dim lastCol = ct.cols().get(ct.cols().size() - 1);
    return runLength(ct.b(), lastReduced) > runLength(ct.b(), lastCol);
  }

  /** How many numbers {@code read} reads in a row along {@code d}: its extent when only the last axis reads it, with coefficient 1; else 1. */
  private static int runLength(IExpr.Read read, Dim d) {
    List<IndexExpr> pos = read.at();
    for (int a = 0; a < pos.size(); a++) {
      if (!(pos.get(a) instanceof Affine af) || af.coefficient(d.index()) != (a == pos.size() - 1 ? 1 : 0)) {
        return 1;
      }
    }
    return d.extent();
  }

  /**
   * The width of a direct weight gradient's sums, or 0: a contraction that packs {@code B'}
   * transposed ({@link #transposedB}) and sums over two indices {@code (r, c)} that move
   * {@code B}'s position by {@code W >= C} and 1 and {@code A}'s by a row and 1 along its last
   * axis, LeNet's first convolution's {@code dK[o, i, p, q] = sum(r, c) d[o, r, c] * x[i, r + p,
   * c + q]}. Each column {@code (i, p, q)}'s sums then read {@code x} from one offset on, as wide
   * as its rows ({@code (R - 1) * W + C} numbers), and {@code A'} packed that wide, zeros between
   * its rows, gives the same terms and zero products: {@code matmulRows} reads {@code x} in
   * place (docs/codegen.md, "Contractions"). At most twice the sums' length, at least a vector.
   * A NaN or an infinity of {@code x} that no window reads in a row past {@code C} makes the
   * sums of the windows that pass over it NaN (times a zero), where the packed sums do not.
   */
  private int directRowsWidth(Contraction ct) {
    if (ct.reduced().size() != 2 || !ct.guardsA().isEmpty() || !ct.guardsB().isEmpty() || ct.scale() != 1) {
      return 0;
    }
    Dim r = ct.reduced().get(0);
    Dim c = ct.reduced().get(1);
    Node srcA = node.input(ct.a().slot());
    Node srcB = node.input(ct.b().slot());
    if (plan.isIds(srcA) || plan.isIds(srcB) || shared.containsKey(ct.a()) || shared.containsKey(ct.b())
        || runLength(ct.a(), c) != c.extent() || flatCoefficient(ct.a(), srcA, r.index()) < 0) {
      return 0;
    }
    int w = flatCoefficient(ct.b(), srcB, r.index());
    if (flatCoefficient(ct.b(), srcB, c.index()) != 1 || w < c.extent()) {
      return 0;
    }
    int wide = w * (r.extent() - 1) + c.extent();
    return wide >= PAD && wide <= 2 * ct.k() ? wide : 0;
  }

  /**
   * {@code pa[m * wide + r * W + c] = A[...]}: a direct weight gradient's {@code A'}, each row's
   * {@code R} runs of {@code C} numbers {@code W} apart with zeros between them
   * ({@code copyRunsPadded}; the last run's zeros are the next row's first numbers, written after).
   */
  private Code.Builder packWideA(Contraction ct, int wide) {
    Dim r = ct.reduced().get(0);
    Dim c = ct.reduced().get(1);
    Node src = node.input(ct.a().slot());
    int w = flatCoefficient(ct.b(), node.input(ct.b().slot()), r.index());
    List<Dim> order = new ArrayList<>(ct.rows());
    order.addAll(ct.reduced());
    bind(order);
    String arr = x.array(src);
    List<String> pos = new ArrayList<>();
    ct.a().at().forEach(q -> pos.add(position(q)));
    String from = at(offsets.get(ct.a().slot()), arr, src.shape().dims(), pos);
    Code.Builder runs = new Code.Builder().stmt("int %s = 0", vars.get(r.index())).stmt("int %s = 0", vars.get(c.index()))
        .stmt("@K.copyRunsPadded(%s, %s, %d, pa, (%s) * %d, %d, %d, %d)", arr, from.substring(arr.length() + 1,
            from.length() - 1), flatCoefficient(ct.a(), src, r.index()), linear(ct.rows()), wide, c.extent(), w,
            r.extent());
    return nest(ct.rows(), runs);
  }

  /** {@code po[n] = } where column {@code n}'s window starts in {@code B}, for a direct weight gradient. */
  private Code.Builder directRowOffsets(Contraction ct) {
    List<Dim> order = new ArrayList<>(ct.cols());
    order.addAll(ct.reduced());
    bind(order);
    Node src = node.input(ct.b().slot());
    String arr = x.array(src);
    Code.Builder point = new Code.Builder();
    for (Dim d : ct.reduced()) {
      point.stmt("int %s = 0", vars.get(d.index()));
    }
    List<String> pos = new ArrayList<>();
    ct.b().at().forEach(q -> pos.add(position(q)));
    String from = at(offsets.get(ct.b().slot()), arr, src.shape().dims(), pos);
    point.stmt("po[%s] = %s", linear(ct.cols()), from.substring(arr.length() + 1, from.length() - 1));
    return nest(ct.cols(), point);
  }

  /**
   * {@code cr[n * K + k] = B[...]}: {@code B'} transposed, one row of {@code K} numbers per point
   * of the columns (the Vector API side only, whose matmulRows takes it as its matrix).
   */
  private Code.Builder packTransposedB(Contraction ct) {
    return packRowMajor(ct.cols(), ct.reduced(), ct.guardsB(), ct.b(), "cr", true);
  }

  /** {@code element} times the contraction's constant factor, in the build's precision. */
  private String scaled(String element, double scale) {
    return scale == 1 ? element : kernels.store(element + " * " + value(new IExpr.Const(scale)));
  }

  /** Row {@code ao / k} of the product into {@code cr[0, width)}: the sum over {@code k}, eight terms a pass. */
  private void rowOfProduct(Code.Builder row, int width, int k) {
    int full = k / GROUP * GROUP;
    if (full == 0) {
      row.block("", group(width, "0", k, "="));
      return;
    }
    row.block("", group(width, "0", GROUP, "="));
    if (full > GROUP) {
      row.block("for (int kk = " + GROUP + "; kk < " + full + "; kk += " + GROUP + ")", group(width, "kk", GROUP, "+="));
    }
    if (full < k) {
      row.block("", group(width, Integer.toString(full), k - full, "+="));
    }
  }

  /** {@code cr[j] op= u0 * q0[j] + ...} for the {@code count} rows of {@code B'} from {@code from}. */
  private Code.Builder group(int width, String from, int count, String op) {
    Code.Builder g = new Code.Builder();
    StringBuilder sum = new StringBuilder();
    for (int q = 0; q < count; q++) {
      String at = from.equals("0") ? Integer.toString(q) : q == 0 ? from : from + " + " + q;
      g.stmt("%s u%d = pa[ao + %s]", kernels.type(), q, at);
      g.stmt("%s[] q%d = pk[%s]", kernels.type(), q, at);
      sum.append(q == 0 ? "" : " + ").append("u").append(q).append(" * q").append(q).append("[j]");
    }
    return g.block("for (int j = 0; j < " + width + "; j++)", new Code.Builder().stmt("cr[j] %s %s", op, sum));
  }

  /**
   * {@code pa[m * K + k] = A[...]}, looping over the rows' indices, then the reduced ones;
   * {@code vector}: for the Vector API side ({@link #boundedCopy}).
   */
  private Code.Builder packA(Contraction ct, boolean vector) {
    return packRowMajor(ct.rows(), ct.reduced(), ct.guardsA(), ct.a(), "pa", vector);
  }

  /**
   * {@code dst[linear(outer, reduced)] = read}: an operand packed row-major over {@code outer}'s
   * indices, then the reduced ones, by copies where {@link #boundedCopy} applies, else a loop
   * (a point where a guard fails is left as it is: the caller zeroes it once).
   */
  private Code.Builder packRowMajor(List<Dim> outer, List<Dim> reduced, List<Cond.OnIndices> guards, IExpr.Read read,
      String dst, boolean vector) {
    List<Dim> order = new ArrayList<>(outer);
    order.addAll(reduced);
    bind(order);
    Code.Builder copy = boundedCopy(order, guards, dst, linear(order), read, true, vector);
    if (copy != null) {
      return copy;
    }
    Code.Builder transposed = vector && guards.isEmpty() ? transposedPack(order, read, dst) : null;
    if (transposed != null) {
      return transposed;
    }
    return new Code.Builder().addAll(bounded(order, guards, new Code.Builder().stmt("%s[%s] = %s", dst, linear(order),
        kernels.store(Kernels.unwrap(value(read))))).build());
  }

  /**
   * {@code dst[i * k + q] = read} where the read moves by 1 along {@code i} and by a stride along
   * {@code q} ({@code order = [i, q]}): a block of the operand transposed, as one call of the
   * runtime's {@code transpose}, its rows read in order (attention's gradients through the
   * scores and the values pack {@code p[h, t, u]} as rows of {@code u}: 16 x 16 numbers a head,
   * 44 -> 35 us a step in the transformer against the loop). Null where the pack is not of that
   * form.
   */
  private Code.Builder transposedPack(List<Dim> order, IExpr.Read read, String dst) {
    Node src = node.input(read.slot());
    if (order.size() != 2 || plan.isIds(src) || read.at().stream().anyMatch(e -> !(e instanceof Affine))) {
      return null;
    }
    Dim i = order.get(0);
    Dim q = order.get(1);
    int stride = flatCoefficient(read, src, q.index());
    if (flatCoefficient(read, src, i.index()) != 1 || stride < i.extent()) {
      return null;
    }
    String v = value(read);
    if (!v.startsWith(kernels.wide())) {
      return null;
    }
    String inArray = x.array(src);
    Code.Builder b = new Code.Builder().stmt("int %s = 0", vars.get(i.index())).stmt("int %s = 0", vars.get(q.index()))
        .stmt("@K.transpose(%s, %s, %d, %s, 0, %d, %d)", inArray, element(v.substring(kernels.wide().length()), inArray),
            stride, dst, i.extent(), q.extent());
    return new Code.Builder().block("", b);
  }

  /** {@code pk[k][n] = B[...]}, looping over the reduced indices, then the columns' ones. */
  private Code.Builder packB(Contraction ct, String column, boolean vector) {
    List<Dim> order = new ArrayList<>(ct.reduced());
    order.addAll(ct.cols());
    bind(order);
    // a run along the last reduced index (no columns: a matrix times a vector) crosses rows of pk
    Code.Builder copy = ct.cols().isEmpty() ? null
        : boundedCopy(order, ct.guardsB(), "pk[" + linear(ct.reduced()) + "]", column + linear(ct.cols()), ct.b(),
            ct.cols().size() >= 2, vector);
    if (copy != null) {
      return copy;
    }
    Code.Builder b = new Code.Builder();
    String at = "pk[" + linear(ct.reduced()) + "][" + column + linear(ct.cols()) + "]";
    return b.addAll(bounded(order, ct.guardsB(), new Code.Builder().stmt("%s = %s", at,
        kernels.store(Kernels.unwrap(value(ct.b()))))).build());
  }

  /** The row-major number of the point of {@code dims}, in their loop variables. */
  private String linear(List<Dim> dims) {
    return dims.isEmpty() ? "" : linear(dims, dims.get(dims.size() - 1).extent());
  }

  /** {@link #linear} with the last dim's rows {@code width} wide ({@link #wideRuns}' packed columns). */
  private String linear(List<Dim> dims, int width) {
    List<String> terms = new ArrayList<>();
    int stride = 1;
    for (int d = dims.size() - 1; d >= 0; d--) {
      String v = vars.get(dims.get(d).index());
      terms.add(0, stride == 1 ? v : v + " * " + stride);
      stride *= d == dims.size() - 1 ? width : dims.get(d).extent();
    }
    return String.join(" + ", terms);
  }

  /**
   * Whether a sum is better computed a row at a time: the reduction loops outside the last
   * output axis, each point adding into a contiguous row of the output (a direct convolution:
   * {@code y[o, r, c] += K[o, i, p, q] * x[i, r + p, c + q]} over {@code c} innermost), which C2
   * vectorizes, instead of a short scalar reduction per element. Chosen when the last output
   * axis is at least 8 long and longer than the innermost reduced one.
   */
  private static boolean rowAccumulation(Comprehension c) {
    if (c.reducer() != Reducer.SUM || c.out().isEmpty()) {
      return false;
    }
    int last = c.out().get(c.out().size() - 1).extent();
    int inner = c.reduced().get(c.reduced().size() - 1).extent();
    return last >= 8 && last > inner;
  }

  //   zero y; for o, r: for i, p, q (bounded by the guards): for c: y[o, r, c] += body
  private void rowAccumulation(Comprehension c, String out, Code.Builder body) {
    List<Dim> order = new ArrayList<>(c.out().subList(0, c.out().size() - 1));
    order.addAll(c.reduced());
    order.add(c.out().get(c.out().size() - 1));
    bind(order);
    String arr = x.array(node);
    body.block("for (int k0 = 0; k0 < " + node.shape().size() + "; k0++)", new Code.Builder().stmt("%s = 0", at(out, arr, "k0")));
    String at = at(out, arr, node.shape().dims(), positions(c.out()));
    Code.Builder rows = plan.kernelChoice() == KernelChoice.SCALAR ? null : rowCalls(c, order, out, arr);
    Code.Builder add = new Code.Builder();
    shareRepeated(c.body(), add);
    add.stmt("%s += %s", at, kernels.store(Kernels.unwrap(value(c.body()))));
    shared.clear();
    Code.Builder scalar = bounded(order, c.guards(), add);
    body.addAll((rows == null ? scalar : kernels.vectorOr(rows, scalar)).build());
  }

  /**
   * The Vector API side of a {@link #rowAccumulation} without guards whose body is one read, or
   * the product of two, each running along its last axis with the output's last index: one call
   * per row, {@code addInto(a, from, y, at, n)} or {@code fmaInto(a, ao, b, bo, y, at, n)}, where
   * the loop of the scalar side keeps C2 scalar (its arrays' offsets differ) and converts each
   * term to double and back. A bias's or a layer norm's scale's gradient summed over positions
   * (the transformer's {@code sum(t) da[t, d] * n[t, d]}) is such. Null otherwise.
   */
  private Code.Builder rowCalls(Comprehension c, List<Dim> order, String out, String arr) {
    Dim last = c.out().get(c.out().size() - 1);
    List<IExpr.Read> reads = new ArrayList<>();
    if (c.body() instanceof IExpr.Read r) {
      reads.add(r);
    } else if (c.body() instanceof IExpr.Apply ap && ap.op() == dev.netc.compiler.ops.Scalar.MUL
        && ap.args().get(0) instanceof IExpr.Read r0 && ap.args().get(1) instanceof IExpr.Read r1) {
      reads.add(r0);
      reads.add(r1);
    }
    if (reads.isEmpty() || !c.guards().isEmpty()) {
      return null;
    }
    List<String> args = new ArrayList<>();
    for (IExpr.Read r : reads) {
      Node src = node.input(r.slot());
      if (plan.isIds(src) || runLength(r, last) != last.extent()) {
        return null;
      }
      List<String> p = new ArrayList<>();
      r.at().forEach(q -> p.add(position(q)));
      String a = x.array(src);
      String from = at(offsets.get(r.slot()), a, src.shape().dims(), p);
      args.add(a);
      args.add(from.substring(a.length() + 1, from.length() - 1));
    }
    String y = at(out, arr, node.shape().dims(), positions(c.out()));
    args.add(arr);
    args.add(y.substring(arr.length() + 1, y.length() - 1));
    args.add(Integer.toString(last.extent()));
    Code.Builder call = new Code.Builder().stmt("int %s = 0", vars.get(last.index()))
        .stmt("@K.%s(%s)", reads.size() == 1 ? "addInto" : "fmaInto", String.join(", ", args));
    List<Dim> outer = order.subList(0, order.size() - 1);
    return loops(outer, outer.size(), limits(outer, List.of()), call);
  }

  private void scatter(Scatter s, String out, Code.Builder body) {
    bind(s.domain());
    String arr = x.array(node);
    int size = node.shape().size();
    body.block("for (int k0 = 0; k0 < " + size + "; k0++)", new Code.Builder().stmt("%s = 0", at(out, arr, "k0")));
    List<String> pos = new ArrayList<>();
    for (IndexExpr e : s.target()) {
      pos.add(position(e));
    }
    Code.Builder add = new Code.Builder();
    shareRepeated(s.value(), add);
    add.stmt("%s += %s", at(out, arr, node.shape().dims(), pos), kernels.store(Kernels.unwrap(value(s.value()))));
    shared.clear();
    Code.Builder scalar = bounded(s.domain(), s.guards(), add);
    Code.Builder rows = scatterRows(s, out, arr, pos);
    body.addAll((rows == null ? scalar : kernels.vectorOr(rows, scalar)).build());
  }

  /**
   * The Vector API side of a {@link #scatter} without guards whose value is one read running
   * along the domain's last index, as the target's last position does (that index alone, which
   * no other position mentions): one {@code addInto(a, from, y, at, n)} per row, where the loop
   * of the scalar side stays scalar (C2 leaves it so, its arrays' offsets differing). An
   * embedding's gradient, {@code dE[tok[t], d] += dx[t, d]}, is such: the same sums in the same
   * order, to the bit. Null otherwise.
   */
  private Code.Builder scatterRows(Scatter s, String out, String arr, List<String> pos) {
    List<IndexExpr> target = s.target();
    if (s.domain().isEmpty() || target.isEmpty()) {
      return null;
    }
    Dim last = s.domain().get(s.domain().size() - 1);
    if (!s.guards().isEmpty() || !(s.value() instanceof IExpr.Read r)
        || !(target.get(target.size() - 1) instanceof Affine a) || !last.index().equals(a.single())) {
      return null;
    }
    for (IndexExpr e : target.subList(0, target.size() - 1)) {
      if (mentions(e, last.index())) {
        return null;
      }
    }
    Node src = node.input(r.slot());
    if (plan.isIds(src) || runLength(r, last) != last.extent()) {
      return null;
    }
    List<String> p = new ArrayList<>();
    r.at().forEach(q -> p.add(position(q)));
    String from = at(offsets.get(r.slot()), x.array(src), src.shape().dims(), p);
    String y = at(out, arr, node.shape().dims(), pos);
    Code.Builder call = new Code.Builder().stmt("int %s = 0", vars.get(last.index()))
        .stmt("@K.addInto(%s, %s, %s, %s, %d)", x.array(src), inside(from), arr, inside(y), last.extent());
    List<Dim> outer = s.domain().subList(0, s.domain().size() - 1);
    return loops(outer, outer.size(), limits(outer, List.of()), call);
  }

  /** What is between the brackets of {@code a[...]}. */
  private static String inside(String element) {
    return element.substring(element.indexOf('[') + 1, element.length() - 1);
  }


  private void bind(List<Dim> domain) {
    vars.clear();
    List<Dim> all = new ArrayList<>(fixed);
    all.addAll(domain);
    for (int k = 0; k < all.size(); k++) {
      vars.put(all.get(k).index(), "k" + k);
    }
  }

  /** {@code body} inside one loop per dim, outermost first. */
  private Code.Builder nest(List<Dim> dims, Code.Builder body) {
    Code.Builder b = body;
    for (int k = dims.size() - 1; k >= 0; k--) {
      String v = vars.get(dims.get(k).index());
      b = new Code.Builder().block("for (int " + v + " = 0; " + v + " < " + dims.get(k).extent() + "; " + v + "++)", b);
    }
    return b;
  }

  /**
   * {@code body} for the points of {@code dims} where every guard holds, skipping the others:
   * a guard whose last variable in loop order is one of {@code dims} becomes a bound of that
   * loop ({@code 0 <= u - p < R} gives {@code p} from {@code max(0, u - R + 1)} to
   * {@code min(kh, u + 1)}), so the loop does not test it per point; the rest are tests.
   */
  private Code.Builder bounded(List<Dim> dims, List<Cond.OnIndices> guards, Code.Builder body) {
    Limits limits = limits(dims, guards);
    return loops(dims, dims.size(), limits, guarded(limits.tests(), body));
  }

  /**
   * The lower and upper bounds that guards put on the loop variables of {@code dims} (printed, each
   * on the last index of its guard in loop order), and the guards left as tests inside the nest.
   */
  private record Limits(Map<String, List<String>> lower, Map<String, List<String>> upper, List<Cond.OnIndices> tests) {}

  private Limits limits(List<Dim> dims, List<Cond.OnIndices> guards) {
    List<String> order = new ArrayList<>(vars.keySet().stream().sorted((a, b) ->
        Integer.compare(Integer.parseInt(vars.get(a).substring(1)), Integer.parseInt(vars.get(b).substring(1)))).toList());
    Map<String, List<String>> lower = new HashMap<>();
    Map<String, List<String>> upper = new HashMap<>();
    List<Cond.OnIndices> tests = new ArrayList<>();
    for (Cond.OnIndices g : guards) {
      List<Affine> nonNegative = g.asNonNegative();
      String last = null;
      if (nonNegative != null) {
        for (Affine e : nonNegative) {
          for (String i : e.terms().keySet()) {
            if (last == null || order.indexOf(i) > order.indexOf(last)) {
              last = i;
            }
          }
        }
      }
      String v = last;
      if (v == null || dims.stream().noneMatch(d -> d.index().equals(v))) {
        tests.add(g);
        continue;
      }
      for (Affine e : nonNegative) {
        int c = e.coefficient(v);
        Affine rest = e.substitute(v, Affine.constant(0));
        if (c > 0) {            // c v + rest >= 0  <=>  v >= ceil(-rest / c)
          lower.computeIfAbsent(v, k -> new ArrayList<>()).add(c == 1 ? print(rest.times(-1))
              : "-Math.floorDiv(" + print(rest) + ", " + c + ")");
        } else if (c < 0) {     // rest >= |c| v  <=>  v < floor(rest / |c|) + 1
          upper.computeIfAbsent(v, k -> new ArrayList<>()).add(c == -1 ? print(rest.plus(Affine.constant(1)))
              : "Math.floorDiv(" + print(rest) + ", " + (-c) + ") + 1");
        } else {
          tests.add(g);
          break;
        }
      }
    }
    return new Limits(lower, upper, tests);
  }

  private static String low(Limits limits, Dim d) {
    String lo = "0";
    for (String l : limits.lower().getOrDefault(d.index(), List.of())) {
      if (!l.matches("-?\\d+") || Integer.parseInt(l) > 0) {     // a bound of 0 or less says nothing
        lo = lo.equals("0") ? "Math.max(0, " + l + ")" : "Math.max(" + lo + ", " + l + ")";
      }
    }
    return lo;
  }

  private static String high(Limits limits, Dim d) {
    String hi = Integer.toString(d.extent());
    for (String u : limits.upper().getOrDefault(d.index(), List.of())) {
      if (!u.matches("-?\\d+") || Integer.parseInt(u) < d.extent()) {
        hi = "Math.min(" + hi + ", " + u + ")";
      }
    }
    return hi;
  }

  /** The loops over the first {@code count} of {@code dims}, within their limits, around {@code body}. */
  private Code.Builder loops(List<Dim> dims, int count, Limits limits, Code.Builder body) {
    Code.Builder b = body;
    for (int k = count - 1; k >= 0; k--) {
      Dim d = dims.get(k);
      String v = vars.get(d.index());
      b = new Code.Builder().block("for (int " + v + " = " + low(limits, d) + "; " + v + " < " + high(limits, d) + "; "
          + v + "++)", b);
    }
    return b;
  }

  /**
   * {@code bounded(dims, guards, dst[at] = read)} with its innermost loop as one
   * {@code System.arraycopy} of each run: when the last of {@code dims} is the read's last axis
   * (coefficient 1, no other axis mentions it) and {@code at}'s stride-1 term, no guard is left
   * as a test, and the read is of the build's numbers (not ids). The packing of a convolution's
   * operand is such runs (a row of an image's window); C2 leaves the loop scalar, as its two
   * arrays have different offsets. Null when it does not apply.
   */
  private Code.Builder boundedCopy(List<Dim> dims, List<Cond.OnIndices> guards, String dst, String at, IExpr.Read read,
      boolean joined, boolean vector) {
    Dim last = dims.get(dims.size() - 1);
    Node src = node.input(read.slot());
    if (plan.isIds(src) || shared.containsKey(read)) {
      return null;
    }
    List<IndexExpr> pos = read.at();
    for (int a = 0; a < pos.size(); a++) {
      if (!(pos.get(a) instanceof Affine af) || af.coefficient(last.index()) != (a == pos.size() - 1 ? 1 : 0)) {
        return null;
      }
    }
    Limits limits = limits(dims, guards);
    if (!limits.tests().isEmpty()) {
      return null;
    }
    String arr = x.array(src);
    List<String> p = new ArrayList<>();
    pos.forEach(q -> p.add(position(q)));
    String from = at(offsets.get(read.slot()), arr, src.shape().dims(), p);
    String v = vars.get(last.index());
    String lo = low(limits, last);
    String hi = high(limits, last);
    Code.Builder copy = new Code.Builder().stmt("int %s = %s", v, lo);
    String count = hi.equals(Integer.toString(last.extent())) && lo.equals("0") ? hi : "cn";
    if (!count.equals(hi)) {
      copy.stmt("int cn = %s - %s", hi, v);
    }
    String fromIndex = from.substring(arr.length() + 1, from.length() - 1);
    // the runs of the loop around the last index, when they lie one after another in dst and
    // no guard shortens one: one copy of them all where they do in the source too (a row of a
    // matrix); on the Vector API side, copyRuns where each is short (System.arraycopy's call
    // costs more than copying the five numbers of a window's row). copyRuns may write past a
    // run, which only an operand without guards allows: what follows in the packed operand is
    // written next, or is padding
    Dim outer = joined && dims.size() >= 2 && count.equals(hi) ? dims.get(dims.size() - 2) : null;
    int stride = outer == null ? -1 : flatCoefficient(read, src, outer.index());
    if (outer != null && !(low(limits, outer).equals("0") && high(limits, outer).equals(Integer.toString(outer.extent())))) {
      outer = null;
    }
    if (outer != null && stride == last.extent()) {
      Code.Builder whole = new Code.Builder().stmt("int %s = 0", vars.get(outer.index())).addAll(copy.build())
          .stmt("System.arraycopy(%s, %s, %s, %s, %d)", arr, fromIndex, dst, at, outer.extent() * last.extent());
      return loops(dims, dims.size() - 2, limits, dims.size() == 2 ? new Code.Builder().block("", whole) : whole);
    }
    if (outer != null && vector && guards.isEmpty() && stride >= 0 && last.extent() <= SHORT_RUN) {
      Code.Builder runs = new Code.Builder().stmt("int %s = 0", vars.get(outer.index())).addAll(copy.build());
      if (outer.extent() <= UNROLLED_RUNS) {
        // a window's few rows as one statement each: C2 has no loop over them to leave rolled
        int n = last.extent();
        runs.stmt("%s[] rq = %s", kernels.type(), dst).stmt("int rs = %s", fromIndex).stmt("int rd = %s", at);
        for (int r = 0; r < outer.extent(); r++) {
          runs.stmt("@K.copyRun(%s, %s, rq, %s, %d)", arr, r == 0 ? "rs" : "rs + " + r * stride,
              r == 0 ? "rd" : "rd + " + r * n, n);
        }
      } else {
        runs.stmt("@K.copyRuns(%s, %s, %d, %s, %s, %s, %d)", arr, fromIndex, stride, dst, at, count, outer.extent());
      }
      return loops(dims, dims.size() - 2, limits, dims.size() == 2 ? new Code.Builder().block("", runs) : runs);
    }
    Code.Builder call = new Code.Builder().stmt("System.arraycopy(%s, %s, %s, %s, %s)", arr, fromIndex, dst, at, count);
    if (count.equals("cn")) {
      copy.block("if (cn > 0)", call);
    } else {
      copy.addAll(call.build());
    }
    return loops(dims, dims.size() - 1, limits, copy);
  }

  /** How far {@code read}'s element moves in {@code src}'s array when {@code index} grows by one. */
  private static int flatCoefficient(IExpr.Read read, Node src, String index) {
    int[] dims = src.shape().dims();
    int stride = 1;
    int c = 0;
    for (int a = dims.length - 1; a >= 0; a--) {
      c += ((Affine) read.at().get(a)).coefficient(index) * stride;
      stride *= dims[a];
    }
    return c;
  }


  private Code.Builder guarded(List<Cond.OnIndices> guards, Code.Builder body) {
    return guards.isEmpty() ? body : new Code.Builder().block("if (" + guards(guards) + ")", body);
  }

  private String guards(List<Cond.OnIndices> guards) {
    List<String> parts = new ArrayList<>();
    for (Cond.OnIndices g : guards) {
      parts.add(condition(g));
    }
    return String.join(" && ", parts);
  }

  private String condition(Cond c) {
    if (c instanceof Cond.OnIndices i) {
      return print(i.left()) + " " + i.cmp().symbol() + " " + print(i.right());
    }
    Cond.OnValues v = (Cond.OnValues) c;
    return value(v.left()) + " " + v.cmp().symbol() + " " + value(v.right());
  }

  /** The element of the node's input or output {@code arr} at row-major {@code pos}. */
  private String at(String offset, String arr, int[] dims, List<String> pos) {
    StringBuilder flat = new StringBuilder();
    int stride = 1;
    List<String> terms = new ArrayList<>();
    for (int a = dims.length - 1; a >= 0; a--) {
      String p = pos.get(a);
      if (!p.equals("0")) {
        terms.add(0, stride == 1 ? p : "(" + p + ") * " + stride);
      }
      stride *= dims[a];
    }
    flat.append(terms.isEmpty() ? "0" : String.join(" + ", terms));
    return at(offset, arr, flat.toString());
  }

  private static String at(String offset, String arr, String flat) {
    if (offset.equals("0")) {
      return arr + "[" + flat + "]";
    }
    return arr + "[" + offset + (flat.equals("0") ? "" : " + " + flat) + "]";
  }

  private List<String> positions(List<Dim> dims) {
    List<String> p = new ArrayList<>();
    dims.forEach(d -> p.add(vars.get(d.index())));
    return p;
  }

  private String position(IndexExpr e) {
    if (e instanceof Affine a) {
      return print(a);
    }
    IndexExpr.DataIndex d = (IndexExpr.DataIndex) e;
    List<String> p = new ArrayList<>();
    d.at().forEach(q -> p.add(position(q)));
    Node t = node.input(d.slot());
    String read = "(int) " + at(offsets.get(d.slot()), x.array(t), t.shape().dims(), p);
    String o = print(d.offset());
    return o.equals("0") ? read : "(" + read + " + " + o + ")";
  }

  /** An affine expression of the loop variables, as int arithmetic. */
  private String print(Affine a) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Integer> t : a.terms().entrySet()) {
      int c = t.getValue();
      String v = vars.get(t.getKey());
      if (s.length() > 0) {
        s.append(c < 0 ? " - " : " + ");
      } else if (c < 0) {
        s.append('-');
      }
      s.append(Math.abs(c) == 1 ? v : Math.abs(c) + " * " + v);
    }
    if (s.length() == 0) {
      return Integer.toString(a.constant());
    }
    if (a.constant() != 0) {
      s.append(a.constant() < 0 ? " - " : " + ").append(Math.abs(a.constant()));
    }
    return s.toString();
  }

  /**
   * Declares into {@code into} one local for each function application that {@code e} computes
   * more than once (a derivative such as gelu's repeats {@code tanh(...)} three times; C2 does not
   * merge the calls), innermost first, so that {@link #value} prints each once. Nothing under a
   * {@code select} is shared: only its chosen branch may be evaluated.
   */
  private void shareRepeated(IExpr e, Code.Builder into) {
    shared.clear();
    Map<IExpr, Integer> count = new HashMap<>();
    countApplications(e, count, hoisted.keySet());
    List<IExpr> order = new ArrayList<>();
    postOrder(e, count, order, hoisted.keySet());
    for (IExpr a : order) {
      if (shared.size() == MAX_SHARED) {
        break;
      }
      String name = "sh" + shared.size();
      into.stmt("double %s = %s", name, Kernels.unwrap(value(a)));
      shared.put(a, name);
    }
  }

  /** How often each application occurs, counting the inside of a repeated one once. */
  /**
   * The statements that compute, once per row of the output (before the loop of its last axis),
   * each largest application in {@code body} that does not depend on that axis, as the locals
   * {@code rw0, rw1, ...} that {@link #value} then prints for them: layer_norm's
   * {@code x[t, d] / sqrt(var[t] + eps)} computes its square root once per {@code t}, not once per
   * element (C2 does not move a call of Math.sqrt out of the loop itself). Nothing under a
   * {@code select} is moved (only the chosen branch may be evaluated), nor a bare read or
   * constant. Null when there is nothing to move.
   */
  private Code.Builder hoist(IExpr body, List<Dim> out) {
    String last = out.get(out.size() - 1).index();
    List<IExpr> found = new ArrayList<>();
    invariant(body, last, found);
    if (found.isEmpty()) {
      return null;
    }
    Code.Builder b = new Code.Builder();
    for (IExpr a : found) {
      String name = "rw" + hoisted.size();
      b.stmt("double %s = %s", name, Kernels.unwrap(value(a)));
      hoisted.put(a, name);
    }
    return b;
  }

  /**
   * In a float build with the Vector API, a row of {@code c} whose body is a read along the last
   * axis times, or over, a value {@link #hoist} computed once per row ({@code rw0}), as one call
   * of the runtime's {@code WideKernels.scaleRun}: layer norm's {@code x / sqrt(var + eps)} and
   * its gradient's {@code dn * (1 / sqrt(var + eps))}, softmax's gradient over its sum. The loop
   * widens each float to double, which C2 on JDK 17 leaves scalar, a chain through the
   * conversion's register (the transformer's seven such rows: 12% of its step); the kernel
   * computes the same numbers a vector at a time. {@code at} is the output's element; null
   * where the body is not of that form.
   */
  private Code.Builder scaledRun(Comprehension c, String at) {
    if (!kernels.isFloat() || plan.kernelChoice() == KernelChoice.SCALAR || !c.guards().isEmpty()
        || !(c.body() instanceof IExpr.Apply a) || a.args().size() != 2) {
      return null;
    }
    boolean divide = a.op() == dev.netc.compiler.ops.Scalar.DIV;
    if (!divide && a.op() != dev.netc.compiler.ops.Scalar.MUL) {
      return null;
    }
    IExpr first = a.args().get(0);
    IExpr second = a.args().get(1);
    IExpr.Read read;
    String scale;
    Dim last = c.out().get(c.out().size() - 1);
    if (first instanceof IExpr.Read r && hoisted.containsKey(second)) {
      read = r;
      scale = hoisted.get(second);
    } else if (!divide && second instanceof IExpr.Read r && hoisted.containsKey(first)) {
      read = r;
      scale = hoisted.get(first);
    } else if (first instanceof IExpr.Read r && rowConstant(second, last)) {
      read = r;
      scale = Kernels.unwrap(value(second));
    } else if (!divide && second instanceof IExpr.Read r && rowConstant(first, last)) {
      read = r;
      scale = Kernels.unwrap(value(first));
    } else {
      return null;
    }
    List<IndexExpr> p = read.at();
    if (plan.isIds(node.input(read.slot())) || p.isEmpty() || !(p.get(p.size() - 1) instanceof Affine along)
        || along.coefficient(last.index()) != 1 || p.subList(0, p.size() - 1).stream().anyMatch(q -> mentions(q, last.index()))) {
      return null;
    }
    String v = value(read);
    if (!v.startsWith(kernels.wide())) {
      return null;
    }
    // the run starts where the last axis's index is 0
    String in = v.substring(kernels.wide().length());
    String inArray = x.array(node.input(read.slot()));
    String outArray = x.array(node);
    return new Code.Builder().stmt("int %s = 0", vars.get(last.index()))
        .stmt("dev.netc.runtime.WideKernels.scaleRun(%s, %s, %s, %s, %d, %s, %s)", inArray, element(in, inArray),
            outArray, element(at, outArray), last.extent(), scale, divide);
  }

  /**
   * Whether {@code e} is a read of a number that does not change along {@code last} (and not of
   * ids): {@link #scaledRun}'s scale, read once per row.
   */
  private boolean rowConstant(IExpr e, Dim last) {
    return e instanceof IExpr.Read r && !mentions(r, last.index()) && !plan.isIds(node.input(r.slot()));
  }

  /** The shortest run that {@link #summedRun} sums with the Vector API. */
  private static final int SUMMED_RUN_MIN = 32;

  /**
   * In a float build with the Vector API, a sum of one read whose reduced indices run over a
   * contiguous run of it ({@code sum(r, c) d[o, r, c]}, a convolution's bias gradient: 24 x 24
   * numbers a channel in LeNet's first) as one call of the runtime's {@code WideKernels.sumRun}
   * per element, the sum in double rounded once, as the loops' (in another order: docs/codegen.md).
   * The loops widen each float to double and add it into one of four accumulators, scalar (LeNet's
   * first bias gradient took 0.07 ms a step so). Null where the sum is not of that form or its run
   * is shorter than {@link #SUMMED_RUN_MIN}.
   */
  private Code.Builder summedRun(Comprehension c, String at) {
    String[] run = contiguousRun(c, SUMMED_RUN_MIN);
    return run == null ? null
        : reducedAtZero(c).stmt("%s = dev.netc.runtime.WideKernels.sumRun(%s, %s, %s)", at, run[0], run[1], run[2]);
  }

  /**
   * In a float build with the Vector API, a max (min) of one read whose reduced indices run over a
   * contiguous run of it at least a vector long (softmax's row maximum over 16 scores) as one call
   * of the runtime's {@code WideKernels.extremeRun} per element: the same number as the loops',
   * a vector at a time. Null where the reduction is not of that form.
   */
  private Code.Builder extremeRun(Comprehension c, String at, boolean max) {
    String[] run = contiguousRun(c, PAD);
    return run == null ? null : reducedAtZero(c).stmt("%s = dev.netc.runtime.WideKernels.extremeRun(%s, %s, %s, %s)", at,
        run[0], run[1], run[2], Boolean.toString(max));
  }

  /**
   * For a reduction in a float build with the Vector API whose body is one read, its reduced
   * indices running over a contiguous run of it at least {@code min} long: the array, the
   * element where the run starts (the reduced indices at 0) and the run's length; else null.
   */
  private String[] contiguousRun(Comprehension c, int min) {
    if (!kernels.isFloat() || plan.kernelChoice() == KernelChoice.SCALAR || !c.guards().isEmpty()
        || !(c.body() instanceof IExpr.Read read)) {
      return null;
    }
    Node src = node.input(read.slot());
    if (plan.isIds(src) || read.at().stream().anyMatch(e -> !(e instanceof Affine))) {
      return null;
    }
    int run = 1;
    for (int d = c.reduced().size() - 1; d >= 0; d--) {
      Dim r = c.reduced().get(d);
      if (flatCoefficient(read, src, r.index()) != run) {
        return null;
      }
      run *= r.extent();
    }
    String v = value(read);
    if (run < min || !v.startsWith(kernels.wide())) {
      return null;
    }
    String inArray = x.array(src);
    return new String[] {inArray, element(v.substring(kernels.wide().length()), inArray), Integer.toString(run)};
  }

  /** The reduced indices' loop variables declared at 0, where a run over them starts. */
  private Code.Builder reducedAtZero(Comprehension c) {
    Code.Builder b = new Code.Builder();
    for (Dim r : c.reduced()) {
      b.stmt("int %s = 0", vars.get(r.index()));
    }
    return b;
  }

  /** The index inside {@code array[...]}. */
  private static String element(String access, String array) {
    return access.substring(array.length() + 1, access.length() - 1);
  }

  /** Adds to {@code found} the largest applications in {@code e}, outside selects, that do not mention {@code index}. */
  private static void invariant(IExpr e, String index, List<IExpr> found) {
    if (!(e instanceof IExpr.Apply a) || found.size() == MAX_SHARED) {
      return;
    }
    if (!mentions(a, index)) {
      if (!found.contains(a)) {
        found.add(a);
      }
      return;
    }
    a.args().forEach(q -> invariant(q, index, found));
  }

  /** Whether {@code e}'s value depends on the loop index {@code index}. */
  private static boolean mentions(IExpr e, String index) {
    if (e instanceof IExpr.Read r) {
      return r.at().stream().anyMatch(p -> mentions(p, index));
    } else if (e instanceof IExpr.IndexValue v) {
      return v.index().coefficient(index) != 0;
    } else if (e instanceof IExpr.Apply a) {
      return a.args().stream().anyMatch(q -> mentions(q, index));
    } else if (e instanceof IExpr.Select s) {
      return true; // never moved (see hoist)
    }
    return false;
  }

  private static boolean mentions(IndexExpr p, String index) {
    if (p instanceof Affine af) {
      return af.coefficient(index) != 0;
    }
    IndexExpr.DataIndex d = (IndexExpr.DataIndex) p;
    return d.offset().coefficient(index) != 0 || d.at().stream().anyMatch(q -> mentions(q, index));
  }

  /** Counts each application in {@code e}, not looking into those in {@code stop} (computed already). */
  private static void countApplications(IExpr e, Map<IExpr, Integer> count, java.util.Set<IExpr> stop) {
    if (e instanceof IExpr.Apply a && !stop.contains(a) && count.merge(a, 1, Integer::sum) == 1) {
      a.args().forEach(q -> countApplications(q, count, stop));
    }
  }

  /** The repeated applications that call a function, children before parents. */
  private static void postOrder(IExpr e, Map<IExpr, Integer> count, List<IExpr> order, java.util.Set<IExpr> stop) {
    if (!(e instanceof IExpr.Apply a) || order.contains(a) || stop.contains(a)) {
      return;
    }
    a.args().forEach(q -> postOrder(q, count, order, stop));
    if (count.getOrDefault(a, 0) > 1 && !order.contains(a)
        && Character.isLetter(a.op().java(java.util.Collections.nCopies(a.args().size(), "x")).charAt(0))) {
      order.add(a);
    }
  }

  private String value(IExpr e) {
    String local = shared.get(e);
    if (local == null) {
      local = hoisted.get(e);
    }
    if (local != null) {
      return local;
    }
    if (e instanceof IExpr.Const c) {
      double v = c.value();
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return Double.isNaN(v) ? "Double.NaN" : v > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
      }
      return v < 0 || (v == 0 && 1 / v < 0) ? "(" + v + ")" : Double.toString(v);
    } else if (e instanceof IExpr.IndexValue i) {
      return "((double) (" + print(i.index()) + "))";
    } else if (e instanceof IExpr.Read r) {
      Node t = node.input(r.slot());
      List<String> p = new ArrayList<>();
      r.at().forEach(q -> p.add(position(q)));
      return kernels.wide() + at(offsets.get(r.slot()), x.array(t), t.shape().dims(), p);
    } else if (e instanceof IExpr.Apply a) {
      if (a.op() == dev.netc.compiler.ops.Scalar.DIV && a.args().get(1) instanceof IExpr.Const c
          && isPowerOfTwo(c.value())) {
        // x / 2^n as x * 2^-n: both round the same real number, so the result is the same, and a
        // multiplication costs a fraction of a division (attention's scores divide every term by 4)
        return dev.netc.compiler.ops.Scalar.MUL.java(List.of(value(a.args().get(0)), value(new IExpr.Const(1 / c.value()))));
      }
      List<String> args = new ArrayList<>();
      a.args().forEach(q -> args.add(value(q)));
      return a.op().java(args);
    }
    IExpr.Select s = (IExpr.Select) e;
    return "(" + condition(s.cond()) + " ? " + value(s.then()) + " : " + value(s.otherwise()) + ")";
  }

  /**
   * In a float build, a body with at most one rounding: one addition, subtraction, multiplication
   * or division of two floats (reads of the build's numbers, constants that are floats, or
   * selects of them), or a select of such, printed in float: the exact result rounded to float,
   * as the double computation rounded once gives (double has more than twice float's precision,
   * so rounding to double first changes nothing: Figueroa, "When is double rounding innocuous?",
   * 1995). C2 vectorizes the loop of it, where it leaves the one that widens each number and
   * narrows the result scalar (layer norm's {@code x[t, d] - mean[t]}, the embedding's
   * {@code E[tok[t], d] + P[t, d]}, attention's mask {@code select(u <= t, s[h, t, u], -1e9)} and
   * its gradient). Null otherwise.
   */
  private String floatOperation(IExpr body) {
    if (!kernels.isFloat()) {
      return null;
    }
    int[] operations = {0};
    String e = floatExpression(body, operations);
    return e == null || operations[0] > 1 ? null : Kernels.unwrap(e);
  }

  /** {@code e} printed in float (see {@link #floatOperation}), counting its operations; null where it is not one of those forms. */
  private String floatExpression(IExpr e, int[] operations) {
    if (e instanceof IExpr.Const k) {
      double v = k.value();
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return Double.isNaN(v) ? "Float.NaN" : v > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
      }
      return (double) (float) v == v ? floatLiteral((float) v) : null;
    }
    if (e instanceof IExpr.Read r) {
      String v = value(r);
      return plan.isIds(node.input(r.slot())) || !v.startsWith(kernels.wide()) ? null : v.substring(kernels.wide().length());
    }
    if (e instanceof IExpr.Select sel) {
      String then = floatExpression(sel.then(), operations);
      String otherwise = then == null ? null : floatExpression(sel.otherwise(), operations);
      return otherwise == null ? null : "(" + condition(sel.cond()) + " ? " + then + " : " + otherwise + ")";
    }
    if (e instanceof IExpr.Apply a && a.args().size() == 2
        && java.util.Set.of(dev.netc.compiler.ops.Scalar.ADD, dev.netc.compiler.ops.Scalar.SUB,
            dev.netc.compiler.ops.Scalar.MUL, dev.netc.compiler.ops.Scalar.DIV).contains(a.op())) {
      operations[0]++;
      List<String> args = new ArrayList<>();
      for (IExpr q : a.args()) {
        String v = floatExpression(q, operations);
        if (v == null) {
          return null;
        }
        args.add(v);
      }
      return a.op().java(args);
    }
    return null;
  }

  private static String floatLiteral(float f) {
    return f < 0 || (f == 0 && 1 / f < 0) ? "(" + f + "f)" : f + "f";
  }

  /** Whether {@code v} is plus or minus a power of two whose reciprocal is a normal double too. */
  static boolean isPowerOfTwo(double v) {
    int exp = Math.getExponent(v);
    return v != 0 && exp >= -1022 && exp <= 1022 && (Double.doubleToRawLongBits(v) & 0x000FFFFFFFFFFFFFL) == 0;
  }

  /** The offset of {@code n}'s current example in its array, declaring a local where needed. */
  private String offset(Node n, String name, Code.Builder decls) {
    if (!plan.isBatched(n)) {
      return "0";
    }
    if (n.shape().size() == 1) {
      return "ex";
    }
    decls.stmt("int %s = ex * %d", name, n.shape().size());
    return name;
  }

  private Code.Builder perExample(Code.Builder body) {
    if (!plan.isBatched(node)) {
      return body;
    }
    return new Code.Builder().block("for (int ex = 0; ex < batch; ex++)", body);
  }
}
