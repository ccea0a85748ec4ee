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
import dev.netc.compiler.graph.ix.Ranges;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks an index definition {@code y[i, j] = e where c, ...} and turns it into comprehensions
 * in normal form (one reduction per node, at its top): names and indices, affine positions,
 * range inference and bounds proofs ({@link Ranges}), then one {@code COMPUTE} per reduction,
 * the inner ones read by the outer ones as tensors over the indices they use.
 */
final class IndexCheck {

  /** What the checker offers: names in scope and error reporting. */
  interface Scope {
    /** A {@code Double} const, a {@code Symbol}, or null (after reporting why). */
    Object lookup(String name, Pos pos);

    /** The kind of a declared name ("input", "param", "const", "value"), if it is declared. */
    Optional<String> declared(String name);

    /** Whether {@code name} is a user function ({@code def}) here. */
    default boolean isDef(String name) {
      return false;
    }

    void error(DiagCode code, Pos pos, Object... args);

    /** Records that the values of the int tensor {@code s} index an axis of length {@code n}. */
    void idLimit(Symbol s, int n);

    /** What {@code name} means now (a const's {@code Double}, a {@code Symbol}), or null; reports nothing. */
    Object peek(String name);
  }

  /** Scalar functions by name, with their ops; {@code max} and {@code min} are the two-argument forms. */
  private static final Map<String, Scalar> FUNCTIONS = new HashMap<>();

  static {
    for (Scalar s : Scalar.values()) {
      FUNCTIONS.put(s.name().toLowerCase(Locale.ROOT), s);
    }
    FUNCTIONS.remove("add");
    FUNCTIONS.remove("sub");
    FUNCTIONS.remove("mul");
    FUNCTIONS.remove("div");
    FUNCTIONS.remove("neg");
    FUNCTIONS.remove("pow");
    FUNCTIONS.remove("max2");
    FUNCTIONS.remove("min2");
    FUNCTIONS.put("max", Scalar.MAX2);
    FUNCTIONS.put("min", Scalar.MIN2);
  }

  /** Whether {@code name} is a scalar function of index definitions. */
  static boolean isScalarFunction(String name) {
    return FUNCTIONS.containsKey(name);
  }

  private static final Set<String> REDUCERS = Set.of("sum", "mean", "max", "min");

  private final Scope scope;
  private final Ast.IndexItem item;
  /** Every index of the definition with where it first appears. */
  private final Map<String, Pos> indexAt = new LinkedHashMap<>();
  private final Map<String, Integer> extents = new HashMap<>();
  private final List<Cond.OnIndices> guards = new ArrayList<>();
  private final Set<Cond.OnIndices> placed = new java.util.HashSet<>();
  /** Each element read's tensor: a {@link Symbol}, or a {@link Bound} value (a def's parameter or local). */
  private final Map<Ast.Element, Object> tensors = new java.util.IdentityHashMap<>();
  private boolean failed;

  private IndexCheck(Scope scope, Ast.IndexItem item) {
    this.scope = scope;
    this.item = item;
  }

  /** The definition's value as a {@code COMPUTE} expression, or null after reporting its errors. */
  static TExpr check(Scope scope, Ast.IndexItem item) {
    Ast.IndexItem withSlices = slices(scope, item);
    return withSlices == null ? null : new IndexCheck(scope, withSlices).check();
  }

  // ---- slices: a read with fewer indices than its tensor's rank

  /**
   * {@code item} with its slice reads made whole: a read with fewer positions than its tensor's
   * rank ({@code E[tok[t]]} of {@code E[V, D]}) is the slice of the remaining trailing axes, so
   * {@code rows[t] = E[tok[t]]} is {@code rows[t, #0] = E[tok[t], #0]}: one hidden index per
   * trailing axis (a name no user can write), appended to the definition's axes and to every
   * slice read. Every slice of one definition must have the same trailing shape; null after
   * reporting that.
   */
  private static Ast.IndexItem slices(Scope scope, Ast.IndexItem item) {
    int[][] trailing = {null};
    Ast.Element[] first = {null};
    boolean[] mismatch = {false};
    visitReads(item.expr(), el -> {
      Object m = scope.peek(el.tensor().text());
      if (m instanceof Symbol s && s.shape().rank() > el.at().size() && !el.at().isEmpty()) {
        int[] rest = java.util.Arrays.copyOfRange(s.shape().dims(), el.at().size(), s.shape().rank());
        if (trailing[0] == null) {
          trailing[0] = rest;
          first[0] = el;
        } else if (!java.util.Arrays.equals(trailing[0], rest)) {
          scope.error(DiagCode.MISPLACED, el.pos(), "the slices of one definition must have the same shape, but "
              + el.tensor().text() + "[...] is " + Shape.of(rest) + " and " + first[0].tensor().text() + "[...] is "
              + Shape.of(trailing[0]));
          mismatch[0] = true;
        }
      }
    });
    if (mismatch[0]) {
      return null;
    }
    if (trailing[0] == null) {
      return item;
    }
    List<Ast.Name> hidden = new ArrayList<>();
    for (int a = 0; a < trailing[0].length; a++) {
      hidden.add(new Ast.Name("#" + a, item.name().pos()));
    }
    List<Ast.Name> indices = new ArrayList<>(item.indices());
    indices.addAll(hidden);
    Ast.Expr body = completeSlices(scope, item.expr(), hidden);
    return new Ast.IndexItem(item.name(), indices, body, item.where(), item.pos());
  }

  /** Every element read of {@code e} that is not itself a position (a gather's {@code tok[t]}). */
  private static void visitReads(Ast.Expr e, java.util.function.Consumer<Ast.Element> f) {
    if (e instanceof Ast.Element el) {
      f.accept(el);
      return;
    }
    children(e).forEach(c -> visitReads(c, f));
  }

  private static Ast.Expr completeSlices(Scope scope, Ast.Expr e, List<Ast.Name> hidden) {
    if (e instanceof Ast.Element el) {
      Object m = scope.peek(el.tensor().text());
      if (m instanceof Symbol s && !el.at().isEmpty() && s.shape().rank() == el.at().size() + hidden.size()) {
        List<Ast.Expr> at = new ArrayList<>(el.at());
        hidden.forEach(h -> at.add(new Ast.Ref(h.text(), el.pos())));
        return new Ast.Element(el.tensor(), at, el.pos());
      }
      return e;
    } else if (e instanceof Ast.Unary u) {
      return new Ast.Unary(u.op(), completeSlices(scope, u.operand(), hidden), u.pos());
    } else if (e instanceof Ast.Binary b) {
      return new Ast.Binary(b.op(), completeSlices(scope, b.left(), hidden), completeSlices(scope, b.right(), hidden), b.pos());
    } else if (e instanceof Ast.Call c) {
      return new Ast.Call(c.function(), c.args().stream().map(a -> completeSlices(scope, a, hidden)).toList(), c.pos());
    } else if (e instanceof Ast.Reduce r) {
      return new Ast.Reduce(r.reducer(), r.indices(), completeSlices(scope, r.body(), hidden), r.pos());
    } else if (e instanceof Ast.Compare c) {
      return new Ast.Compare(c.op(), completeSlices(scope, c.left(), hidden), completeSlices(scope, c.right(), hidden), c.pos());
    } else if (e instanceof Ast.Keyword k) {
      return new Ast.Keyword(k.name(), completeSlices(scope, k.value(), hidden), k.pos());
    }
    return e;
  }

  private TExpr check() {
    if (item.indices().size() > Shape.MAX_RANK) {
      error(DiagCode.TOO_MANY_DIMS, item.name().pos(), item.name().text(), item.indices().size());
      return null;
    }
    for (Ast.Name n : item.indices()) {
      declareIndex(n);
    }
    collectReductionIndices(item.expr());
    if (failed) {
      return null;
    }
    List<Ranges.Access> reads = new ArrayList<>();
    Map<Ranges.Access, Ast.Element> readAt = new HashMap<>();
    collectReads(item.expr(), reads, readAt);
    List<Cond.OnIndices> where = new ArrayList<>();
    for (Ast.Compare c : item.where()) {
      Cond.OnIndices cond = indexCondition(c);
      if (cond != null) {
        where.add(cond);
      }
    }
    if (failed) {
      return null;
    }
    Ranges.Result ranges = Ranges.infer(List.copyOf(indexAt.keySet()), Map.of(), where, reads);
    if (!ranges.ok()) {
      Ranges.Problem p = ranges.problem();
      if (p.kind() == Ranges.Kind.OUT_OF_BOUNDS) {
        Ast.Element e = readAt.get(p.access());
        error(DiagCode.READ_OUT_OF_BOUNDS, e.at().get(p.axis()).pos(), p.message());
      } else {
        error(DiagCode.INDEX_RANGE, indexAt.get(p.index()), p.message());
      }
      return null;
    }
    extents.putAll(ranges.extents());
    guards.addAll(ranges.guards());
    long elements = 1;
    for (Ast.Name n : item.indices()) {
      elements *= extents.get(n.text());
    }
    if (elements > NetworkChecker.MAX_ELEMENTS) {
      error(DiagCode.TOO_MANY_ELEMENTS, item.name().pos(), item.name().text(), elements, NetworkChecker.MAX_ELEMENTS);
      return null;
    }
    List<String> out = item.indices().stream().map(Ast.Name::text).toList();
    TExpr result = item.expr() instanceof Ast.Reduce r
        ? reduction(r, out, item.pos(), true)
        : definition(out, item.expr());
    for (Cond.OnIndices g : guards) {
      if (!placed.contains(g)) {
        error(DiagCode.GUARD_HAS_NO_HOME, item.where().get(0).pos(), String.join(", ", g.left().plus(g.right()).terms().keySet()));
      }
    }
    return failed ? null : result;
  }

  // ---- indices

  private void declareIndex(Ast.Name n) {
    Optional<String> kind = scope.declared(n.text());
    if (kind.isPresent()) {
      error(DiagCode.INDEX_SHADOWS, n.pos(), n.text(), kind.get());
    } else if (indexAt.containsKey(n.text())) {
      error(DiagCode.INDEX_REPEATED, n.pos(), n.text());
    } else {
      indexAt.put(n.text(), n.pos());
    }
  }

  private void collectReductionIndices(Ast.Expr e) {
    if (e instanceof Ast.Reduce r) {
      if (REDUCERS.contains(r.reducer().text())) {
        r.indices().forEach(this::declareIndex);
      } else {
        error(DiagCode.MISPLACED, r.pos(), "'" + r.reducer().text() + "(" + names(r.indices())
            + ") ...' is not a reduction: the reductions are sum, mean, max and min");
      }
      collectReductionIndices(r.body());
    } else {
      children(e).forEach(this::collectReductionIndices);
    }
  }

  private static List<Ast.Expr> children(Ast.Expr e) {
    if (e instanceof Ast.Unary u) {
      return List.of(u.operand());
    } else if (e instanceof Ast.Binary b) {
      return List.of(b.left(), b.right());
    } else if (e instanceof Ast.Call c) {
      return c.args();
    } else if (e instanceof Ast.Element el) {
      return el.at();
    } else if (e instanceof Ast.Reduce r) {
      return List.of(r.body());
    } else if (e instanceof Ast.Compare c) {
      return List.of(c.left(), c.right());
    } else if (e instanceof Ast.Keyword k) {
      return List.of(k.value());
    } else if (e instanceof Ast.ListLit l) {
      return l.items();
    }
    return List.of();
  }

  /** Every element read, with its affine positions (positions that are not affine are reported). */
  private void collectReads(Ast.Expr e, List<Ranges.Access> reads, Map<Ranges.Access, Ast.Element> readAt) {
    if (e instanceof Ast.Element el) {
      Object s = tensor(el);
      if (s != null) {
        tensors.put(el, s);
      }
      List<IndexExpr> at = new ArrayList<>();
      for (int axis = 0; axis < el.at().size(); axis++) {
        Ast.Expr p = el.at().get(axis);
        if (p instanceof Ast.Element ids) {
          // a gather: the position is an element of an int tensor, checked at run time
          Object found = tensor(ids);
          Symbol t = found instanceof Symbol sym ? sym : null;
          if (found != null && (t == null || !t.integer())) {
            error(DiagCode.INDEX_NOT_INT, ids.tensor().pos(), ids.tensor().text(), ids.tensor().text());
          } else if (t != null) {
            tensors.put(ids, t);
            Shape read = s instanceof Bound b ? b.expr().shape() : s instanceof Symbol sym ? sym.shape() : null;
            if (read != null && axis < read.rank()) {
              scope.idLimit(t, read.dim(axis));
            }
            List<IndexExpr> idsAt = new ArrayList<>();
            for (Ast.Expr q : ids.at()) {
              if (q instanceof Ast.Element nested) {
                error(DiagCode.MISPLACED, nested.pos(), "a position read from an int tensor must itself be affine in the indices (no gathers of gathers)");
                continue;
              }
              Affine a = affine(q, true);
              idsAt.add(a == null ? Affine.constant(0) : a);
            }
            Ranges.Access access = new Ranges.Access("'" + ids.tensor().text() + "'", t.shape().dims(), idsAt);
            reads.add(access);
            readAt.put(access, ids);
          }
          at.add(new IndexExpr.DataIndex(-1, List.of(), 0));
          continue;
        }
        if (containsElement(p)) {
          error(DiagCode.MISPLACED, p.pos(), "a position read from an int tensor must be its element alone, as in E[tok[t], d]");
          at.add(Affine.constant(0));
          continue;
        }
        Affine a = affine(p, true);
        at.add(a == null ? Affine.constant(0) : a);
      }
      if (s != null) {
        Ranges.Access access = new Ranges.Access("'" + el.tensor().text() + "'",
            (s instanceof Bound b ? b.expr().shape() : ((Symbol) s).shape()).dims(), at);
        reads.add(access);
        readAt.put(access, el);
      }
      return;
    }
    children(e).forEach(c -> collectReads(c, reads, readAt));
  }

  private static boolean containsElement(Ast.Expr e) {
    return e instanceof Ast.Element || children(e).stream().anyMatch(IndexCheck::containsElement);
  }

  /** The tensor an element read reads, checked for rank; null after reporting. */
  private Object tensor(Ast.Element el) {
    Object m = scope.lookup(el.tensor().text(), el.tensor().pos());
    if (m == null) {
      failed = true;
      return null;
    }
    if (m instanceof Bound b) {
      if (b.expr().shape().rank() != el.at().size()) {
        int rank = b.expr().shape().rank();
        error(DiagCode.READ_RANK, el.pos(), el.tensor().text(), rank, rank == 1 ? "axis" : "axes", el.at().size(),
            el.at().size() == 1 ? "index" : "indices");
        return null;
      }
      return b;
    }
    if (!(m instanceof Symbol s)) {
      error(DiagCode.READ_RANK, el.pos(), el.tensor().text(), 0, "axes (it is a const)", el.at().size(),
          el.at().size() == 1 ? "index" : "indices");
      return null;
    }
    if (s.shape().rank() != el.at().size()) {
      int rank = s.shape().rank();
      error(DiagCode.READ_RANK, el.pos(), el.tensor().text(), rank, rank == 1 ? "axis" : "axes", el.at().size(),
          el.at().size() == 1 ? "index" : "indices");
      return null;
    }
    return s;
  }

  /** {@code e} as an affine expression of the indices, or null (reported if {@code report}). */
  private Affine affine(Ast.Expr e, boolean report) {
    Affine a = affineOrNull(e);
    if (a == null && report) {
      error(DiagCode.NOT_AFFINE, e.pos());
    }
    return a;
  }

  private Affine affineOrNull(Ast.Expr e) {
    if (e instanceof Ast.Number n) {
      return isInt(n.value()) ? Affine.constant((int) n.value()) : null;
    } else if (e instanceof Ast.Ref r) {
      if (indexAt.containsKey(r.name())) {
        return Affine.of(r.name());
      }
      Optional<String> kind = scope.declared(r.name());
      if (kind.isPresent() && kind.get().equals("const")) {
        Object v = scope.lookup(r.name(), r.pos());
        return v instanceof Double d && isInt(d) ? Affine.constant((int) (double) d) : null;
      }
      return null;
    } else if (e instanceof Ast.Unary u) {
      Affine a = affineOrNull(u.operand());
      return a == null ? null : u.op().equals("-") ? a.times(-1) : a;
    } else if (e instanceof Ast.Binary b) {
      Affine l = affineOrNull(b.left());
      Affine r = affineOrNull(b.right());
      if (l == null || r == null) {
        return null;
      }
      try {
        return switch (b.op()) {
          case "+" -> l.plus(r);
          case "-" -> l.minus(r);
          case "*", ".*", "\u2299" -> l.isConstant() ? r.times(l.constant()) : r.isConstant() ? l.times(r.constant()) : null;
          default -> null;
        };
      } catch (ArithmeticException overflow) {
        return null;
      }
    }
    return null;
  }

  private static boolean isInt(double v) {
    return v == Math.rint(v) && Math.abs(v) <= 1 << 24;
  }

  private Cond.OnIndices indexCondition(Ast.Compare c) {
    Affine l = affine(c.left(), true);
    Affine r = affine(c.right(), true);
    return l == null || r == null ? null : new Cond.OnIndices(l, cmp(c.op()), r);
  }

  private static Cond.Cmp cmp(String op) {
    return switch (op) {
      case "<" -> Cond.Cmp.LT;
      case "<=" -> Cond.Cmp.LE;
      case ">" -> Cond.Cmp.GT;
      case ">=" -> Cond.Cmp.GE;
      case "==" -> Cond.Cmp.EQ;
      default -> Cond.Cmp.NE;
    };
  }

  // ---- comprehensions

  /** The tensors one comprehension reads, by slot, and the indices it may use. */
  private static final class Level {
    final List<TExpr> slots = new ArrayList<>();
    final Map<Object, Integer> slotOf = new HashMap<>();
    final Set<String> indices;

    Level(Set<String> indices) {
      this.indices = indices;
    }

    int slot(Object key, TExpr tensor) {
      return slotOf.computeIfAbsent(key, k -> {
        slots.add(tensor);
        return slots.size() - 1;
      });
    }
  }

  /** A definition without a reduction at its top: {@code y[I] = e where (guards on I)}. */
  private TExpr definition(List<String> out, Ast.Expr body) {
    Level lv = new Level(new LinkedHashSet<>(out));
    IExpr e = value(body, lv);
    if (e == null) {
      return null;
    }
    Comprehension c = new Comprehension(dims(out), Reducer.NONE, List.of(), guardsWithin(Set.copyOf(out), Set.of()), e);
    return new TExpr.Apply(Op.COMPUTE, lv.slots, 0, Shape.of(extentsOf(out)), item.pos(), c);
  }

  /**
   * A reduction over {@code r}'s indices, with {@code out} (from the enclosing scope) as its
   * axes; at the {@code top} of a definition it also takes the guards on the output indices.
   */
  private TExpr reduction(Ast.Reduce r, List<String> out, Pos pos, boolean top) {
    Set<String> inScope = new LinkedHashSet<>(out);
    List<String> reduced = r.indices().stream().map(Ast.Name::text).toList();
    inScope.addAll(reduced);
    Level lv = new Level(inScope);
    IExpr body = value(r.body(), lv);
    if (body == null) {
      return null;
    }
    List<Cond.OnIndices> mine = guardsWithin(inScope, Set.copyOf(reduced));
    if (top) {
      mine = new ArrayList<>(mine);
      mine.addAll(guardsWithin(Set.copyOf(out), Set.of()));
    }
    String kind = r.reducer().text();
    if (kind.equals("mean")) {
      if (!mine.isEmpty()) {
        error(DiagCode.MISPLACED, r.pos(), "a mean over indices that a 'where' clause guards (such as 'j <= i' or"
            + " 'j > 0', which leave points out) has a count that is not its range's; write the sum and divide by the"
            + " count yourself");
        return null;
      }
      long count = 1;
      for (String k : reduced) {
        count *= extents.get(k);
      }
      body = IExpr.div(body, IExpr.constant(count));
    }
    Reducer reducer = switch (kind) {
      case "max" -> Reducer.MAX;
      case "min" -> Reducer.MIN;
      default -> Reducer.SUM;
    };
    Comprehension c = new Comprehension(dims(out), reducer, dims(reduced), mine, body);
    return new TExpr.Apply(Op.COMPUTE, lv.slots, 0, Shape.of(extentsOf(out)), pos, c);
  }

  /**
   * The guards that belong to a comprehension whose domain is {@code domain}: those whose
   * indices all lie in it and that mention one of {@code introduced} (or, for the top level,
   * that mention only its own indices).
   */
  private List<Cond.OnIndices> guardsWithin(Set<String> domain, Set<String> introduced) {
    List<Cond.OnIndices> mine = new ArrayList<>();
    for (Cond.OnIndices g : guards) {
      Set<String> uses = new LinkedHashSet<>(g.left().terms().keySet());
      uses.addAll(g.right().terms().keySet());
      boolean inside = domain.containsAll(uses);
      boolean introducedHere = introduced.isEmpty() || uses.stream().anyMatch(introduced::contains);
      if (inside && introducedHere && !placed.contains(g)) {
        mine.add(g);
        placed.add(g);
      }
    }
    return mine;
  }

  private List<Dim> dims(List<String> indices) {
    return indices.stream().map(i -> new Dim(i, extents.get(i))).toList();
  }

  private int[] extentsOf(List<String> indices) {
    return indices.stream().mapToInt(extents::get).toArray();
  }

  /** The scalar value of {@code e} at a point of {@code lv}'s domain, or null after reporting. */
  private IExpr value(Ast.Expr e, Level lv) {
    if (e instanceof Ast.Number n) {
      return IExpr.constant(n.value());
    } else if (e instanceof Ast.Ref r) {
      if (indexAt.containsKey(r.name())) {
        if (!lv.indices.contains(r.name())) {
          error(DiagCode.INDEX_OUT_OF_SCOPE, r.pos(), r.name());
          return null;
        }
        return new IExpr.IndexValue(Affine.of(r.name()));
      }
      Object m = scope.lookup(r.name(), r.pos());
      if (m == null) {
        failed = true;
        return null;
      }
      if (m instanceof Double d) {
        return IExpr.constant(d);
      }
      if (m instanceof Bound b) {
        if (!b.expr().shape().isScalar()) {
          error(DiagCode.TENSOR_AS_NUMBER, r.pos(), r.name(), b.expr().shape(), example(r.name(), b.expr().shape().rank()));
          return null;
        }
        return new IExpr.Read(lv.slot(b, b.expr()), List.of());
      }
      Symbol s = (Symbol) m;
      if (s.integer()) {
        error(DiagCode.INT_AS_VALUE, r.pos(), s.name(), s.name());
        return null;
      }
      if (!s.shape().isScalar()) {
        error(DiagCode.TENSOR_AS_NUMBER, r.pos(), r.name(), s.shape(), example(r.name(), s.shape().rank()));
        return null;
      }
      return new IExpr.Read(lv.slot(s, new TExpr.Ref(s, r.pos())), List.of());
    } else if (e instanceof Ast.Element el) {
      Object t = tensors.get(el);
      if (t == null) {
        failed = true;
        return null;
      }
      if (t instanceof Symbol s && s.integer()) {
        error(DiagCode.INT_AS_VALUE, el.pos(), s.name(), s.name());
        return null;
      }
      List<IndexExpr> at = new ArrayList<>();
      for (Ast.Expr p : el.at()) {
        if (p instanceof Ast.Element ids) {
          Symbol ti = tensors.get(ids) instanceof Symbol sym ? sym : null;
          if (ti == null) {
            failed = true;
            return null;
          }
          List<IndexExpr> idsAt = new ArrayList<>();
          for (Ast.Expr q : ids.at()) {
            Affine a = affine(q, false);
            if (a == null) {
              failed = true;
              return null;
            }
            for (String i : a.terms().keySet()) {
              if (!lv.indices.contains(i)) {
                error(DiagCode.INDEX_OUT_OF_SCOPE, q.pos(), i);
                return null;
              }
            }
            idsAt.add(a);
          }
          at.add(new IndexExpr.DataIndex(lv.slot(ti, new TExpr.Ref(ti, ids.pos())), idsAt, 0));
          continue;
        }
        Affine a = affine(p, false);
        if (a == null) {
          failed = true;
          return null;
        }
        for (String i : a.terms().keySet()) {
          if (!lv.indices.contains(i)) {
            error(DiagCode.INDEX_OUT_OF_SCOPE, p.pos(), i);
            return null;
          }
        }
        at.add(a);
      }
      return new IExpr.Read(t instanceof Bound b ? lv.slot(b, b.expr()) : lv.slot(t, new TExpr.Ref((Symbol) t, el.pos())), at);
    } else if (e instanceof Ast.Unary u) {
      IExpr a = value(u.operand(), lv);
      return a == null ? null : u.op().equals("-") ? IExpr.neg(a) : a;
    } else if (e instanceof Ast.Binary b) {
      IExpr l = value(b.left(), lv);
      IExpr r = value(b.right(), lv);
      if (l == null || r == null) {
        return null;
      }
      return switch (b.op()) {
        case "+" -> IExpr.add(l, r);
        case "-" -> IExpr.sub(l, r);
        case "/" -> IExpr.div(l, r);
        case "^" -> IExpr.call(Scalar.POW, l, r);
        default -> IExpr.mul(l, r);
      };
    } else if (e instanceof Ast.Call c) {
      return call(c, lv);
    } else if (e instanceof Ast.Reduce r) {
      List<String> uses = new ArrayList<>();
      Set<String> free = freeIndices(r.body());
      for (String i : lv.indices) {
        if (free.contains(i)) {
          uses.add(i);
        }
      }
      TExpr inner = reduction(r, uses, r.pos(), false);
      if (inner == null) {
        failed = true;
        return null;
      }
      List<IndexExpr> at = new ArrayList<>();
      uses.forEach(i -> at.add(Affine.of(i)));
      return new IExpr.Read(lv.slot(inner, inner), at);
    } else if (e instanceof Ast.Compare c) {
      error(DiagCode.MISPLACED, c.pos(), "a comparison is only allowed in a 'where' clause and as the condition of select");
      return null;
    } else if (e instanceof Ast.Keyword k) {
      error(DiagCode.MISPLACED, k.pos(), "keyword arguments are not taken by functions inside an index definition");
      return null;
    } else if (e instanceof Ast.ListLit l) {
      error(DiagCode.MISPLACED, l.pos(), "a list of sizes is only an argument of reshape and pad");
      return null;
    }
    throw new IllegalStateException("unknown expression " + e);
  }

  /** The index names {@code e} mentions (as numbers or in positions). */
  private Set<String> freeIndices(Ast.Expr e) {
    Set<String> out = new LinkedHashSet<>();
    collectFree(e, out);
    return out;
  }

  private void collectFree(Ast.Expr e, Set<String> out) {
    if (e instanceof Ast.Ref r && indexAt.containsKey(r.name())) {
      out.add(r.name());
    }
    children(e).forEach(c -> collectFree(c, out));
  }

  private IExpr call(Ast.Call c, Level lv) {
    String name = c.function().text();
    if (name.equals("select")) {
      if (c.args().size() != 3 || !(c.args().get(0) instanceof Ast.Compare cond)) {
        error(DiagCode.ARITY, c.pos(), name, "a condition and two values (select(j <= i, a, b))", c.args().size());
        return null;
      }
      Cond k = condition(cond, lv);
      IExpr a = value(c.args().get(1), lv);
      IExpr b = value(c.args().get(2), lv);
      return k == null || a == null || b == null ? null : new IExpr.Select(k, a, b);
    }
    Scalar op = FUNCTIONS.get(name);
    if (op == null) {
      if (Op.function(name).isPresent() || scope.isDef(name) || name.equals("grad")) {
        error(DiagCode.NOT_SCALAR_FUNCTION, c.pos(), name,
            "compute it as a named value outside, or write it with indices (a reduction such as sum(k) x[k])");
      } else {
        error(DiagCode.UNKNOWN_FUNCTION, c.pos(), name);
      }
      return null;
    }
    if (c.args().size() != op.arity()) {
      if ((op == Scalar.MAX2 || op == Scalar.MIN2) && c.args().size() == 1) {
        error(DiagCode.NOT_SCALAR_FUNCTION, c.pos(), name + "(x)",
            "inside an index definition take the maximum over indices, as in max(k) x[k]");
      } else {
        error(DiagCode.ARITY, c.pos(), name, op.arity() == 1 ? "1 argument" : op.arity() + " arguments", c.args().size());
      }
      return null;
    }
    List<IExpr> args = new ArrayList<>();
    for (Ast.Expr a : c.args()) {
      IExpr v = value(a, lv);
      if (v == null) {
        return null;
      }
      args.add(v);
    }
    return IExpr.call(op, args.toArray(IExpr[]::new));
  }

  /** select's condition: on indices when both sides are affine in them, otherwise on values. */
  private Cond condition(Ast.Compare c, Level lv) {
    Affine l = affineOrNull(c.left());
    Affine r = affineOrNull(c.right());
    if (l != null && r != null) {
      return new Cond.OnIndices(l, cmp(c.op()), r);
    }
    IExpr a = value(c.left(), lv);
    IExpr b = value(c.right(), lv);
    return a == null || b == null ? null : new Cond.OnValues(a, cmp(c.op()), b);
  }

  private static String example(String name, int rank) {
    List<String> letters = List.of("i", "j", "k", "l");
    return name + "[" + String.join(", ", letters.subList(0, rank)) + "]";
  }

  private static String names(List<Ast.Name> names) {
    return String.join(", ", names.stream().map(Ast.Name::text).toList());
  }

  private void error(DiagCode code, Pos pos, Object... args) {
    failed = true;
    scope.error(code, pos, args);
  }
}
