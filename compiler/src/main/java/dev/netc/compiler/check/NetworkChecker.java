package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Init;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.ops.Scalar;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Checks one network: names declared once and before use, consts folded, shapes inferred by
 * {@link ShapeRules}, calls' arity and constant arguments, the loss and outputs. Errors do not
 * cascade: an expression that failed is {@code null}, and whatever uses it stays quiet.
 */
final class NetworkChecker {
  private final SourceFile file;
  private final Diagnostics diagnostics;
  private final Ast.Network ast;
  private final String packageName;
  private final boolean isFloat;

  /** Every name declared anywhere in the network, with its first declaration (for "before"). */
  private final Map<String, Pos> declaredAnywhere = new HashMap<>();
  /** Names declared so far: a const (Double), a symbol, or a failed definition (FAILED). */
  private final Map<String, Object> scope = new LinkedHashMap<>();
  private final Map<String, Pos> declaredAt = new HashMap<>();
  private final Map<String, Double> consts = new LinkedHashMap<>();
  private final ConstFolder folder = new ConstFolder(consts);

  private final List<Symbol> inputs = new ArrayList<>();
  private final List<Symbol> targets = new ArrayList<>();
  private final List<Network.Param> params = new ArrayList<>();
  private final List<Network.Value> values = new ArrayList<>();
  /** Each value's definition, for lookups by symbol (a linear search was quadratic in deep networks). */
  private final java.util.Map<Symbol, TExpr> definitions = new java.util.HashMap<>();
  private final List<Symbol> outputs = new ArrayList<>();
  /** Where each output is named in an {@code output} item, for warnings about it. */
  private final Map<Symbol, Pos> outputAt = new HashMap<>();
  /** For each int input and target used as positions or class indices, the number of valid ids. */
  private final Map<String, Integer> idLimits = new LinkedHashMap<>();
  private TExpr loss;
  private Pos lossPos;
  private boolean lossFailed;

  /** The functions of the file (its own defs and imported ones), and the network's own on top. */
  private final Functions fileFunctions;
  private Functions networkFunctions = Functions.NONE;
  /** The call of a def being checked, innermost; null at the network's own level. */
  private Frame frame;
  /** The network's state declarations and for blocks. */
  private final Loops loops = new Loops(this);

  private static final Object FAILED = new Object();
  /** The most elements one value may hold (a double array of this many is 2 GiB). */
  static final int MAX_ELEMENTS = 1 << 28;

  NetworkChecker(SourceFile file, Diagnostics diagnostics, Ast.Network ast, String packageName) {
    this(file, diagnostics, ast, packageName, false);
  }

  /** @param isFloat whether the code will compute in float, so every constant must fit in a float (E051) */
  NetworkChecker(SourceFile file, Diagnostics diagnostics, Ast.Network ast, String packageName, boolean isFloat) {
    this(file, diagnostics, ast, packageName, isFloat, Functions.NONE);
  }

  /** @param fileFunctions the defs the network's file sees (its own and those it imports) */
  NetworkChecker(SourceFile file, Diagnostics diagnostics, Ast.Network ast, String packageName, boolean isFloat,
      Functions fileFunctions) {
    this.fileFunctions = fileFunctions;
    this.isFloat = isFloat;
    this.file = file;
    this.diagnostics = diagnostics;
    this.ast = ast;
    this.packageName = packageName;
  }

  /** The checked network, or empty if this network had errors (all reported). */
  Optional<Network> check() {
    long errorsBefore = diagnostics.errorCount();
    JavaNames.classNameProblem(ast.name())
        .ifPresent(why -> error(DiagCode.BAD_NETWORK_NAME, ast.pos(), ast.name(), why));
    prescan();
    networkFunctions = Functions.ofNetwork(file, fileFunctions,
        ast.items().stream().filter(i -> i instanceof Ast.Def).map(i -> (Ast.Def) i).toList(), diagnostics);
    if (isFloat) {
      for (Ast.Item item : ast.items()) {
        floatRange(item);
      }
    }
    for (Ast.Item item : ast.items()) {
      try {
        item(item);
      } catch (StackOverflowError e) {
        error(DiagCode.TOO_DEEP, item.pos());
        declaredNames(item).stream().filter(n -> !declaredAt.containsKey(n.text())).forEach(n -> define(n, FAILED));
      }
    }
    if (outputs.isEmpty() && loss == null && !lossFailed && !hasOutputItem()) {
      error(DiagCode.NO_OUTPUT_OR_LOSS, ast.pos(), ast.name());
    }
    if (diagnostics.errorCount() > errorsBefore) {
      return Optional.empty();
    }
    Network network = new Network(ast.name(), packageName, file, ast.pos(), inputs, targets, params, values, outputs,
        Optional.ofNullable(loss), idLimits, loops.all());
    try {
      new Warnings(network, outputAt, diagnostics).report();
    } catch (StackOverflowError e) {
      // the checker walked these expressions, so this cannot happen in practice; warnings are
      // advice, and a network too deep to advise on is still a correct network
    }
    return Optional.of(network);
  }

  private boolean hasOutputItem() {
    return ast.items().stream().anyMatch(i -> i instanceof Ast.OutputItem);
  }

  private void prescan() {
    for (Ast.Item item : ast.items()) {
      for (Ast.Name n : declaredNames(item)) {
        declaredAnywhere.putIfAbsent(n.text(), n.pos());
      }
    }
  }

  private static List<Ast.Name> declaredNames(Ast.Item item) {
    if (item instanceof Ast.InputItem i) {
      return i.decls().stream().map(Ast.Decl::name).toList();
    } else if (item instanceof Ast.ParamItem p) {
      return List.of(p.decl().name());
    } else if (item instanceof Ast.ConstItem c) {
      return List.of(c.name());
    } else if (item instanceof Ast.AssignItem a) {
      return List.of(a.name());
    } else if (item instanceof Ast.IndexItem x) {
      return List.of(x.name());
    } else if (item instanceof Ast.StateItem st) {
      return List.of(st.decl().name());
    } else if (item instanceof Ast.ForItem f) {
      return Loops.collected(f);
    }
    return List.of();
  }

  private void item(Ast.Item item) {
    if (item instanceof Ast.InputItem i) {
      for (Ast.Decl d : i.decls()) {
        Shape shape = shape(d);
        boolean integer = elementType(d, i.target() ? "target" : "input");
        java.util.OptionalInt ignore = ignore(d, integer, i.target());
        if (ignore == null) {
          shape = null;
        }
        Symbol s = new Symbol(i.target() ? Symbol.Kind.TARGET : Symbol.Kind.INPUT, d.name().text(),
            shape == null ? Shape.SCALAR : shape, d.name().pos(), integer, ignore == null ? java.util.OptionalInt.empty() : ignore);
        if (define(d.name(), shape == null ? FAILED : s) && shape != null) {
          (i.target() ? targets : inputs).add(s);
        }
      }
    } else if (item instanceof Ast.ParamItem p) {
      Shape shape = shape(p.decl());
      if (p.decl().type().isPresent() && elementType(p.decl(), "param")) {
        error(DiagCode.INT_NOT_ALLOWED, p.decl().type().get().pos(), "param '" + p.decl().name().text()
            + "' cannot be int: only inputs and targets hold integers (params are trained, so they are real numbers)");
        shape = null;
      }
      if (p.decl().ignore().isPresent()) {
        error(DiagCode.BAD_IGNORE, p.decl().ignoreKeyword().get().pos(), "'ignore=' declares the padding id of an int target, not of a param");
        shape = null;
      }
      Init init = p.init().map(this::init).orElse(shape == null ? null : Init.defaultFor(shape));
      Symbol s = new Symbol(Symbol.Kind.PARAM, p.decl().name().text(), shape == null ? Shape.SCALAR : shape,
          p.decl().name().pos());
      boolean ok = shape != null && init != null;
      if (define(p.decl().name(), ok ? s : FAILED) && ok) {
        params.add(new Network.Param(s, init));
      }
    } else if (item instanceof Ast.ConstItem c) {
      OptionalDouble v = constant(c.expr(), "const '" + c.name().text() + "'");
      if (v.isPresent() && isFloat && Math.abs(v.getAsDouble()) > Float.MAX_VALUE && !(c.expr() instanceof Ast.Number)) {
        error(DiagCode.FLOAT_RANGE, c.expr().pos(), "const '" + c.name().text() + "'", format(v.getAsDouble()));
        v = OptionalDouble.empty();
      }
      if (define(c.name(), v.isPresent() ? (Object) v.getAsDouble() : FAILED) && v.isPresent()) {
        consts.put(c.name().text(), v.getAsDouble());
      }
    } else if (item instanceof Ast.AssignItem a) {
      TExpr e = expr(a.expr());
      Symbol s = e == null ? null : new Symbol(Symbol.Kind.VALUE, a.name().text(), e.shape(), a.name().pos());
      if (define(a.name(), s == null ? FAILED : s) && s != null) {
        values.add(new Network.Value(s, e));
        definitions.put(s, e);
      }
    } else if (item instanceof Ast.IndexItem x) {
      TExpr e = IndexCheck.check(indexScope(), x);
      Symbol s = e == null ? null : new Symbol(Symbol.Kind.VALUE, x.name().text(), e.shape(), x.name().pos());
      if (define(x.name(), s == null ? FAILED : s) && s != null) {
        values.add(new Network.Value(s, e));
        definitions.put(s, e);
      }
    } else if (item instanceof Ast.OutputItem o) {
      for (Ast.Name n : o.names()) {
        output(n);
      }
    } else if (item instanceof Ast.LossItem l) {
      loss(l);
    } else if (item instanceof Ast.StateItem st) {
      loops.state(st);
    } else if (item instanceof Ast.ForItem f) {
      loops.forBlock(f);
    }
    // a def (Ast.Def) is checked at each of its calls
  }

  /** What {@code grad(f, v)} needs: typed arguments, names, the named values' definitions, reporting. */
  private GradCall.Env gradEnv() {
    return new GradCall.Env() {
      @Override
      public TExpr expr(Ast.Expr e) {
        return NetworkChecker.this.expr(e);
      }

      @Override
      public Object peek(String name) {
        return NetworkChecker.this.peek(name);
      }

      @Override
      public TExpr definition(Symbol s) {
        return definitions.get(s);
      }

      @Override
      public void report(DiagCode code, Pos pos, Object... args) {
        error(code, pos, args);
      }
    };
  }

  /** What a library function needs: typed arguments, constants, and error reporting. */
  private Library.Env libraryEnv() {
    return new Library.Env() {
      @Override
      public TExpr expr(Ast.Expr e) {
        return NetworkChecker.this.expr(e);
      }

      @Override
      public OptionalDouble constant(Ast.Expr e, String what) {
        return NetworkChecker.this.constant(e, what);
      }

      @Override
      public void error(DiagCode code, Pos pos, Object... args) {
        NetworkChecker.this.error(code, pos, args);
      }
    };
  }

  /** What an index definition sees of this network: its names so far, and error reporting. */
  private IndexCheck.Scope indexScope() {
    return new IndexCheck.Scope() {
      @Override
      public Object lookup(String name, Pos pos) {
        return NetworkChecker.this.lookup(name, pos);
      }

      @Override
      public void idLimit(Symbol s, int n) {
        NetworkChecker.this.idLimit(s, n);
      }

      @Override
      public Object peek(String name) {
        Object m = scope.get(name);
        return m == FAILED ? null : m;
      }

      @Override
      public Optional<String> declared(String name) {
        Object m = peek(name);
        if (m == null) {
          boolean later = frame != null ? frame.later.containsKey(name)
              || frame.fn.inNetwork() && declaredAnywhere.containsKey(name) : declaredAnywhere.containsKey(name);
          return later ? Optional.of("name (declared later)") : Optional.empty();
        }
        return Optional.of(m instanceof Symbol s ? s.kind().label() : m instanceof Double ? "const"
            : m instanceof Bound b ? b.kind() : "name");
      }

      @Override
      public boolean isDef(String name) {
        return functions().find(name).isPresent();
      }

      @Override
      public void error(DiagCode code, Pos pos, Object... args) {
        NetworkChecker.this.error(code, pos, args);
      }
    };
  }

  private void output(Ast.Name n) {
    Object entry = lookup(n.text(), n.pos());
    if (entry instanceof Double) {
      error(DiagCode.OUTPUT_NOT_VALUE, n.pos(), n.text());
    } else if (entry instanceof Symbol s) {
      if (outputs.contains(s)) {
        error(DiagCode.DUPLICATE_OUTPUT, n.pos(), n.text());
      } else {
        Symbol target = targetUnder(s);
        if (target != null) {
          error(DiagCode.OUTPUT_NEEDS_TARGET, n.pos(), n.text(), target.name());
        }
        outputs.add(s);
        outputAt.put(s, n.pos());
      }
    }
  }

  private void loss(Ast.LossItem l) {
    if (lossPos != null) {
      error(DiagCode.TWO_LOSSES, l.pos(), lossPos.line());
      return;
    }
    lossPos = l.pos();
    TExpr e = expr(l.expr());
    if (e == null) {
      lossFailed = true;
    } else if (!e.shape().isScalar()) {
      error(DiagCode.LOSS_NOT_SCALAR, l.expr().pos(), e.shape());
      lossFailed = true;
    } else {
      loss = e;
    }
  }

  /** A target that the value {@code s} is computed from, or null: predict has no targets. */
  /**
   * The first target (depth first, left to right) that {@code start}'s value is computed from, or
   * null. Iterative, so a chain of thousands of named values does not overflow the stack.
   */
  private Symbol targetUnder(Symbol start) {
    java.util.Set<Symbol> seen = new java.util.HashSet<>();
    // by identity: a def's argument is one object wherever its parameter is used
    java.util.Set<TExpr> walked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    java.util.Deque<Object> stack = new java.util.ArrayDeque<>();
    stack.push(start);
    while (!stack.isEmpty()) {
      Object next = stack.pop();
      if (next instanceof Symbol s) {
        if (s.kind() == Symbol.Kind.TARGET) {
          return s;
        }
        TExpr definition = s.kind() == Symbol.Kind.VALUE && seen.add(s) ? definitions.get(s) : null;
        if (definition != null) {
          stack.push(definition);
        }
      } else if (next instanceof TExpr.Ref r) {
        stack.push(r.symbol());
      } else if (next instanceof TExpr.Apply a && walked.add(a)) {
        for (int k = a.args().size() - 1; k >= 0; k--) {
          stack.push(a.args().get(k));
        }
      }
    }
    return null;
  }

  /** Adds a name to the scope; false (and an error) if it was already declared. */
  private boolean define(Ast.Name name, Object meaning) {
    if (frame != null) {
      Pos first = frame.declaredAt.get(name.text());
      if (first != null) {
        error(DiagCode.REDEFINED, name.pos(), name.text(), first.line());
        return false;
      }
      frame.declaredAt.put(name.text(), name.pos());
      frame.names.put(name.text(), meaning);
      return true;
    }
    Pos first = declaredAt.get(name.text());
    if (first != null) {
      error(DiagCode.REDEFINED, name.pos(), name.text(), first.line());
      return false;
    }
    declaredAt.put(name.text(), name.pos());
    scope.put(name.text(), meaning);
    return true;
  }

  /** The meaning of a name in scope (a Double const or a Symbol), or null after reporting why not. */
  private Object lookup(String name, Pos pos) {
    Object entry = peek(name);
    if (entry == FAILED) {
      return null;
    }
    if (entry instanceof Loops.StateDecl) {
      if (loops.stepIndex() != null) {
        error(DiagCode.STATE_NOT_UPDATED, pos, name);
      } else {
        error(DiagCode.STATE_OUTSIDE, pos, name, name);
      }
      return null;
    }
    if (entry == null && name.equals(loops.stepIndex())) {
      error(DiagCode.LOOP_MISPLACED, pos, "the step index '" + name + "' may only be used in the positions of a read ("
          + "x[" + name + "], E[tok[" + name + "]], z[" + name + "] = ...), not as a value");
      return null;
    }
    if (entry != null) {
      return entry;
    }
    Pos later = frame == null || frame.fn.inNetwork() ? declaredAnywhere.get(name) : null;
    if (frame != null && frame.later.containsKey(name)) {
      later = frame.later.get(name);
    }
    if (later != null) {
      error(DiagCode.USED_BEFORE_DECLARED, pos, name, later.line());
    } else if (Op.function(name).isPresent()) {
      error(DiagCode.FUNCTION_AS_VALUE, pos, name, Op.function(name).get().exampleCall());
    } else {
      error(DiagCode.UNKNOWN_NAME, pos, name);
    }
    return null;
  }

  private Shape shape(Ast.Decl d) {
    List<Ast.Expr> dims = d.dims();
    if (dims.size() > Shape.MAX_RANK) {
      error(DiagCode.TOO_MANY_DIMS, d.name().pos(), d.name().text(), dims.size());
      return null;
    }
    int[] sizes = new int[dims.size()];
    boolean ok = true;
    for (int i = 0; i < dims.size(); i++) {
      OptionalDouble v = constant(dims.get(i), "a size");
      if (v.isEmpty()) {
        ok = false;
        continue;
      }
      double x = v.getAsDouble();
      if (!(x >= 1 && x == Math.rint(x) && x <= 1 << 24)) {
        error(DiagCode.BAD_SIZE, dims.get(i).pos(), format(x));
        ok = false;
      } else {
        sizes[i] = (int) x;
      }
    }
    if (!ok) {
      return null;
    }
    long elements = 1;
    for (int n : sizes) {
      elements *= n;
    }
    if (elements > MAX_ELEMENTS) {
      error(DiagCode.TOO_MANY_ELEMENTS, d.name().pos(), d.name().text(), elements, MAX_ELEMENTS);
      return null;
    }
    return Shape.of(sizes);
  }

  /** Records that the values of the int tensor {@code s} index an axis of {@code n}. */
  private void idLimit(Symbol s, int n) {
    idLimits.merge(s.name(), n, Math::min);
  }

  /** Whether {@code d} is declared {@code int}; any other word after the sizes is E124 (and false). */
  private boolean elementType(Ast.Decl d, String kind) {
    if (d.type().isEmpty()) {
      return false;
    }
    Ast.Name t = d.type().get();
    if (!t.text().equals("int")) {
      error(DiagCode.BAD_ELEMENT_TYPE, t.pos(), t.text(), d.name().text());
      return false;
    }
    return true;
  }

  /**
   * The padding id of {@code d} ({@code ignore=0}): empty without one, null after an error (on
   * an input, on a target that is not int, a value that is not an integer constant).
   */
  private java.util.OptionalInt ignore(Ast.Decl d, boolean integer, boolean target) {
    if (d.ignoreKeyword().isEmpty()) {
      return java.util.OptionalInt.empty();
    }
    Ast.Name kw = d.ignoreKeyword().get();
    if (!kw.text().equals("ignore")) {
      error(DiagCode.BAD_IGNORE, kw.pos(), "expected 'ignore=' (the padding id of an int target) after the type, but found '"
          + kw.text() + "='");
      return null;
    }
    if (!target || !integer) {
      error(DiagCode.BAD_IGNORE, kw.pos(), "'ignore=' declares the padding id of an int target ('target y[T] int ignore=0'), but '"
          + d.name().text() + "' is " + (target ? "a target of real numbers" : "an input"));
      return null;
    }
    OptionalDouble v = constant(d.ignore().get(), "the ignore id");
    if (v.isEmpty()) {
      return null;
    }
    double x = v.getAsDouble();
    if (x != Math.rint(x) || Math.abs(x) > 1 << 30) {
      error(DiagCode.BAD_IGNORE, d.ignore().get().pos(), "the ignore id must be an integer, but it is " + format(x));
      return null;
    }
    return java.util.OptionalInt.of((int) x);
  }

  private Init init(Ast.InitCall call) {
    Optional<Init.Kind> kind = Arrays.stream(Init.Kind.values())
        .filter(k -> k.sourceName().equals(call.name().text())).findFirst();
    if (kind.isEmpty()) {
      error(DiagCode.UNKNOWN_INITIALIZER, call.name().pos(), call.name().text(),
          "zeros, ones, constant(v), uniform(lo, hi), normal(mean, std), xavier, he");
      return null;
    }
    if (call.args().size() != kind.get().arity()) {
      error(DiagCode.INITIALIZER_ARGS, call.name().pos(), call.name().text(), arguments(kind.get().arity()),
          call.args().size());
      return null;
    }
    List<Double> args = new ArrayList<>();
    for (Ast.Expr a : call.args()) {
      OptionalDouble v = constant(a, "an initializer argument");
      if (v.isEmpty()) {
        return null;
      }
      args.add(v.getAsDouble());
    }
    if (!initArgumentsOk(kind.get(), call, args)) {
      return null;
    }
    return new Init(kind.get(), args);
  }

  /** E052: arguments that would fail or mean nothing when the params are initialized. */
  private boolean initArgumentsOk(Init.Kind kind, Ast.InitCall call, List<Double> args) {
    if (kind == Init.Kind.NORMAL && !(args.get(1) > 0)) {
      error(DiagCode.BAD_INIT_ARG, call.args().get(1).pos(), "normal", "a standard deviation above 0",
          format(args.get(1)));
      return false;
    }
    if (kind == Init.Kind.UNIFORM && !(args.get(0) < args.get(1))) {
      error(DiagCode.BAD_INIT_ARG, call.args().get(1).pos(), "uniform", "lo < hi",
          format(args.get(0)) + " and " + format(args.get(1)));
      return false;
    }
    if (kind == Init.Kind.UNIFORM && !Double.isFinite(args.get(1) - args.get(0))) {
      error(DiagCode.BAD_INIT_ARG, call.args().get(1).pos(), "uniform", "a finite width hi - lo",
          format(args.get(0)) + " and " + format(args.get(1)));
      return false;
    }
    return true;
  }

  /** E051: in float mode, every number written in {@code item} must fit in a float. */
  private void floatRange(Ast.Item item) {
    List<Ast.Expr> roots = new ArrayList<>();
    if (item instanceof Ast.InputItem i) {
      i.decls().forEach(d -> roots.addAll(d.dims()));
    } else if (item instanceof Ast.ParamItem p) {
      roots.addAll(p.decl().dims());
      p.init().ifPresent(c -> roots.addAll(c.args()));
    } else if (item instanceof Ast.ConstItem c) {
      roots.add(c.expr());
    } else if (item instanceof Ast.LossItem l) {
      roots.add(l.expr());
    } else if (item instanceof Ast.AssignItem a) {
      roots.add(a.expr());
    } else if (item instanceof Ast.IndexItem x) {
      roots.add(x.expr());
      roots.addAll(x.where());
    } else if (item instanceof Ast.StateItem st) {
      roots.addAll(st.decl().dims());
      roots.add(st.init());
    } else if (item instanceof Ast.ForItem f) {
      roots.add(f.from());
      roots.add(f.to());
      for (Ast.Item i : f.body()) {
        floatRange(i);
      }
    } else if (item instanceof Ast.Def d) {
      for (Ast.Item i : d.body()) {
        floatRange(i);
      }
      roots.add(d.result());
      d.grad().ifPresent(g -> roots.add(g.expr()));
    }
    java.util.ArrayDeque<Ast.Expr> todo = new java.util.ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Ast.Expr e = todo.pop();
      if (e instanceof Ast.Number n) {
        if (Double.isFinite(n.value()) && Math.abs(n.value()) > Float.MAX_VALUE) {
          error(DiagCode.FLOAT_RANGE, n.pos(), "the number " + n.text(), format(n.value()));
        }
      } else if (e instanceof Ast.Unary u) {
        todo.push(u.operand());
      } else if (e instanceof Ast.Binary b) {
        todo.push(b.right());
        todo.push(b.left());
      } else if (e instanceof Ast.Compare c) {
        todo.push(c.right());
        todo.push(c.left());
      } else if (e instanceof Ast.Call c) {
        c.args().forEach(todo::push);
      } else if (e instanceof Ast.Element el) {
        el.at().forEach(todo::push);
      } else if (e instanceof Ast.Reduce r) {
        todo.push(r.body());
      } else if (e instanceof Ast.ListLit l) {
        l.items().forEach(todo::push);
      } else if (e instanceof Ast.Keyword k) {
        todo.push(k.value());
      }
    }
  }

  /** Folds a constant expression, or reports what makes it non-constant. */
  private OptionalDouble constant(Ast.Expr e, String what) {
    if (!resolvesQuietly(e)) {
      return OptionalDouble.empty();
    }
    ConstFolder folder = frame == null ? this.folder : frame.folder;
    OptionalDouble v = folder.fold(e);
    if (v.isPresent()) {
      if (!Double.isFinite(v.getAsDouble())) {
        error(DiagCode.NOT_FINITE, e.pos(), what, format(v.getAsDouble()));
        return OptionalDouble.empty();
      }
      return v;
    }
    Optional<Ast.Expr> culprit = folder.firstNonConstant(e);
    if (culprit.isPresent() && culprit.get() instanceof Ast.Ref r) {
      error(DiagCode.NOT_A_CONST, r.pos(), what, r.name());
    } else if (culprit.isPresent() && culprit.get() instanceof Ast.Call c) {
      error(DiagCode.CONST_CALL, c.pos(), what, c.function().text());
    } else {
      error(DiagCode.NOT_CONSTANT, e.pos(), what);
    }
    return OptionalDouble.empty();
  }

  /**
   * Reports unknown and not-yet-declared names inside a constant expression; true if every name
   * is known (const or not), so the caller can then say precisely what is not constant.
   */
  private boolean resolvesQuietly(Ast.Expr e) {
    if (e instanceof Ast.Ref r) {
      Object m = peek(r.name());
      if (m != null) {
        return m != FAILED;
      }
      lookup(r.name(), r.pos());
      return false;
    } else if (e instanceof Ast.Unary u) {
      return resolvesQuietly(u.operand());
    } else if (e instanceof Ast.Binary b) {
      boolean l = resolvesQuietly(b.left());
      return resolvesQuietly(b.right()) && l;
    } else if (e instanceof Ast.Call c) {
      boolean ok = true;
      for (Ast.Expr a : c.args()) {
        ok &= resolvesQuietly(a);
      }
      return ok;
    }
    return true;
  }

  // ---------------------------------------------------------------- what Loops uses

  Shape shapeOf(Ast.Decl d) {
    return shape(d);
  }

  TExpr exprOf(Ast.Expr e) {
    return expr(e);
  }

  OptionalDouble constantOf(Ast.Expr e, String what) {
    return constant(e, what);
  }

  /** Defines {@code name} as {@code meaning} (null: failed); false if it was already defined. */
  boolean defineName(Ast.Name name, Object meaning) {
    return define(name, meaning == null ? FAILED : meaning);
  }

  /** What {@code name} means now, reporting nothing (null when undeclared or failed). */
  Object peekName(String name) {
    Object m = peek(name);
    return m == FAILED ? null : m;
  }

  Object lookupName(String name, Pos pos) {
    return lookup(name, pos);
  }

  /** Rebinds a declared name (a state in its for block's body). */
  void scopePut(String name, Object meaning) {
    scope.put(name, meaning);
  }

  /** Forgets a for block's local after its body. */
  void scopeRemove(String name) {
    scope.remove(name);
    declaredAt.remove(name);
  }

  /** The line where {@code name} is declared, 0 if it is not. */
  int declaredLine(String name) {
    Pos p = declaredAt.get(name);
    return p == null ? 0 : p.line();
  }

  TExpr indexDefinition(Ast.IndexItem item) {
    return IndexCheck.check(indexScope(), item);
  }

  void addValue(Network.Value v) {
    values.add(v);
    definitions.put(v.symbol(), v.expr());
  }

  /** The typed form of {@code e}, or null if it has an error (already reported). */
  private TExpr expr(Ast.Expr e) {
    if (e instanceof Ast.Number n) {
      if (!Double.isFinite(n.value())) {
        error(DiagCode.NOT_FINITE, n.pos(), "the number " + n.text(), format(n.value()));
        return null;
      }
      return new TExpr.Const(n.value(), n.pos());
    } else if (e instanceof Ast.Ref r) {
      Object meaning = lookup(r.name(), r.pos());
      if (meaning instanceof Double d) {
        return new TExpr.Const(d, r.pos());
      }
      if (meaning instanceof Bound b) {
        return b.expr();
      }
      if (meaning instanceof Symbol s && s.integer()) {
        error(DiagCode.INT_AS_VALUE, r.pos(), s.name(), s.name());
        return null;
      }
      return meaning instanceof Symbol s ? new TExpr.Ref(s, r.pos()) : null;
    } else if (e instanceof Ast.Unary u) {
      TExpr a = expr(u.operand());
      if (a == null || u.op().equals("+")) {
        return a;
      }
      return new TExpr.Apply(Op.NEG, List.of(a), 0, a.shape(), u.pos());
    } else if (e instanceof Ast.Binary b) {
      return binary(b);
    } else if (e instanceof Ast.Call c) {
      return call(c);
    } else if (e instanceof Ast.Element el) {
      TExpr slice = loops.element(el);
      if (slice != Loops.NOT_MINE) {
        return slice;
      }
      error(DiagCode.MISPLACED, el.pos(), "an element read such as " + el.tensor().text()
          + "[...] is only allowed in an index definition (y[i] = x[i] + 1)");
      return null;
    } else if (e instanceof Ast.Reduce r) {
      error(DiagCode.MISPLACED, r.pos(), "a reduction over indices such as " + r.reducer().text()
          + "(" + r.indices().get(0).text() + ") ... is only allowed in an index definition (y[i] = sum(k) A[i, k])");
      return null;
    } else if (e instanceof Ast.Compare c) {
      error(DiagCode.MISPLACED, c.pos(), "a comparison is only allowed in a 'where' clause and as the condition of select");
      return null;
    } else if (e instanceof Ast.Keyword k) {
      error(DiagCode.MISPLACED, k.pos(), "'" + k.name().text() + "=' : this function takes no keyword arguments");
      return null;
    } else if (e instanceof Ast.ListLit l) {
      error(DiagCode.MISPLACED, l.pos(), "a list of sizes is only an argument of reshape and pad");
      return null;
    }
    throw new IllegalStateException("unknown expression " + e);
  }

  private TExpr binary(Ast.Binary b) {
    if (b.op().equals("^")) {
      TExpr base = expr(b.left());
      OptionalDouble c = constant(b.right(), "the exponent of '^'");
      if (base == null || c.isEmpty()) {
        return null;
      }
      return new TExpr.Apply(Op.POW, List.of(base), c.getAsDouble(), base.shape(), b.pos());
    }
    TExpr l = expr(b.left());
    TExpr r = expr(b.right());
    if (l == null || r == null) {
      return null;
    }
    ShapeRules.Result res = switch (b.op()) {
      case "+" -> ShapeRules.elementwise(Op.ADD, "+", l.shape(), r.shape());
      case "-" -> ShapeRules.elementwise(Op.SUB, "-", l.shape(), r.shape());
      case ".*", "\u2299" -> ShapeRules.elementwise(Op.MUL, b.op(), l.shape(), r.shape());
      case "/" -> ShapeRules.elementwise(Op.DIV, "/", l.shape(), r.shape());
      case "*" -> ShapeRules.star(l.shape(), r.shape());
      default -> throw new IllegalStateException("operator " + b.op());
    };
    Scalar scalar = switch (b.op()) {
      case "+" -> Scalar.ADD;
      case "-" -> Scalar.SUB;
      case "/" -> Scalar.DIV;
      default -> Scalar.MUL;
    };
    return apply(res, List.of(l, r), 0, b.pos(), scalar);
  }

  private TExpr call(Ast.Call c) {
    String name = c.function().text();
    Optional<Functions.Fn> def = functions().find(name);
    if (def.isPresent()) {
      return callDef(def.get(), c);
    }
    if (name.equals("stop_gradient") && c.args().size() == 1 && !(c.args().get(0) instanceof Ast.Keyword)) {
      TExpr x = expr(c.args().get(0));
      return x == null ? null : new TExpr.Apply(Op.STOP_GRADIENT, List.of(x), 0, x.shape(), c.pos());
    }
    if (name.equals("grad")) {
      return GradCall.check(gradEnv(), c);
    }
    if (Library.handles(c)) {
      return Library.call(libraryEnv(), c);
    }
    for (Ast.Expr a : c.args()) {
      if (a instanceof Ast.Keyword k) {
        error(DiagCode.MISPLACED, k.pos(), "'" + name + "' takes no keyword arguments");
        return null;
      }
    }
    Optional<Op> op = Op.function(name);
    if (op.isEmpty()) {
      error(DiagCode.UNKNOWN_FUNCTION, c.pos(), name);
      c.args().forEach(this::expr);
      return null;
    }
    Op f = op.get();
    int n = c.args().size();
    if (f == Op.SOFTMAX_CROSS_ENTROPY && n == 2 && c.args().get(1) instanceof Ast.Ref r
        && scope.get(r.name()) instanceof Symbol y && y.integer()) {
      TExpr z = expr(c.args().get(0));
      return z == null ? null : ClassIndexLoss.softmaxCrossEntropy(z, y, r.pos(), c.pos(), libraryEnv(),
          this::idLimit);
    }
    if (n < f.minArity() || n > f.maxArity()) {
      String takes = f.minArity() == f.maxArity() ? arguments(f.minArity()) : f.minArity() + " or " + arguments(f.maxArity());
      error(DiagCode.ARITY, c.pos(), name, takes, n);
      return null;
    }
    if (f == Op.LEAKY_RELU) {
      TExpr x = expr(c.args().get(0));
      OptionalDouble alpha = constant(c.args().get(1), "the alpha of 'leaky_relu'");
      if (x == null || alpha.isEmpty()) {
        return null;
      }
      return new TExpr.Apply(Op.LEAKY_RELU, List.of(x), alpha.getAsDouble(), x.shape(), c.pos());
    }
    if (f == Op.DROPOUT) {
      TExpr x = expr(c.args().get(0));
      OptionalDouble p = constant(c.args().get(1), "the probability of 'dropout'");
      if (p.isPresent() && !(p.getAsDouble() >= 0 && p.getAsDouble() < 1)) {
        error(DiagCode.DROPOUT_PROBABILITY, c.args().get(1).pos(), format(p.getAsDouble()));
        return null;
      }
      if (x == null || p.isEmpty()) {
        return null;
      }
      return new TExpr.Apply(Op.DROPOUT, List.of(x), p.getAsDouble(), x.shape(), c.pos());
    }
    List<TExpr> args = new ArrayList<>();
    boolean ok = true;
    for (Ast.Expr a : c.args()) {
      TExpr t = expr(a);
      ok &= t != null;
      args.add(t);
    }
    if (!ok) {
      return null;
    }
    return apply(ShapeRules.function(f, args.stream().map(TExpr::shape).toList()), args, 0, c.pos(),
        f == Op.MAX ? Scalar.MAX2 : f == Op.MIN ? Scalar.MIN2 : null);
  }

  private TExpr apply(ShapeRules.Result res, List<TExpr> args, double attr, Pos pos) {
    return apply(res, args, attr, pos, null);
  }

  /**
   * {@code res} applied to {@code args}; a broadcast ({@code Op.COMPUTE} from the elementwise
   * rule) becomes the index definition {@code out[I] = op(a[I'], b[I''])}, where an axis of size
   * 1 is read at 0, so that its gradient sums over the stretched axes by the one rule of index
   * notation.
   */
  private TExpr apply(ShapeRules.Result res, List<TExpr> args, double attr, Pos pos, Scalar elementwise) {
    if (!res.isOk()) {
      error(res.code(), pos, res.args());
      return null;
    }
    if (res.op() == Op.COMPUTE && elementwise != null) {
      return Broadcasts.of(elementwise, args.get(0), args.get(1), res.shape(), pos);
    }
    return new TExpr.Apply(res.op(), args, attr, res.shape(), pos);
  }

  private static String arguments(int n) {
    return n == 0 ? "no arguments" : n == 1 ? "1 argument" : n + " arguments";
  }

  static String format(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
  }

  void error(DiagCode code, Pos pos, Object... args) {
    if (frame == null) {
      diagnostics.report(code, file, pos, args);
    } else {
      diagnostics.reportWithContext(code, frame.fn.file(), pos, frame.context(), args);
    }
  }

  // ---- functions (def)

  /** The functions callable where checking is now: the network's, or those of the def being expanded. */
  private Functions functions() {
    return frame == null ? networkFunctions : frame.fn.home();
  }

  /** What {@code name} means here without reporting anything: null if it is not declared (yet). */
  private Object peek(String name) {
    if (frame == null) {
      return scope.get(name);
    }
    Object m = frame.names.get(name);
    if (m != null) {
      return m;
    }
    return frame.fn.inNetwork() && seenFromDef(name, frame.fn) ? scope.get(name) : null;
  }

  /** Whether a network def sees the network's {@code name}: declared (and checked) before the def. */
  private boolean seenFromDef(String name, Functions.Fn fn) {
    Pos at = declaredAt.get(name);
    Pos def = fn.def().pos();
    return at != null && (at.line() < def.line() || at.line() == def.line() && at.column() < def.column());
  }

  /**
   * One call of a def being checked: the parameters bound to the arguments' values, the
   * block's named values, the consts it sees, and the call it came from (for messages).
   */
  private final class Frame {
    final Functions.Fn fn;
    final Frame caller;
    final Pos callPos;
    final Map<String, Object> names = new LinkedHashMap<>();
    final Map<String, Pos> declaredAt = new HashMap<>();
    /** The block's names with where they are declared, for "used before it is declared". */
    final Map<String, Pos> later = new HashMap<>();
    final Map<String, Double> consts = new LinkedHashMap<>();
    final ConstFolder folder = new ConstFolder(consts);

    Frame(Functions.Fn fn, Frame caller, Pos callPos) {
      this.fn = fn;
      this.caller = caller;
      this.callPos = callPos;
      if (fn.inNetwork()) {
        NetworkChecker.this.consts.forEach((k, v) -> {
          if (seenFromDef(k, fn)) {
            consts.put(k, v);
          }
        });
      }
      for (Ast.Item item : fn.def().body()) {
        for (Ast.Name n : declaredNames(item)) {
          later.putIfAbsent(n.text(), n.pos());
        }
      }
    }

    SourceFile callerFile() {
      return caller == null ? file : caller.fn.file();
    }

    /** " (in the call to f at net.net:12:5, in the call to g at ...)", innermost first. */
    String context() {
      StringBuilder b = new StringBuilder(" (");
      for (Frame f = this; f != null; f = f.caller) {
        b.append(f == this ? "" : ", ").append("in the call to ").append(f.fn.def().name().text()).append(" at ")
            .append(f.callerFile().name()).append(':').append(f.callPos.line()).append(':').append(f.callPos.column());
      }
      return b.append(')').toString();
    }
  }

  /**
   * A call of a def, expanded in place: each argument is checked where the call is, then the
   * def's body is checked with its parameters bound to them (so a def is shape-polymorphic: it
   * is checked at each call, with that call's shapes). A constant argument binds a const.
   */
  private TExpr callDef(Functions.Fn fn, Ast.Call c) {
    Ast.Def def = fn.def();
    String name = def.name().text();
    for (Ast.Expr a : c.args()) {
      if (a instanceof Ast.Keyword k) {
        error(DiagCode.MISPLACED, k.pos(), "'" + name + "' takes no keyword arguments");
        return null;
      }
    }
    if (c.args().size() != def.params().size()) {
      error(DiagCode.ARITY, c.pos(), name, arguments(def.params().size()), c.args().size());
      return null;
    }
    for (Frame f = frame; f != null; f = f.caller) {
      if (f.fn.def() == def) {
        return null; // recursion: E120, reported with the def
      }
    }
    List<Object> bound = new ArrayList<>();
    java.util.Set<TExpr> arguments = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    boolean ok = true;
    for (Ast.Expr a : c.args()) {
      OptionalDouble v = resolvesQuietlySilently(a) ? (frame == null ? folder : frame.folder).fold(a) : OptionalDouble.empty();
      if (v.isPresent() && Double.isFinite(v.getAsDouble())) {
        bound.add(v.getAsDouble());
        continue;
      }
      TExpr t = expr(a);
      ok &= t != null;
      bound.add(t == null ? FAILED : new Bound(t, "parameter"));
      if (t != null) {
        arguments.add(t);
      }
    }
    if (!ok) {
      return null;
    }
    Frame callerFrame = frame;
    Frame inner = new Frame(fn, callerFrame, c.pos());
    for (int i = 0; i < def.params().size(); i++) {
      Ast.Name p = def.params().get(i);
      if (inner.declaredAt.containsKey(p.text())) {
        return null; // a parameter named twice: E021, reported with the def
      }
      inner.declaredAt.put(p.text(), p.pos());
      inner.names.put(p.text(), bound.get(i));
      if (bound.get(i) instanceof Double d) {
        inner.consts.put(p.text(), d);
      } else {
        inner.consts.remove(p.text());
      }
    }
    frame = inner;
    TExpr result;
    try {
      if (isFloat && !fn.inNetwork()) {
        floatRange(def); // a network's own defs are checked with its items
      }
      for (Ast.Item item : def.body()) {
        if (item instanceof Ast.AssignItem a) {
          TExpr e = expr(a.expr());
          define(a.name(), e == null ? FAILED : new Bound(e, "value"));
          inner.consts.remove(a.name().text());
        } else if (item instanceof Ast.IndexItem x) {
          TExpr e = IndexCheck.check(indexScope(), x);
          define(x.name(), e == null ? FAILED : new Bound(e, "value"));
          inner.consts.remove(x.name().text());
        }
      }
      result = expr(def.result());
      if (result != null && def.grad().isPresent() && def.params().size() == 1) {
        result = customVjp(def, result, bound.get(0), c.pos());
      }
    } finally {
      frame = callerFrame;
    }
    if (result != null && !fn.file().name().equals(currentFileName())) {
      // a def from another file: what it computes points at the call, in this file
      result = movedTo(result, c.pos(), arguments, new java.util.IdentityHashMap<>());
    }
    return result;
  }

  private String currentFileName() {
    return frame == null ? file.name() : frame.fn.file().name();
  }

  /**
   * {@code body} of a one-parameter def with {@code grad(g) = e}: checked with g bound to the
   * incoming gradient (a {@code HOLE} of the result's shape), it must have the argument's shape.
   */
  private TExpr customVjp(Ast.Def def, TExpr body, Object argument, Pos callPos) {
    Ast.CustomGrad grad = def.grad().get();
    TExpr x = argument instanceof Bound b ? b.expr() : new TExpr.Const((Double) argument, callPos);
    TExpr hole = new TExpr.Apply(Op.HOLE, List.of(), 0, body.shape(), grad.g().pos());
    if (!define(grad.g(), new Bound(hole, "gradient"))) {
      return null;
    }
    frame.consts.remove(grad.g().text());
    TExpr vjp = expr(grad.expr());
    if (vjp == null) {
      return null;
    }
    if (!vjp.shape().equals(x.shape())) {
      error(DiagCode.CUSTOM_GRAD_SHAPE, grad.expr().pos(), def.name().text(), x.shape(), vjp.shape());
      return null;
    }
    return new TExpr.Apply(Op.CUSTOM_VJP, List.of(body, x, vjp), 0, body.shape(), callPos);
  }

  /** {@code e} with every node made by the call (not the arguments) placed at {@code pos}. */
  private static TExpr movedTo(TExpr e, Pos pos, java.util.Set<TExpr> keep, Map<TExpr, TExpr> done) {
    if (keep.contains(e)) {
      return e;
    }
    TExpr moved = done.get(e);
    if (moved != null) {
      return moved;
    }
    if (e instanceof TExpr.Const k) {
      moved = new TExpr.Const(k.value(), pos);
    } else if (e instanceof TExpr.Ref r) {
      moved = new TExpr.Ref(r.symbol(), pos);
    } else {
      TExpr.Apply a = (TExpr.Apply) e;
      List<TExpr> args = new ArrayList<>();
      for (TExpr x : a.args()) {
        args.add(movedTo(x, pos, keep, done));
      }
      moved = new TExpr.Apply(a.op(), args, a.attr(), a.shape(), pos, a.ix());
    }
    done.put(e, moved);
    return moved;
  }

  /** Whether every name in {@code e} is declared, without reporting anything. */
  private boolean resolvesQuietlySilently(Ast.Expr e) {
    if (e instanceof Ast.Ref r) {
      Object m = peek(r.name());
      return m != null && m != FAILED;
    } else if (e instanceof Ast.Unary u) {
      return resolvesQuietlySilently(u.operand());
    } else if (e instanceof Ast.Binary b) {
      return resolvesQuietlySilently(b.left()) && resolvesQuietlySilently(b.right());
    } else if (e instanceof Ast.Call c) {
      return !functions().find(c.function().text()).isPresent() && c.args().stream().allMatch(this::resolvesQuietlySilently);
    }
    return e instanceof Ast.Number;
  }
}
