package dev.netc.compiler.check;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.TExpr;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.List;

/** NumPy broadcasting as index notation: {@code X[T, D] + b[D]} is {@code y[t, d] = X[t, d] + b[d]}. */
final class Broadcasts {
  private Broadcasts() {}

  static TExpr of(Scalar op, TExpr a, TExpr b, Shape out, Pos pos) {
    List<Dim> dims = new ArrayList<>();
    for (int k = 0; k < out.rank(); k++) {
      dims.add(new Dim("i" + k, out.dim(k)));
    }
    IExpr body = IExpr.call(op, read(0, a.shape(), out), read(1, b.shape(), out));
    Comprehension c = new Comprehension(dims, Reducer.NONE, List.of(), List.of(), body);
    return new TExpr.Apply(Op.COMPUTE, List.of(a, b), 0, out, pos, c);
  }

  /** Operand {@code slot} of shape {@code s} read at the output's indices, size-1 axes at 0. */
  private static IExpr read(int slot, Shape s, Shape out) {
    List<IndexExpr> at = new ArrayList<>();
    int shift = out.rank() - s.rank();
    for (int k = 0; k < s.rank(); k++) {
      at.add(s.dim(k) == 1 && out.dim(k + shift) != 1 ? Affine.constant(0) : Affine.of("i" + (k + shift)));
    }
    return new IExpr.Read(slot, at);
  }
}
