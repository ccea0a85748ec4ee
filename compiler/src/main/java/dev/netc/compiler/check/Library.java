package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
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
import dev.netc.compiler.model.TExpr;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The library functions of the language (LANGUAGE-2.md, "Library functions"), each written
 * as index definitions: the same comprehensions a user could write, so that they are
 * differentiated, evaluated and emitted by the one mechanism of index notation. Sizes round
 * down as PyTorch's do; keyword arguments are compile-time constants.
 */
final class Library {

  /** What the checker offers a library call. */
  interface Env {
    TExpr expr(Ast.Expr e);

    OptionalDouble constant(Ast.Expr e, String what);

    void error(DiagCode code, Pos pos, Object... args);
  }

  private static final Set<String> ALWAYS = Set.of("conv2d", "max_pool2d", "avg_pool2d", "flatten", "reshape",
      "layer_norm", "concat", "pad", "l1", "huber", "nll", "kl_div", "gelu", "silu", "elu", "log_sigmoid", "atan",
      "log1p", "expm1", "clamp");
  private static final Set<String> WITH_AXIS = Set.of("sum", "mean", "max", "min", "softmax", "log_softmax", "logsumexp");

  /** The keywords each function takes. */
  private static final Map<String, Set<String>> KEYWORDS = Map.ofEntries(
      Map.entry("conv2d", Set.of("stride", "pad")), Map.entry("layer_norm", Set.of("eps")),
      Map.entry("huber", Set.of("delta")), Map.entry("concat", Set.of("axis")), Map.entry("sum", Set.of("axis")),
      Map.entry("mean", Set.of("axis")), Map.entry("max", Set.of("axis")), Map.entry("min", Set.of("axis")),
      Map.entry("softmax", Set.of("axis")), Map.entry("log_softmax", Set.of("axis")),
      Map.entry("logsumexp", Set.of("axis")));

  private final Env env;
  private final Ast.Call call;
  private final String name;
  private final List<Ast.Expr> positional = new ArrayList<>();
  private final Map<String, Ast.Keyword> keywords = new LinkedHashMap<>();
  private boolean failed;

  private Library(Env env, Ast.Call call) {
    this.env = env;
    this.call = call;
    this.name = call.function().text();
  }

  /** Whether {@code name} is a library function's name. */
  static boolean isFunctionName(String name) {
    return ALWAYS.contains(name) || WITH_AXIS.contains(name);
  }

  /** Whether {@code call} is a library call (a name of the library, or an axis reduction). */
  static boolean handles(Ast.Call call) {
    String n = call.function().text();
    return ALWAYS.contains(n) || WITH_AXIS.contains(n) && call.args().stream().anyMatch(a -> a instanceof Ast.Keyword);
  }

  /** The call's value, or null after reporting its errors. */
  static TExpr call(Env env, Ast.Call call) {
    return new Library(env, call).call();
  }

  private TExpr call() {
    for (Ast.Expr a : call.args()) {
      if (a instanceof Ast.Keyword k) {
        if (!KEYWORDS.getOrDefault(name, Set.of()).contains(k.name().text())) {
          error(DiagCode.MISPLACED, k.pos(), "'" + name + "' takes no keyword argument '" + k.name().text() + "'"
              + (KEYWORDS.containsKey(name) ? " (it takes " + String.join(", ", new java.util.TreeSet<>(KEYWORDS.get(name))) + ")" : ""));
        } else if (keywords.put(k.name().text(), k) != null) {
          error(DiagCode.MISPLACED, k.pos(), "'" + k.name().text() + "' is given twice");
        }
      } else if (!keywords.isEmpty()) {
        error(DiagCode.MISPLACED, a.pos(), "a positional argument after a keyword argument");
      } else {
        positional.add(a);
      }
    }
    if (failed) {
      return null;
    }
    return switch (name) {
      case "conv2d" -> conv2d();
      case "max_pool2d", "avg_pool2d" -> pool(name.startsWith("max"));
      case "flatten" -> arity(1) ? flatten() : null;
      case "reshape" -> arity(2) ? reshape() : null;
      case "sum", "mean", "max", "min" -> arity(1) ? alongAxis() : null;
      case "softmax", "log_softmax", "logsumexp" -> arity(1) ? softmaxFamily() : null;
      case "layer_norm" -> arity(1) ? layerNorm() : null;
      case "concat" -> arity(2) ? concat() : null;
      case "pad" -> arity(2) ? pad() : null;
      case "l1", "huber", "nll", "kl_div" -> arity(2) ? loss() : null;
      default -> arity(name.equals("clamp") ? 3 : 1) ? elementwise() : null;
    };
  }

  // ---- convolution and pooling

  private TExpr conv2d() {
    if (!arity(2)) {
      return null;
    }
    TExpr x = env.expr(positional.get(0));
    TExpr k = env.expr(positional.get(1));
    int stride = intKeyword("stride", 1, 1);
    int pad = intKeyword("pad", 0, 0);
    if (x == null || k == null || failed) {
      return null;
    }
    Shape xs = x.shape();
    Shape ks = k.shape();
    if (xs.rank() != 3 || ks.rank() != 4 || ks.dim(1) != xs.dim(0)) {
      return shapeError("an input [C, H, W] and a kernel [O, C, kh, kw] with the same C", xs + " and " + ks);
    }
    int h = (xs.dim(1) + 2 * pad - ks.dim(2)) / stride + 1;
    int w = (xs.dim(2) + 2 * pad - ks.dim(3)) / stride + 1;
    if (xs.dim(1) + 2 * pad < ks.dim(2) || xs.dim(2) + 2 * pad < ks.dim(3)) {
      return shapeError("a kernel no larger than the (padded) input", xs + " and " + ks);
    }
    TExpr in = pad == 0 ? x : padded(x, new int[] {0, pad, pad});
    // y[o, r, c] = sum(i, p, q) K[o, i, p, q] * x[i, s*r + p, s*c + q]
    Comprehension c = new Comprehension(List.of(d("o", ks.dim(0)), d("r", h), d("c", w)), Reducer.SUM,
        List.of(d("i", xs.dim(0)), d("p", ks.dim(2)), d("q", ks.dim(3))), List.of(),
        IExpr.mul(read(0, ix("o"), ix("i"), ix("p"), ix("q")),
            read(1, ix("i"), ix("r").times(stride).plus(ix("p")), ix("c").times(stride).plus(ix("q")))));
    return compute(List.of(k, in), c);
  }

  private TExpr pool(boolean max) {
    if (!arity(2)) {
      return null;
    }
    TExpr x = env.expr(positional.get(0));
    int k = intArgument(positional.get(1), "the window of '" + name + "'", 1);
    if (x == null || failed) {
      return null;
    }
    Shape xs = x.shape();
    if (xs.rank() != 3 || xs.dim(1) < k || xs.dim(2) < k) {
      return shapeError("an input [C, H, W] at least as large as the window " + k, xs.toString());
    }
    // y[ch, r, c] = max(p, q) x[ch, k*r + p, k*c + q]
    IExpr body = read(0, ix("ch"), ix("r").times(k).plus(ix("p")), ix("c").times(k).plus(ix("q")));
    if (!max) {
      body = IExpr.div(body, IExpr.constant((double) k * k));
    }
    Comprehension c = new Comprehension(List.of(d("ch", xs.dim(0)), d("r", xs.dim(1) / k), d("c", xs.dim(2) / k)),
        max ? Reducer.MAX : Reducer.SUM, List.of(d("p", k), d("q", k)), List.of(), body);
    return compute(List.of(x), c);
  }

  /** {@code x} with {@code p[a]} zeros on each side of axis {@code a}, as a guarded definition. */
  private TExpr padded(TExpr x, int[] p) {
    Shape s = x.shape();
    List<Dim> out = new ArrayList<>();
    List<IndexExpr> at = new ArrayList<>();
    List<Cond.OnIndices> guards = new ArrayList<>();
    for (int a = 0; a < s.rank(); a++) {
      String i = "i" + a;
      out.add(d(i, s.dim(a) + 2 * p[a]));
      at.add(ix(i).plus(Affine.constant(-p[a])));
      if (p[a] > 0) {
        guards.add(new Cond.OnIndices(ix(i), Cond.Cmp.GE, Affine.constant(p[a])));
        guards.add(new Cond.OnIndices(ix(i), Cond.Cmp.LT, Affine.constant(s.dim(a) + p[a])));
      }
    }
    return compute(List.of(x), new Comprehension(out, Reducer.NONE, List.of(), guards, new IExpr.Read(0, at)));
  }

  private TExpr pad() {
    TExpr x = env.expr(positional.get(0));
    if (x == null) {
      return null;
    }
    int rank = x.shape().rank();
    int[] p = new int[rank];
    if (positional.get(1) instanceof Ast.ListLit l) {
      if (l.items().size() != rank) {
        error(DiagCode.ARG_SHAPE, l.pos(), "pad", "one size per axis of the input (" + rank + ")", l.items().size() + " sizes");
        return null;
      }
      for (int a = 0; a < rank; a++) {
        p[a] = intArgument(l.items().get(a), "a padding", 0);
      }
    } else {
      if (rank < 2) {
        return shapeError("an input of rank 2 or more (or a list of paddings, one per axis)", x.shape().toString());
      }
      int n = intArgument(positional.get(1), "the padding of 'pad'", 0);
      p[rank - 1] = n;
      p[rank - 2] = n;
    }
    return failed ? null : padded(x, p);
  }

  // ---- shapes

  private TExpr flatten() {
    TExpr x = env.expr(positional.get(0));
    return x == null ? null : new TExpr.Apply(Op.RESHAPE, List.of(x), 0, Shape.vector(x.shape().size()), call.pos());
  }

  private TExpr reshape() {
    TExpr x = env.expr(positional.get(0));
    if (!(positional.get(1) instanceof Ast.ListLit l)) {
      error(DiagCode.ARG_SHAPE, positional.get(1).pos(), "reshape", "a list of sizes such as [4, 7, 7]", "something else");
      return null;
    }
    if (l.items().size() > Shape.MAX_RANK) {
      error(DiagCode.TOO_MANY_DIMS, l.pos(), "reshape", l.items().size());
      return null;
    }
    int[] dims = new int[l.items().size()];
    long n = 1;
    for (int a = 0; a < dims.length; a++) {
      dims[a] = intArgument(l.items().get(a), "a size", 1);
      n *= Math.max(1, dims[a]);
    }
    if (x == null || failed) {
      return null;
    }
    if (n != x.shape().size()) {
      return shapeError("sizes whose product is the input's " + x.shape().size() + " elements (" + x.shape() + ")",
          java.util.Arrays.toString(dims));
    }
    return new TExpr.Apply(Op.RESHAPE, List.of(x), 0, Shape.of(dims), call.pos());
  }

  private TExpr concat() {
    TExpr a = env.expr(positional.get(0));
    TExpr b = env.expr(positional.get(1));
    if (a == null || b == null) {
      return null;
    }
    int axis = axis(a.shape().rank());
    if (failed) {
      return null;
    }
    Shape as = a.shape();
    Shape bs = b.shape();
    boolean same = as.rank() == bs.rank() && as.rank() > 0;
    for (int k = 0; same && k < as.rank(); k++) {
      same = k == axis || as.dim(k) == bs.dim(k);
    }
    if (!same) {
      return shapeError("two tensors of the same rank whose sizes agree except along the axis", as + " and " + bs);
    }
    int[] dims = as.dims();
    dims[axis] += bs.dim(axis);
    List<Dim> out = axes(dims);
    List<IndexExpr> atA = positions(as.rank(), -1, null);
    List<IndexExpr> atB = new ArrayList<>(atA);
    atB.set(axis, ix("i" + axis).plus(Affine.constant(-as.dim(axis))));
    // y = [a where i < na] + [b where i >= na]: two guarded definitions, so that each read is in bounds
    TExpr left = compute(List.of(a), new Comprehension(out, Reducer.NONE, List.of(),
        List.of(new Cond.OnIndices(ix("i" + axis), Cond.Cmp.LT, Affine.constant(as.dim(axis)))), new IExpr.Read(0, atA)));
    TExpr right = compute(List.of(b), new Comprehension(out, Reducer.NONE, List.of(),
        List.of(new Cond.OnIndices(ix("i" + axis), Cond.Cmp.GE, Affine.constant(as.dim(axis)))), new IExpr.Read(0, atB)));
    return new TExpr.Apply(Op.ADD, List.of(left, right), 0, Shape.of(dims), call.pos());
  }

  // ---- along an axis

  private TExpr alongAxis() {
    TExpr x = env.expr(positional.get(0));
    if (x == null) {
      return null;
    }
    int axis = axis(x.shape().rank());
    if (failed) {
      return null;
    }
    Reducer r = name.equals("max") ? Reducer.MAX : name.equals("min") ? Reducer.MIN : Reducer.SUM;
    return reduce(x, axis, r, name.equals("mean"));
  }

  /** {@code x} reduced along {@code axis} (that axis removed), divided by its length for a mean. */
  private TExpr reduce(TExpr x, int axis, Reducer r, boolean mean) {
    int[] dims = x.shape().dims();
    IExpr body = new IExpr.Read(0, positions(dims.length, axis, ix("k")));
    if (mean) {
      body = IExpr.div(body, IExpr.constant(dims[axis]));
    }
    Comprehension c = new Comprehension(axesWithout(dims, axis), r, List.of(d("k", dims[axis])), List.of(), body);
    return compute(List.of(x), c);
  }

  private TExpr softmaxFamily() {
    TExpr x = env.expr(positional.get(0));
    if (x == null) {
      return null;
    }
    int axis = axis(x.shape().rank());
    if (failed) {
      return null;
    }
    int[] dims = x.shape().dims();
    // The shift by the maximum keeps exp in range and changes no result: softmax, log_softmax and
    // logsumexp have a zero derivative in it, so it takes no part in differentiation (PyTorch's
    // backward never routes through it either): no winners, no scatter, no terms summing to 0.
    TExpr max = reduce(x, axis, Reducer.MAX, false);
    TExpr m = new TExpr.Apply(Op.STOP_GRADIENT, List.of(max), 0, max.shape(), call.pos());
    // d = x - m (m read without the axis), e = exp(d), s = sum along the axis
    TExpr shifted = elementwise(Scalar.SUB, x, m, axis);
    if (name.equals("softmax")) {
      // e a tensor of its own, read by the sum and the quotient y = e / s and by their gradients
      // (exp's derivative is e itself): exp once per element, where reading d in each computed it
      // three times (the attention of the words transformer: 1,024 a head per example)
      Comprehension ed = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
          IExpr.call(Scalar.EXP, new IExpr.Read(0, positions(dims.length, -1, null))));
      TExpr e = compute(List.of(shifted), ed);
      Comprehension sumE = new Comprehension(axesWithout(dims, axis), Reducer.SUM, List.of(d("k", dims[axis])),
          List.of(), new IExpr.Read(0, positions(dims.length, axis, ix("k"))));
      Comprehension y = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
          IExpr.div(new IExpr.Read(0, positions(dims.length, -1, null)), new IExpr.Read(1, positions(dims.length, axis, null))));
      return compute(List.of(e, compute(List.of(e), sumE)), y);
    }
    Comprehension sumExp = new Comprehension(axesWithout(dims, axis), Reducer.SUM, List.of(d("k", dims[axis])), List.of(),
        IExpr.call(Scalar.EXP, new IExpr.Read(0, positions(dims.length, axis, ix("k")))));
    TExpr s = compute(List.of(shifted), sumExp);
    return switch (name) {
      case "log_softmax" -> {
        Comprehension y = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
            IExpr.sub(new IExpr.Read(0, positions(dims.length, -1, null)),
                IExpr.call(Scalar.LOG, new IExpr.Read(1, positions(dims.length, axis, null)))));
        yield compute(List.of(shifted, s), y);
      }
      default -> {
        int[] rest = x.shape().dims();
        List<Dim> out = axesWithout(rest, axis);
        List<IndexExpr> at = new ArrayList<>();
        out.forEach(o -> at.add(ix(o.index())));
        Comprehension y = new Comprehension(out, Reducer.NONE, List.of(), List.of(),
            IExpr.add(new IExpr.Read(0, at), IExpr.call(Scalar.LOG, new IExpr.Read(1, at))));
        yield compute(List.of(m, s), y);
      }
    };
  }

  private TExpr layerNorm() {
    TExpr x = env.expr(positional.get(0));
    double eps = numberKeyword("eps", 1e-5);
    if (x == null || failed) {
      return null;
    }
    if (!(eps > 0)) {
      error(DiagCode.MISPLACED, keywords.get("eps").pos(), "layer_norm's eps must be positive");
      return null;
    }
    int[] dims = x.shape().dims();
    if (dims.length == 0) {
      return shapeError("a value with at least one axis", "a scalar");
    }
    int axis = dims.length - 1;
    TExpr mu = reduce(x, axis, Reducer.SUM, true);
    TExpr centered = elementwise(Scalar.SUB, x, mu, axis);
    Comprehension v = new Comprehension(axesWithout(dims, axis), Reducer.SUM, List.of(d("k", dims[axis])), List.of(),
        IExpr.div(IExpr.call(Scalar.SQUARE, new IExpr.Read(0, positions(dims.length, axis, ix("k")))),
            IExpr.constant(dims[axis])));
    TExpr var = compute(List.of(centered), v);
    Comprehension y = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
        IExpr.div(new IExpr.Read(0, positions(dims.length, -1, null)),
            IExpr.call(Scalar.SQRT, IExpr.add(new IExpr.Read(1, positions(dims.length, axis, null)), IExpr.constant(eps)))));
    return compute(List.of(centered, var), y);
  }

  /** {@code op(x[I], r[I without axis])}. */
  private TExpr elementwise(Scalar op, TExpr x, TExpr r, int axis) {
    int[] dims = x.shape().dims();
    Comprehension c = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
        IExpr.call(op, new IExpr.Read(0, positions(dims.length, -1, null)), new IExpr.Read(1, positions(dims.length, axis, null))));
    return compute(List.of(x, r), c);
  }

  // ---- losses and elementwise functions

  private TExpr loss() {
    TExpr a = env.expr(positional.get(0));
    TExpr y = env.expr(positional.get(1));
    double delta = numberKeyword("delta", 1);
    if (a == null || y == null || failed) {
      return null;
    }
    if (!a.shape().equals(y.shape())) {
      return shapeError("two arguments of the same shape", a.shape() + " and " + y.shape());
    }
    if (name.equals("huber") && !(delta > 0)) {
      error(DiagCode.MISPLACED, keywords.get("delta").pos(), "huber's delta must be positive");
      return null;
    }
    int[] dims = a.shape().dims();
    List<IndexExpr> at = new ArrayList<>();
    List<Dim> all = new ArrayList<>();
    for (int k = 0; k < dims.length; k++) {
      all.add(d("k" + k, dims[k]));
      at.add(ix("k" + k));
    }
    IExpr p = new IExpr.Read(0, at);
    IExpr q = new IExpr.Read(1, at);
    IExpr body = switch (name) {
      case "l1" -> IExpr.call(Scalar.ABS, IExpr.sub(p, q));
      case "huber" -> {
        IExpr diff = IExpr.sub(p, q);
        IExpr abs = IExpr.call(Scalar.ABS, diff);
        yield IExpr.select(new Cond.OnValues(abs, Cond.Cmp.LE, IExpr.constant(delta)),
            IExpr.mul(IExpr.constant(0.5), IExpr.mul(diff, diff)),
            IExpr.mul(IExpr.constant(delta), IExpr.sub(abs, IExpr.constant(0.5 * delta))));
      }
      case "nll" -> IExpr.neg(IExpr.mul(q, p));
      default -> IExpr.select(new Cond.OnValues(q, Cond.Cmp.GT, IExpr.ZERO),
          IExpr.mul(q, IExpr.sub(IExpr.call(Scalar.LOG, q), p)), IExpr.ZERO);   // kl_div(logp, q)
    };
    Comprehension c = all.isEmpty()
        ? new Comprehension(List.of(), Reducer.NONE, List.of(), List.of(), body)
        : new Comprehension(List.of(), Reducer.SUM, all, List.of(), body);
    return compute(List.of(a, y), c);
  }

  private TExpr elementwise() {
    List<TExpr> args = new ArrayList<>();
    for (int k = 0; k < positional.size(); k++) {
      TExpr t = k == 0 ? env.expr(positional.get(k)) : null;
      if (k > 0) {
        OptionalDouble v = env.constant(positional.get(k), (k == 1 ? "clamp's lower bound" : "clamp's upper bound"));
        if (v.isEmpty()) {
          return null;
        }
        t = new TExpr.Const(v.getAsDouble(), positional.get(k).pos());
      }
      if (t == null) {
        return null;
      }
      args.add(t);
    }
    Scalar op = Scalar.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    if (op == Scalar.CLAMP && ((TExpr.Const) args.get(1)).value() > ((TExpr.Const) args.get(2)).value()) {
      error(DiagCode.MISPLACED, positional.get(1).pos(), "clamp's lower bound is above its upper bound");
      return null;
    }
    int[] dims = args.get(0).shape().dims();
    List<IExpr> operands = new ArrayList<>();
    operands.add(new IExpr.Read(0, positions(dims.length, -1, null)));
    for (int k = 1; k < args.size(); k++) {
      operands.add(IExpr.constant(((TExpr.Const) args.get(k)).value()));
    }
    Comprehension c = new Comprehension(axes(dims), Reducer.NONE, List.of(), List.of(),
        IExpr.call(op, operands.toArray(IExpr[]::new)));
    return compute(List.of(args.get(0)), c);
  }

  // ---- helpers

  private TExpr compute(List<TExpr> args, Comprehension c) {
    return new TExpr.Apply(Op.COMPUTE, args, 0, Shape.of(c.shape()), call.pos(), c);
  }

  private static Dim d(String i, int n) {
    return new Dim(i, n);
  }

  private static Affine ix(String i) {
    return Affine.of(i);
  }

  private static IExpr read(int slot, IndexExpr... at) {
    return new IExpr.Read(slot, List.of(at));
  }

  private static List<Dim> axes(int[] dims) {
    List<Dim> out = new ArrayList<>();
    for (int k = 0; k < dims.length; k++) {
      out.add(d("i" + k, dims[k]));
    }
    return out;
  }

  private static List<Dim> axesWithout(int[] dims, int axis) {
    List<Dim> out = new ArrayList<>();
    for (int k = 0; k < dims.length; k++) {
      if (k != axis) {
        out.add(d("i" + k, dims[k]));
      }
    }
    return out;
  }

  /**
   * Positions {@code i0, i1, ...} of a rank-{@code rank} read; with {@code axis >= 0}, that axis
   * is {@code at} (or left out, for a value that lacks it, when {@code at} is null).
   */
  private static List<IndexExpr> positions(int rank, int axis, IndexExpr at) {
    List<IndexExpr> p = new ArrayList<>();
    for (int k = 0; k < rank; k++) {
      if (k != axis) {
        p.add(ix("i" + k));
      } else if (at != null) {
        p.add(at);
      }
    }
    return p;
  }

  private int axis(int rank) {
    Ast.Keyword k = keywords.get("axis");
    if (k == null) {
      if (name.equals("concat")) {
        return 0;
      }
      error(DiagCode.MISPLACED, call.pos(), "'" + name + "' along an axis needs axis=...");
      return 0;
    }
    OptionalDouble v = env.constant(k.value(), "the axis of '" + name + "'");
    if (v.isEmpty()) {
      failed = true;
      return 0;
    }
    double a = v.getAsDouble();
    if (a != Math.rint(a) || a < -rank || a >= rank) {
      error(DiagCode.MISPLACED, k.value().pos(), "axis " + NetworkChecker.format(a) + " is not an axis of a value of rank "
          + rank + " (0 .. " + (rank - 1) + ", or -" + rank + " .. -1 from the end)");
      return 0;
    }
    return (int) (a < 0 ? a + rank : a);
  }

  private int intKeyword(String key, int fallback, int min) {
    Ast.Keyword k = keywords.get(key);
    return k == null ? fallback : intArgument(k.value(), "'" + key + "'", min);
  }

  private double numberKeyword(String key, double fallback) {
    Ast.Keyword k = keywords.get(key);
    if (k == null) {
      return fallback;
    }
    OptionalDouble v = env.constant(k.value(), "'" + key + "'");
    if (v.isEmpty()) {
      failed = true;
      return fallback;
    }
    return v.getAsDouble();
  }

  private int intArgument(Ast.Expr e, String what, int min) {
    OptionalDouble v = env.constant(e, what);
    if (v.isEmpty()) {
      failed = true;
      return min;
    }
    double x = v.getAsDouble();
    if (x != Math.rint(x) || x < min || x > 1 << 24) {
      error(DiagCode.MISPLACED, e.pos(), what + " must be an integer of at least " + min + ", but is " + NetworkChecker.format(x));
      return min;
    }
    return (int) x;
  }

  private boolean arity(int n) {
    if (positional.size() != n) {
      error(DiagCode.ARITY, call.pos(), name, n == 1 ? "1 argument" : n + " arguments", positional.size());
      return false;
    }
    return true;
  }

  private TExpr shapeError(String needs, String got) {
    error(DiagCode.ARG_SHAPE, call.pos(), name, needs, got);
    return null;
  }

  private void error(DiagCode code, Pos pos, Object... args) {
    failed = true;
    env.error(code, pos, args);
  }
}
