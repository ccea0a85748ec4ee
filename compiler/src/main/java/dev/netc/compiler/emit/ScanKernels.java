package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.ScanBody;
import dev.netc.compiler.model.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel of a {@code SCAN} (a {@code for} block) or {@code SCAN_BACK} (its backpropagation
 * through time): one method with a loop over the steps, whose body calls the body DAG's kernels,
 * planned once by a child {@link Planner} whose kernels and buffers join the class
 * (docs/codegen.md, "Recurrences"). The code does not grow with the number of steps.
 *
 * <p>Each step copies, for every example, the state rows and sequence rows of the step into
 * per-step workspace buffers (the body's leaves), runs the body's kernels over the whole batch,
 * and copies the body's outputs back: the new states and the rows into the SCAN's value
 * ({@code T + 1} state rows, then {@code T} collected rows, per example); the adjoints of the
 * old states into the carried adjoint buffers, those of slices and captured values added into
 * the SCAN_BACK's value. Captured values are read in place (a param from its field, a value
 * from its buffer).
 */
final class ScanKernels {
  /** The side of the blocks in which a loop's params are transposed before its steps. */
  private static final int TRANSPOSE_BLOCK = 16;

  private ScanKernels() {}

  /** Plans {@code n}'s kernel (and its body's), adds them to the class, and returns the call. */
  static String kernel(Planner p, Node n) {
    ScanBody sb = (ScanBody) n.ix();
    String base = "loop" + Planner.capitalize(sb.name());
    return sb.isReverse() ? backward(p, n, sb, base + "Backward") : forward(p, n, sb, base);
  }

  /** The elements of example ex in a buffer of {@code size} per example, or 0 when it does not depend on the example. */
  private static String at(boolean batched, int size) {
    return batched ? "ex * " + size : "0";
  }

  private record Body(Planner planner, List<Code> calls, List<Node> outputs, List<String> slotStorage, Map<Node, Node> copy) {}

  /**
   * Plans a body: its leaves rebuilt (a captured value that does not depend on the example is a
   * PARAM leaf, read in place; every other leaf a batched INPUT), each bound to its storage.
   */
  private static Body body(Planner p, Node n, ScanBody sb, List<Node> outputs, Map<String, String> extraLeaves,
      String purpose, Map<String, Node> sums, Map<String, String> sumTargets) {
    List<String> slotStorage = new ArrayList<>();
    Map<String, Boolean> batchedLeaf = new HashMap<>();
    int argBase = sb.isReverse() ? 2 : 0;
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      if (s.kind() == ScanBody.Kind.WHOLE) {
        Node arg = n.input(argBase + s.arg());
        slotStorage.add(p.storageOf(arg));
        batchedLeaf.put(ScanBody.slotName(k), p.isBatched(arg));
      } else {
        String source = sb.slotName(k, s.kind() == ScanBody.Kind.STATE ? "state" : "row");
        slotStorage.add(p.newBuffer(s.kind() == ScanBody.Kind.STATE ? source + "Prev" : source + "_t", s.shape().size(), true,
            "a " + (s.kind() == ScanBody.Kind.STATE ? "state" : "sequence's row") + " at one step of " + p.describe(n)));
        batchedLeaf.put(ScanBody.slotName(k), true);
      }
    }
    GraphBuilder b = new GraphBuilder(false);
    Map<Node, Node> copy = new HashMap<>();
    for (Node x : sb.nodes()) {
      if (x.op() == Op.INPUT) {
        boolean batched = batchedLeaf.getOrDefault(x.name(), true);
        copy.put(x, b.leaf(batched ? Op.INPUT : Op.PARAM, x.name(), x.shape(), x.pos()));
      } else {
        copy.put(x, b.copy(x, x.inputs().stream().map(copy::get).toList()));
      }
    }
    Map<String, Node> outs = new LinkedHashMap<>();
    List<Node> copied = new ArrayList<>();
    for (int i = 0; i < outputs.size(); i++) {
      Node o = copy.get(outputs.get(i));
      copied.add(o);
      outs.put("o" + i, o);
    }
    Map<String, Node> gradients = new LinkedHashMap<>();
    sums.forEach((name, x) -> gradients.put(name, copy.get(x)));
    Dag dag = new Dag(p.dag().network(), b.nodes(), outs, null, gradients, Map.of());
    Planner child = p.bodyPlanner(dag);
    if (!sb.isReverse()) {
      child.hoistTransposes();
    }
    for (int k = 0; k < sb.slots().size(); k++) {
      child.bindLeaf(ScanBody.slotName(k), slotStorage.get(k));
    }
    extraLeaves.forEach(child::bindLeaf);
    List<Code> calls = gradients.isEmpty() ? child.planBody(copied, purpose)
        : child.planBodyWithSums(copied, sumTargets, purpose, "gradient of " + p.describe(n)
            + ": a captured value's adjoint at one step, the mean over the batch, added to its sum over the steps");
    return new Body(child, calls, copied, slotStorage, copy);
  }

  /** Copies the rows of step t of the states ({@code from}, a SCAN value) and of the sequences into the body's leaves. */
  private static void loadStep(Code.Builder perExample, Planner p, Node n, ScanBody sb, String from, int argBase,
      List<String> slotStorage, Map<String, String> locals) {
    int width = sb.stateWidth();
    int value = sb.valueSize();
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      int size = s.shape().size();
      if (s.kind() == ScanBody.Kind.STATE) {
        perExample.stmt("System.arraycopy(%s, ex * %d + t * %d + %d, %s, ex * %d, %d)", from, value, width,
            sb.stateOffset(k), locals.get(slotStorage.get(k)), size, size);
      } else if (s.kind() == ScanBody.Kind.SLICE) {
        Node seq = n.input(argBase + s.arg());
        String src = locals.get(p.storageOf(seq));
        perExample.stmt("System.arraycopy(%s, %s + t * %d, %s, ex * %d, %d)", src, at(p.isBatched(seq), seq.shape().size()),
            size, locals.get(slotStorage.get(k)), size, size);
      }
    }
  }

  /** Local names for the arrays a kernel touches, in order of first use: {@code a0, a1, ...}. */
  private static String local(Map<String, String> locals, String storage) {
    return locals.computeIfAbsent(storage, s -> "a" + locals.size());
  }

  private static ClassPlan.Kernel method(Planner p, String name, String comment, Map<String, String> locals, List<Code> body) {
    List<String> loads = new ArrayList<>();
    String type = p.isFloat() ? "float" : "double";
    locals.forEach((storage, local) -> loads.add(type + "[] " + local + " = " + storage));
    return new ClassPlan.Kernel(name, comment, List.of(), loads, body);
  }

  /** The forward intermediates that the reverse of {@code n} reads (by saved leaf number, null where none). */
  private static List<Node> saved(Planner p, Node n) {
    for (Node u : p.consumers(n)) {
      if (u.op() == Op.SCAN_BACK) {
        return ((ScanBody) u.ix()).saved();
      }
    }
    return List.of();
  }

  private static String forward(Planner p, Node n, ScanBody sb, String base) {
    List<Node> saved = saved(p, n);
    List<Node> outputs = new ArrayList<>(sb.outputs());
    saved.stream().filter(java.util.Objects::nonNull).forEach(outputs::add);
    Body body = body(p, n, sb, outputs, Map.of(), base + "Step", Map.of(), Map.of());
    Map<String, String> locals = new LinkedHashMap<>();
    String out = local(locals, p.storageOf(n));
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      if (s.kind() != ScanBody.Kind.WHOLE) {
        local(locals, body.slotStorage().get(k));
        if (s.kind() == ScanBody.Kind.SLICE || s.kind() == ScanBody.Kind.STATE) {
          local(locals, p.storageOf(n.input(s.arg())));
        }
      }
    }
    List<String> outStorage = new ArrayList<>();
    for (Node o : body.outputs()) {
      outStorage.add(local(locals, body.planner().storageOf(o)));
    }
    int value = sb.valueSize();
    int width = sb.stateWidth();
    Code.Builder c = new Code.Builder();
    Code.Builder init = new Code.Builder();
    for (int i = 0; i < sb.stateCount(); i++) {
      Node x = n.input(i);
      init.stmt("System.arraycopy(%s, %s, %s, ex * %d + %d, %d)", locals.get(p.storageOf(x)), at(p.isBatched(x), sb.stateSize(i)),
          out, value, sb.stateOffset(i), sb.stateSize(i));
    }
    List<Planner.Transposed> transposes = body.planner().transposes();
    if (!transposes.isEmpty()) {
      Code.Builder tr = new Code.Builder();
      for (Planner.Transposed t : transposes) {
        String src = local(locals, t.source());
        String dst = local(locals, t.target());
        // in blocks of 16 x 16, whose rows of the target stay in the L1 cache while the block is
        // written a column at a time (a row at a time, a 128 x 128 transpose wrote 128 lines per row)
        int b = TRANSPOSE_BLOCK;
        tr.block("for (int r0 = 0; r0 < " + t.rows() + "; r0 += " + b + ")", new Code.Builder().block(
            "for (int c0 = 0; c0 < " + t.cols() + "; c0 += " + b + ")", new Code.Builder().block(
                "for (int r = r0; r < Math.min(r0 + " + b + ", " + t.rows() + "); r++)", new Code.Builder().block(
                    "for (int c = c0; c < Math.min(c0 + " + b + ", " + t.cols() + "); c++)",
                    new Code.Builder().stmt("%s[c * %d + r] = %s[r * %d + c]", dst, t.rows(), src, t.cols())))));
      }
      c.comment("the params the steps' products read transposed, once");
      c.block("if (dev.netc.runtime.Vectorized.ENABLED)", tr);
    }
    c.comment("the initial states: row 0 of every example's states");
    c.block("for (int ex = 0; ex < batch; ex++)", init);
    Code.Builder step = new Code.Builder();
    Code.Builder load = new Code.Builder();
    loadStep(load, p, n, sb, out, 0, body.slotStorage(), locals);
    if (!load.isEmpty()) {
      step.block("for (int ex = 0; ex < batch; ex++)", load);
    }
    step.addAll(body.calls());
    Code.Builder store = new Code.Builder();
    for (int i = 0; i < sb.outputs().size(); i++) {
      Node o = body.outputs().get(i);
      boolean isState = i < sb.stateCount();
      int size = o.shape().size();
      String src = at(body.planner().isBatched(o), size);
      if (isState) {
        store.stmt("System.arraycopy(%s, %s, %s, ex * %d + (t + 1) * %d + %d, %d)", outStorage.get(i), src, out, value, width,
            sb.stateOffset(i), size);
      } else {
        int r = i - sb.stateCount();
        store.stmt("System.arraycopy(%s, %s, %s, ex * %d + %d + t * %d, %d)", outStorage.get(i), src, out, value,
            sb.rowsStart() + sb.rowOffset(r), sb.rowWidth(), size);
      }
    }
    step.block("for (int ex = 0; ex < batch; ex++)", store);
    // the intermediates the backward loop reads, kept per step in tapes (an array per step): a
    // value the body computes for the batch is written in place, its buffer field pointing at the
    // step's row of its tape (set first thing in the step, so no copy); any other is copied there
    List<String> tapes = new ArrayList<>();
    Code.Builder inPlace = new Code.Builder();
    java.util.Set<String> leaves = new java.util.HashSet<>(body.slotStorage());
    int next = sb.outputs().size();
    for (Node s : saved) {
      if (s == null) {
        tapes.add(null);
        continue;
      }
      Node o = body.outputs().get(next);
      String src = outStorage.get(next++);
      int size = o.shape().size();
      String tape = p.newTape((s.label() != null ? s.label() : "t" + s.id()) + "Tape", sb.steps(), size,
          "a value of " + p.describe(n) + " at every step, kept for its gradient (a row per step)");
      tapes.add(tape);
      String field = body.planner().storageOf(o);
      boolean batchedOut = body.planner().isBatched(o);
      if (batchedOut && field.startsWith("ws.") && !leaves.contains(field)) {
        inPlace.stmt("%s = %s[t]", src, tape).stmt("%s = %s", field, src);
      } else if (batchedOut) {
        step.stmt("System.arraycopy(%s, 0, %s[t], 0, batch * %d)", src, tape, size);
      } else {
        step.block("for (int ex = 0; ex < batch; ex++)",
            new Code.Builder().stmt("System.arraycopy(%s, 0, %s[t], ex * %d, %d)", src, tape, size, size));
      }
    }
    if (!inPlace.isEmpty()) {
      step = new Code.Builder().addAll(inPlace.build()).addAll(step.build());
    }
    p.tapes(n, tapes);
    c.comment("one step at a time, the whole batch at once");
    c.block("for (int t = 0; t < " + sb.steps() + "; t++)", step);
    String name = p.newMember(base);
    p.addKernel(method(p, name, p.describe(n) + "  [for block: " + sb.steps() + " steps]", locals, c.build()));
    return name + "(batch)";
  }

  private static String backward(Planner p, Node n, ScanBody sb, String base) {
    Map<String, String> extra = new LinkedHashMap<>();
    List<String> dS = new ArrayList<>();
    List<String> next = new ArrayList<>();
    for (int i = 0; i < sb.stateCount(); i++) {
      String state = Planner.capitalize(sb.slotName(i, "state"));
      String buf = p.newBuffer("d" + state, sb.stateSize(i), true, "the adjoint of a state after one step, " + p.describe(n));
      dS.add(buf);
      next.add(p.newBuffer("d" + state + "Before", sb.stateSize(i), true, "the adjoint of a state before one step, "
          + p.describe(n)));
      extra.put(ScanBody.stateAdjointName(i), buf);
    }
    List<String> dR = new ArrayList<>();
    for (int r = 0; r < sb.rows().size(); r++) {
      String row = sb.rows().get(r).label() != null ? Planner.capitalize(sb.rows().get(r).label()) : "Row" + r;
      String buf = p.newBuffer("d" + row + "_t", sb.rowSize(r), true, "the adjoint of a collected row at one step, " + p.describe(n));
      dR.add(buf);
      extra.put(ScanBody.rowAdjointName(r), buf);
    }
    // the adjoints of captured values that depend on no example (params): summed over the batch
    // by the body's accumulation kernels straight into their SCAN_GRAD nodes' arrays
    Map<Integer, String> sumTarget = new HashMap<>();
    for (Node u : p.consumers(n)) {
      if (u.op() == Op.SCAN_GRAD && p.storageOf(u) != null) {
        sumTarget.put((int) u.attr(), p.storageOf(u));
      }
    }
    List<Node> outputs = new ArrayList<>();
    Map<String, Node> sums = new LinkedHashMap<>();
    Map<String, String> sumTargets = new LinkedHashMap<>();
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      Node a = sb.adjoints().get(k);
      if (a == null) {
        continue;
      }
      if (s.kind() == ScanBody.Kind.WHOLE && sb.isSummed(s.arg())) {
        if (sumTarget.containsKey(s.arg())) {
          String key = sb.slotName(k, "captured" + k);
          sums.put(key, a);
          sumTargets.put(key, sumTarget.get(s.arg()));
        }
      } else {
        outputs.add(a);
      }
    }
    // the forward intermediates the reverse body reads: from the tapes the forward loop wrote
    List<String> tapes = p.tapesOf(n.input(0));
    List<String[]> fromTape = new ArrayList<>();
    for (int j = 0; j < sb.saved().size(); j++) {
      Node s = sb.saved().get(j);
      if (s == null) {
        continue;
      }
      if (j >= tapes.size() || tapes.get(j) == null) {
        throw new IllegalStateException("no tape for a saved intermediate of " + p.describe(n));
      }
      String buf = p.newBuffer((s.label() != null ? s.label() : "t" + s.id()) + "Saved", s.shape().size(), true,
          "a value of the forward step, read from its tape, " + p.describe(n));
      extra.put(ScanBody.savedName(j), buf);
      fromTape.add(new String[] {tapes.get(j), buf, Integer.toString(s.shape().size())});
    }
    Body body = body(p, n, sb, outputs, extra, base + "Step", sums, sumTargets);
    Map<Node, Integer> outputIndex = new HashMap<>();
    for (int i = 0; i < body.outputs().size(); i++) {
      outputIndex.putIfAbsent(body.outputs().get(i), i);
    }
    Map<String, String> locals = new LinkedHashMap<>();
    String out = local(locals, p.storageOf(n));
    String y = local(locals, p.storageOf(n.input(0)));
    String g = local(locals, p.storageOf(n.input(1)));
    boolean gBatched = p.isBatched(n.input(1));
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      if (s.kind() != ScanBody.Kind.WHOLE) {
        local(locals, body.slotStorage().get(k));
      }
      if (s.kind() == ScanBody.Kind.SLICE) {
        local(locals, p.storageOf(n.input(2 + s.arg())));
      }
    }
    dS.forEach(d -> local(locals, d));
    next.forEach(d -> local(locals, d));
    dR.forEach(d -> local(locals, d));
    List<String> outLocal = new ArrayList<>();
    for (Node o : body.outputs()) {
      outLocal.add(local(locals, body.planner().storageOf(o)));
    }
    int adjoint = sb.adjointSize();
    int value = sb.valueSize();
    Code.Builder c = new Code.Builder();
    c.stmt("java.util.Arrays.fill(%s, 0, batch * %d, 0)", out, adjoint);
    for (String target : sumTargets.values()) {
      c.stmt("java.util.Arrays.fill(%s, 0)", target);
    }
    for (int i = 0; i < sb.stateCount(); i++) {
      c.stmt("java.util.Arrays.fill(%s, 0, batch * %d, 0)", locals.get(dS.get(i)), sb.stateSize(i));
    }
    Code.Builder step = new Code.Builder();
    Code.Builder load = new Code.Builder();
    loadStep(load, p, n, sb, y, 2, body.slotStorage(), locals);
    for (int r = 0; r < sb.rows().size(); r++) {
      load.stmt("System.arraycopy(%s, %s + %d + t * %d, %s, ex * %d, %d)", g, at(gBatched, value),
          sb.rowsStart() + sb.rowOffset(r), sb.rowWidth(), locals.get(dR.get(r)), sb.rowSize(r), sb.rowSize(r));
    }
    step.block("for (int ex = 0; ex < batch; ex++)", load);
    for (String[] f : fromTape) {
      // the saved leaf's buffer field points at the step's row of the tape: no copy
      String leaf = local(locals, f[1]);
      step.stmt("%s = %s[t]", leaf, f[0]).stmt("%s = %s", f[1], leaf);
    }
    step.addAll(body.calls());
    Code.Builder store = new Code.Builder();
    for (int k = 0; k < sb.slots().size(); k++) {
      ScanBody.Slot s = sb.slots().get(k);
      Node a = sb.adjoints().get(k);
      int size = s.shape().size();
      if (s.kind() == ScanBody.Kind.WHOLE && sb.isSummed(s.arg())) {
        continue;
      }
      if (s.kind() == ScanBody.Kind.STATE) {
        String nx = locals.get(next.get(k));
        if (a == null) {
          store.stmt("java.util.Arrays.fill(%s, ex * %d, ex * %d + %d, 0)", nx, size, size, size);
        } else {
          Node bo = body.copy().get(a);
          store.stmt("System.arraycopy(%s, %s, %s, ex * %d, %d)", outLocal.get(outputIndex.get(bo)), at(body.planner().isBatched(bo), size),
              nx, size, size);
        }
        continue;
      }
      if (a == null) {
        continue;
      }
      Node bo = body.copy().get(a);
      String src = outLocal.get(outputIndex.get(bo));
      String from = at(body.planner().isBatched(bo), size);
      String to = "ex * " + adjoint + " + " + sb.argOffset(s.arg()) + (s.kind() == ScanBody.Kind.SLICE ? " + t * " + size : "");
      store.block("for (int i = 0; i < " + size + "; i++)",
          new Code.Builder().stmt("%s[%s + i] += %s[%s + i]", out, to, src, from));
    }
    step.block("for (int ex = 0; ex < batch; ex++)", store);
    for (int i = 0; i < sb.stateCount(); i++) {
      // through a second buffer: a state's adjoint may be computed from another state's incoming one
      step.stmt("System.arraycopy(%s, 0, %s, 0, batch * %d)", locals.get(next.get(i)), locals.get(dS.get(i)), sb.stateSize(i));
    }
    c.comment(fromTape.isEmpty() ? "the steps in reverse, each from its saved state (its intermediates computed again)"
        : "the steps in reverse, each from its saved state and the intermediates its forward step kept");
    c.block("for (int t = " + (sb.steps() - 1) + "; t >= 0; t--)", step);
    Code.Builder fin = new Code.Builder();
    for (int i = 0; i < sb.stateCount(); i++) {
      int size = sb.stateSize(i);
      fin.block("for (int i = 0; i < " + size + "; i++)", new Code.Builder().stmt("%s[ex * %d + %d + i] += %s[ex * %d + i]", out,
          adjoint, sb.argOffset(sb.slots().get(i).arg()), locals.get(dS.get(i)), size));
    }
    if (!fin.isEmpty()) {
      c.comment("the initial states' adjoints");
      c.block("for (int ex = 0; ex < batch; ex++)", fin);
    }
    String name = p.newMember(base);
    p.addKernel(method(p, name, "gradient of " + p.describe(n) + "  [backpropagation through " + sb.steps() + " steps]", locals,
        c.build()));
    return name + "(batch)";
  }
}
