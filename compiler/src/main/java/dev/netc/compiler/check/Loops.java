package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.ScanBody;
import dev.netc.compiler.model.Loop;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Checks {@code state} declarations and {@code for} blocks for a {@link NetworkChecker}
 * (docs/language.md, "Recurrence"). A state is a name of the network's scope whose meaning is a
 * {@link StateDecl}: outside a for block using it is an error (E140); while its block's body is
 * checked it means its current value, a body leaf ({@code STEP_IN}) until it is assigned, then
 * the assigned expression. Names defined in the body are added to the network's scope while the
 * body is checked, and removed after it (they are per-step locals). A read {@code x[t]} by the
 * step index is a slice of the sequence x; any other read mentioning t ({@code E[tok[t]]},
 * {@code x[T - 1 - t]}) is checked as the index definition {@code r[t] = E[tok[t]]} outside the
 * loop (it depends on no state), whose row t the body reads.
 */
final class Loops {
  private final NetworkChecker c;
  private final List<Loop> loops = new ArrayList<>();
  /** The block being checked, or null. */
  private Block block;

  Loops(NetworkChecker c) {
    this.c = c;
  }

  /** What a state's name means outside the body of its for block. */
  static final class StateDecl {
    final Ast.Name name;
    final Shape shape;
    final TExpr init;
    /** The line of the for block that updates it, 0 before one does. */
    int ownerLine;

    StateDecl(Ast.Name name, Shape shape, TExpr init) {
      this.name = name;
      this.shape = shape;
      this.init = init;
    }
  }

  /** The loop variable while a body is checked, else null. */
  String stepIndex() {
    return block == null ? null : block.index;
  }

  List<Loop> all() {
    return List.copyOf(loops);
  }

  /** The names a for block defines for the network: its collected sequences. */
  static List<Ast.Name> collected(Ast.ForItem f) {
    List<Ast.Name> names = new ArrayList<>();
    for (Ast.Item i : f.body()) {
      if (i instanceof Ast.IndexItem x && x.indices().size() == 1 && x.indices().get(0).text().equals(f.index().text())
          && names.stream().noneMatch(n -> n.text().equals(x.name().text()))) {
        names.add(x.name());
      }
    }
    return names;
  }

  // ---------------------------------------------------------------- state h[H] = init

  void state(Ast.StateItem s) {
    Ast.Decl d = s.decl();
    Shape shape = c.shapeOf(d);
    if (d.type().isPresent() || d.ignore().isPresent()) {
      c.error(DiagCode.LOOP_MISPLACED, d.type().or(d::ignoreKeyword).get().pos(),
          "a state holds real numbers: it takes no element type and no 'ignore='");
      shape = null;
    }
    if (block != null) {
      c.error(DiagCode.LOOP_MISPLACED, s.pos(), "declare states before the for block, not inside it");
      shape = null;
    }
    TExpr init = shape == null ? null : c.exprOf(s.init());
    if (init != null && !init.shape().isScalar() && !init.shape().equals(shape)) {
      c.error(DiagCode.STATE_SHAPE, s.init().pos(), d.name().text(), shape, "its initial value", init.shape());
      init = null;
    }
    c.defineName(d.name(), init == null ? null : new StateDecl(d.name(), shape, init));
  }

  // ---------------------------------------------------------------- for t in 0 .. T { ... }

  private final class Block {
    final String index;
    final int steps;
    final Pos pos;
    final List<StateDecl> states = new ArrayList<>();
    final Map<String, Integer> stateIndex = new HashMap<>();
    final TExpr[] newStates;
    final Pos[] assignedAt;
    final List<Loop.Slot> slots = new ArrayList<>();
    final List<TExpr> args = new ArrayList<>();
    /** Slices already made: the sliced tensor's TExpr (a Ref or a hoisted definition) by key. */
    final Map<String, TExpr> slices = new HashMap<>();
    final List<String> locals = new ArrayList<>();
    final LinkedHashMap<String, TExpr> rows = new LinkedHashMap<>();
    final Map<String, Ast.Name> rowNames = new HashMap<>();
    /** The tensor of the read being made a slice. */
    String sliceName = "row";

    Block(String index, int steps, Pos pos, List<StateDecl> states) {
      this.index = index;
      this.steps = steps;
      this.pos = pos;
      this.states.addAll(states);
      for (int i = 0; i < states.size(); i++) {
        stateIndex.put(states.get(i).name.text(), i);
        slots.add(new Loop.Slot(Loop.Kind.STATE, i, states.get(i).shape, null));
        args.add(states.get(i).init);
      }
      newStates = new TExpr[states.size()];
      assignedAt = new Pos[states.size()];
    }

    TExpr leaf(int slot, Pos at) {
      return new TExpr.Apply(Op.STEP_IN, List.of(), slot, slots.get(slot).shape(), at);
    }

    /** A slot reading row t of {@code seq} (shape [T, ...]). */
    TExpr slice(String key, TExpr seq, Pos at) {
      int k = slots.size();
      Integer known = null;
      for (int j = 0; j < slots.size(); j++) {
        if (slots.get(j).kind() == Loop.Kind.SLICE && key != null && key.equals(sliceKeys.get(j))) {
          known = j;
        }
      }
      if (known != null) {
        return leaf(known, at);
      }
      int[] dims = seq.shape().dims();
      Shape row = Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length));
      args.add(seq);
      slots.add(new Loop.Slot(Loop.Kind.SLICE, args.size() - 1, row, null));
      sliceKeys.put(k, key);
      sliceNames.put(k, sliceName);
      return leaf(k, at);
    }

    final Map<Integer, String> sliceKeys = new HashMap<>();
    /** The name of the tensor each slice slot reads. */
    final Map<Integer, String> sliceNames = new HashMap<>();
  }

  void forBlock(Ast.ForItem f) {
    if (block != null) {
      c.error(DiagCode.LOOP_MISPLACED, f.pos(), "a for block cannot be inside another for block");
      return;
    }
    List<Ast.Name> collected = collected(f);
    OptionalDouble from = c.constantOf(f.from(), "the start of a for block's range");
    OptionalDouble to = c.constantOf(f.to(), "the end of a for block's range");
    boolean ok = from.isPresent() && to.isPresent();
    if (from.isPresent() && from.getAsDouble() != 0) {
      c.error(DiagCode.BAD_LOOP_RANGE, f.from().pos(), "a for block runs from 0 (for t in 0 .. T), but this starts at "
          + NetworkChecker.format(from.getAsDouble()));
      ok = false;
    }
    double steps = to.orElse(1);
    if (to.isPresent() && !(steps >= 1 && steps == Math.rint(steps) && steps <= 1 << 20)) {
      c.error(DiagCode.BAD_LOOP_RANGE, f.to().pos(), "the number of steps of a for block must be a positive integer, but it is "
          + NetworkChecker.format(steps));
      ok = false;
    }
    // the states this block updates: those assigned in its body, in declaration order
    List<StateDecl> states = new ArrayList<>();
    for (Ast.Item i : f.body()) {
      if (i instanceof Ast.AssignItem a && c.peekName(a.name().text()) instanceof StateDecl sd && !states.contains(sd)) {
        if (sd.ownerLine != 0) {
          c.error(DiagCode.STATE_TWO_LOOPS, a.name().pos(), sd.name.text(), sd.ownerLine);
          ok = false;
        }
        states.add(sd);
      }
    }
    if (!ok) {
      collected.forEach(n -> c.defineName(n, null));
      return;
    }
    states.sort(java.util.Comparator.comparingInt((StateDecl s) -> s.name.pos().line()).thenComparingInt(s -> s.name.pos().column()));
    states.forEach(s -> s.ownerLine = f.pos().line());
    Block b = new Block(f.index().text(), (int) steps, f.pos(), states);
    block = b;
    boolean bodyOk = true;
    try {
      for (int i = 0; i < states.size(); i++) {
        c.scopePut(states.get(i).name.text(), new Bound(b.leaf(i, states.get(i).name.pos()), "state"));
      }
      for (Ast.Item item : f.body()) {
        bodyOk &= bodyItem(b, item);
      }
    } finally {
      block = null;
      for (String local : b.locals) {
        c.scopeRemove(local);
      }
      for (StateDecl s : states) {
        c.scopePut(s.name.text(), s);
      }
    }
    if (!bodyOk) {
      collected.forEach(n -> { if (c.peekName(n.text()) == null) c.defineName(n, null); });
      return;
    }
    for (int i = 0; i < states.size(); i++) {
      if (b.newStates[i] == null) {
        throw new IllegalStateException("state without assignment");
      }
    }
    finish(b, f);
  }

  /** Checks one item of a body; false after reporting an error. */
  private boolean bodyItem(Block b, Ast.Item item) {
    if (item instanceof Ast.AssignItem a) {
      String name = a.name().text();
      Integer si = b.stateIndex.get(name);
      if (si != null && b.assignedAt[si] != null) {
        c.error(DiagCode.STATE_ASSIGNED_TWICE, a.name().pos(), name, b.assignedAt[si].line());
        return false;
      }
      if (si == null && c.declaredLine(name) > 0) {
        Object m = c.peekName(name);
        if (m == null) {
          return false; // a declaration that failed, reported there
        }
        String kind = m instanceof Symbol s ? s.kind().label() : m instanceof Double ? "const"
            : b.locals.contains(name) ? "value of this for block" : "name";
        c.error(DiagCode.ASSIGN_NOT_STATE, a.name().pos(), name, kind, c.declaredLine(name));
        return false;
      }
      TExpr e = c.exprOf(a.expr());
      if (e == null) {
        if (si == null) {
          c.defineName(a.name(), null); // failed: its uses report nothing more
          b.locals.add(name);
        }
        return false;
      }
      if (si != null) {
        Shape want = b.states.get(si).shape;
        if (!e.shape().equals(want)) {
          c.error(DiagCode.STATE_SHAPE, a.expr().pos(), name, want, "the value assigned to it", e.shape());
          return false;
        }
        b.newStates[si] = e;
        b.assignedAt[si] = a.name().pos();
        c.scopePut(name, new Bound(e, "state"));
        return true;
      }
      c.defineName(a.name(), new Bound(e, "value"));
      b.locals.add(name);
      return true;
    } else if (item instanceof Ast.IndexItem x) {
      if (x.indices().size() != 1 || !x.indices().get(0).text().equals(b.index)) {
        c.error(DiagCode.LOOP_MISPLACED, x.pos(), "inside a for block, 'name[" + b.index + "] = ...' collects one row per step;"
            + " index definitions belong outside the block");
        return false;
      }
      if (!x.where().isEmpty()) {
        c.error(DiagCode.LOOP_MISPLACED, x.where().get(0).pos(), "a collected row takes no 'where' clause");
        return false;
      }
      String name = x.name().text();
      if (b.rows.containsKey(name)) {
        c.error(DiagCode.COLLECTED_TWICE, x.name().pos(), name, b.index, b.rowNames.get(name).pos().line());
        return false;
      }
      if (c.declaredLine(name) > 0) {
        c.error(DiagCode.REDEFINED, x.name().pos(), name, c.declaredLine(name));
        return false;
      }
      TExpr e = c.exprOf(x.expr());
      if (e == null) {
        return false;
      }
      if (e.shape().rank() >= Shape.MAX_RANK) {
        c.error(DiagCode.TOO_MANY_DIMS, x.name().pos(), name, e.shape().rank() + 1);
        return false;
      }
      b.rows.put(name, e);
      b.rowNames.put(name, x.name());
      return true;
    }
    String what = item instanceof Ast.ForItem ? "a for block cannot be inside another for block"
        : item instanceof Ast.StateItem ? "declare states before the for block, not inside it"
        : "only named values ('r = ...'), state updates ('h = ...') and collected rows ('z[" + b.index
            + "] = ...') may be inside a for block";
    c.error(DiagCode.LOOP_MISPLACED, item.pos(), what);
    return false;
  }

  /** The SCAN expression, its Loop, and the collected sequences as named values. */
  private void finish(Block b, Ast.ForItem f) {
    List<TExpr> newStates = List.of(b.newStates);
    List<TExpr> rows = new ArrayList<>(b.rows.values());
    // captured outer values: every Ref left in the body's expressions (body names are inlined)
    Map<Symbol, Integer> captured = new LinkedHashMap<>();
    IdentityHashMap<TExpr, Boolean> seen = new IdentityHashMap<>();
    List<TExpr> todo = new ArrayList<>(newStates);
    todo.addAll(rows);
    while (!todo.isEmpty()) {
      TExpr e = todo.remove(todo.size() - 1);
      if (seen.put(e, Boolean.TRUE) != null) {
        continue;
      }
      if (e instanceof TExpr.Ref r && !captured.containsKey(r.symbol())) {
        b.args.add(r);
        b.slots.add(new Loop.Slot(Loop.Kind.WHOLE, b.args.size() - 1, r.symbol().shape(), r.symbol()));
        captured.put(r.symbol(), b.slots.size() - 1);
      } else if (e instanceof TExpr.Apply a) {
        todo.addAll(a.args());
      }
    }
    int stateWidth = 0;
    for (StateDecl s : b.states) {
      stateWidth += s.shape.size();
    }
    int rowWidth = 0;
    for (TExpr r : rows) {
      rowWidth += r.shape().size();
    }
    long size = (long) (b.steps + 1) * stateWidth + (long) b.steps * rowWidth;
    if (size > NetworkChecker.MAX_ELEMENTS) {
      c.error(DiagCode.TOO_MANY_ELEMENTS, f.pos(), "the for block's states and rows", size, NetworkChecker.MAX_ELEMENTS);
      b.rowNames.values().forEach(n -> c.defineName(n, null));
      return;
    }
    TExpr.Apply scan = new TExpr.Apply(Op.SCAN, b.args, 0, Shape.vector((int) size), f.pos());
    List<String> slotNames = new ArrayList<>();
    for (int k = 0; k < b.slots.size(); k++) {
      Loop.Slot s = b.slots.get(k);
      slotNames.add(s.kind() == Loop.Kind.STATE ? b.states.get(k).name.text()
          : s.kind() == Loop.Kind.WHOLE ? s.captured().name() : b.sliceNames.getOrDefault(k, "row"));
    }
    loops.add(new Loop(scan, b.steps, b.slots, newStates, rows, f.pos(), slotNames, new ArrayList<>(b.rows.keySet())));
    int start = (b.steps + 1) * stateWidth;
    int offset = 0;
    for (Map.Entry<String, TExpr> row : b.rows.entrySet()) {
      int[] rowDims = row.getValue().shape().dims();
      int[] dims = new int[rowDims.length + 1];
      dims[0] = b.steps;
      System.arraycopy(rowDims, 0, dims, 1, rowDims.length);
      int[] strides = ScanBody.rowMajorStrides(dims);
      strides[0] = rowWidth;
      Shape shape = Shape.of(dims);
      TExpr value = new TExpr.Apply(Op.COMPUTE, List.of(scan), 0, shape, b.rowNames.get(row.getKey()).pos(),
          ScanBody.extraction(dims, start + offset, strides));
      offset += row.getValue().shape().size();
      Ast.Name name = b.rowNames.get(row.getKey());
      Symbol s = new Symbol(Symbol.Kind.VALUE, name.text(), shape, name.pos());
      if (c.defineName(name, s)) {
        c.addValue(new Network.Value(s, value));
      }
    }
  }

  // ---------------------------------------------------------------- reads by the step index

  /** Whether {@code e} mentions the name {@code index}. */
  private static boolean mentions(Ast.Expr e, String index) {
    if (e instanceof Ast.Ref r) {
      return r.name().equals(index);
    } else if (e instanceof Ast.Unary u) {
      return mentions(u.operand(), index);
    } else if (e instanceof Ast.Binary b) {
      return mentions(b.left(), index) || mentions(b.right(), index);
    } else if (e instanceof Ast.Element el) {
      return el.at().stream().anyMatch(a -> mentions(a, index));
    } else if (e instanceof Ast.Call call) {
      return call.args().stream().anyMatch(a -> mentions(a, index));
    }
    return false;
  }

  /**
   * A read {@code x[...]} in a body: a slice of a sequence when its positions mention the step
   * index; null after reporting an error, or {@code NOT_MINE} when it does not concern loops.
   */
  TExpr element(Ast.Element el) {
    Block b = block;
    if (b != null) {
      b.sliceName = el.tensor().text();
    }
    if (b == null || el.at().stream().noneMatch(a -> mentions(a, b.index))) {
      return NOT_MINE;
    }
    String name = el.tensor().text();
    Object m = c.peekName(name);
    if (m instanceof Bound || m instanceof StateDecl) {
      c.error(DiagCode.BAD_SEQUENCE_READ, el.pos(), "'" + name + "' is a " + (m instanceof Bound bd ? bd.kind() : "state")
          + " of this step, not a sequence: " + name + "[" + b.index + "] reads row " + b.index
          + " of a value declared before the for block");
      return null;
    }
    if (el.at().size() == 1 && el.at().get(0) instanceof Ast.Ref r && r.name().equals(b.index)) {
      Object meaning = c.lookupName(name, el.tensor().pos());
      if (meaning == null) {
        return null;
      }
      if (!(meaning instanceof Symbol s)) {
        c.error(DiagCode.BAD_SEQUENCE_READ, el.pos(), "'" + name + "' is a const, not a sequence");
        return null;
      }
      if (s.integer()) {
        c.error(DiagCode.INT_AS_VALUE, el.pos(), name, name);
        return null;
      }
      if (s.shape().rank() == 0 || s.shape().dims()[0] != b.steps) {
        c.error(DiagCode.BAD_SEQUENCE_READ, el.pos(), "'" + name + "' is " + s.shape() + ", so " + name + "[" + b.index
            + "] is not row " + b.index + " of a sequence of " + b.steps + " steps: its first axis must have " + b.steps
            + " rows");
        return null;
      }
      return b.slice(name, new TExpr.Ref(s, el.pos()), el.pos());
    }
    // any other read by t: computed for every step outside the loop, r[t] = x[...], then sliced
    Ast.IndexItem item = new Ast.IndexItem(new Ast.Name(name + "[...]", el.pos()), List.of(new Ast.Name(b.index, el.pos())),
        el, List.of(), el.pos());
    String key = el.toString();
    TExpr seq = b.slices.get(key);
    if (seq == null) {
      Block saved = block;
      block = null; // the definition sees no body names (it is outside the loop)
      try {
        seq = c.indexDefinition(item);
      } finally {
        block = saved;
      }
      if (seq == null) {
        return null;
      }
      if (seq.shape().dims()[0] != b.steps) {
        c.error(DiagCode.BAD_SEQUENCE_READ, el.pos(), "this read is in bounds for " + b.index + " < " + seq.shape().dims()[0]
            + " only, but the for block runs " + b.steps + " steps");
        return null;
      }
      b.slices.put(key, seq);
    }
    return b.slice(key, seq, el.pos());
  }

  /** {@link #element}'s answer for a read that is not by the step index. */
  static final TExpr NOT_MINE = new TExpr.Const(0, new Pos(1, 1, 0));
}
