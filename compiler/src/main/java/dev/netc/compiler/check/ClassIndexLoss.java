package dev.netc.compiler.check;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjIntConsumer;

/**
 * {@code softmax_cross_entropy(z, y)} with class indices: {@code z[T, V]} and {@code y[T] int}
 * (or {@code z[V]} and a scalar {@code y int}), the MEAN over the rows of
 * {@code -log_softmax(z[t])[y[t]]}, as PyTorch's {@code cross_entropy(z, y)}. With a padding id
 * ({@code target y[T] int ignore=0}), rows whose target is that id count neither in the sum nor
 * in the count (PyTorch's {@code ignore_index}); an example whose rows are all padding has loss 0.
 * Written as index definitions, so that it is differentiated, evaluated and emitted by the one
 * mechanism of index notation:
 *
 * <pre>
 *   m[t]    = max(v) z[t, v]                                 (under stop_gradient: no derivative flows through it)
 *   d[t, v] = z[t, v] - m[t]
 *   e[t, v] = exp(d[t, v])                                   (a tensor of its own, read by s and by the gradient)
 *   s[t]    = sum(v) e[t, v]
 *   c[t]    = select(y[t] != ignore, y[t], 0)               (with a padding id only)
 *   row[t]  = log(s[t]) + m[t] - z[t, c[t]]                  (a gather; 0 on padding rows)
 *   loss    = sum(t) row[t] / T                              (or / max(1, rows not padding))
 * </pre>
 */
final class ClassIndexLoss {
  private ClassIndexLoss() {}

  static TExpr softmaxCrossEntropy(TExpr z, Symbol y, Pos yPos, Pos pos, Library.Env env, ObjIntConsumer<Symbol> idLimit) {
    Shape zs = z.shape();
    Shape ys = y.shape();
    boolean rows = zs.rank() == 2 && ys.rank() == 1 && ys.dim(0) == zs.dim(0);
    boolean single = zs.rank() == 1 && ys.rank() == 0;
    if (!rows && !single) {
      env.error(DiagCode.ARG_SHAPE, pos, "softmax_cross_entropy",
          "scores z[T, V] and class indices y[T] int (or z[V] and a scalar y int)", zs + " and " + ys + " int");
      return null;
    }
    int classes = zs.dim(zs.rank() - 1);
    idLimit.accept(y, classes);
    List<Dim> out = rows ? List.of(new Dim("t", zs.dim(0))) : List.of();
    List<IndexExpr> at = rows ? List.of(Affine.of("t")) : List.of();
    List<IndexExpr> atV = new ArrayList<>(at);
    atV.add(Affine.of("v"));
    List<Dim> classesDim = List.of(new Dim("v", classes));
    TExpr yRef = new TExpr.Ref(y, yPos);

    // row has a zero derivative in m (log s falls by what m adds), so m takes no part in differentiation
    TExpr max = compute(List.of(z), new Comprehension(out, Reducer.MAX, classesDim, List.of(), new IExpr.Read(0, atV)), pos);
    TExpr m = new TExpr.Apply(Op.STOP_GRADIENT, List.of(max), 0, max.shape(), pos);
    // e a tensor of its own, as softmax's: read by the sum and by the gradient (exp's derivative
    // is e itself), where exp inside the sum was computed again by the gradient, once per score
    List<Dim> scores = new ArrayList<>(out);
    scores.addAll(classesDim);
    TExpr shifted = compute(List.of(z, m), new Comprehension(scores, Reducer.NONE, List.of(), List.of(),
        IExpr.sub(new IExpr.Read(0, atV), new IExpr.Read(1, at))), pos);
    TExpr e = compute(List.of(shifted), new Comprehension(scores, Reducer.NONE, List.of(), List.of(),
        IExpr.call(Scalar.EXP, new IExpr.Read(0, atV))), pos);
    TExpr s = compute(List.of(e), new Comprehension(out, Reducer.SUM, classesDim, List.of(), new IExpr.Read(0, atV)), pos);
    Cond kept = y.ignore().isPresent()
        ? new Cond.OnValues(new IExpr.Read(0, at), Cond.Cmp.NE, IExpr.constant(y.ignore().getAsInt())) : null;
    TExpr index = kept == null ? yRef : compute(List.of(yRef),
        new Comprehension(out, Reducer.NONE, List.of(), List.of(), IExpr.select(kept, new IExpr.Read(0, at), IExpr.ZERO)), pos);
    List<IndexExpr> picked = new ArrayList<>(at);
    picked.add(new IndexExpr.DataIndex(3, at, 0));
    IExpr row = IExpr.sub(IExpr.add(IExpr.call(Scalar.LOG, new IExpr.Read(1, at)), new IExpr.Read(2, at)),
        new IExpr.Read(0, picked));
    List<TExpr> rowArgs = new ArrayList<>(List.of(z, s, m, index));
    if (kept != null) {
      rowArgs.add(yRef);
      row = IExpr.select(new Cond.OnValues(new IExpr.Read(4, at), Cond.Cmp.NE, IExpr.constant(y.ignore().getAsInt())),
          row, IExpr.ZERO);
    }
    TExpr rowLoss = compute(rowArgs, new Comprehension(out, Reducer.NONE, List.of(), List.of(), row), pos);
    if (!rows) {
      return rowLoss;
    }
    int t = zs.dim(0);
    if (kept == null) {
      return compute(List.of(rowLoss), new Comprehension(List.of(), Reducer.SUM, out, List.of(),
          IExpr.div(new IExpr.Read(0, at), IExpr.constant(t))), pos);
    }
    TExpr count = compute(List.of(yRef), new Comprehension(List.of(), Reducer.SUM, out, List.of(),
        IExpr.select(kept, IExpr.ONE, IExpr.ZERO)), pos);
    return compute(List.of(rowLoss, count), new Comprehension(List.of(), Reducer.SUM, out, List.of(),
        IExpr.div(new IExpr.Read(0, at), IExpr.call(Scalar.MAX2, new IExpr.Read(1, List.of()), IExpr.ONE))), pos);
  }

  private static TExpr compute(List<TExpr> args, Comprehension c, Pos pos) {
    return new TExpr.Apply(Op.COMPUTE, args, 0, Shape.of(c.shape()), pos, c);
  }
}
