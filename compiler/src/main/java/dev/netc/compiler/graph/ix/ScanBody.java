package dev.netc.compiler.graph.ix;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@code SCAN} node (a {@code for} block) or a {@code SCAN_BACK} node (its reverse, the
 * backpropagation through time) carries: the body, a DAG of its own run once per step, and how
 * the body's leaves and outputs map to the node's inputs and value (docs/codegen.md,
 * "Recurrences").
 *
 * <p>Body leaves are {@code INPUT} nodes named by {@link #slotName}: slot {@code k} is a state's
 * value before the step ({@link Kind#STATE}; slot k is state k, its initial value input k), row
 * t of input {@code arg} ({@link Kind#SLICE}), or input {@code arg} whole ({@link Kind#WHOLE}, a
 * captured value such as a param). A {@code SCAN} node's inputs are the states' initial values
 * then the other slots' tensors; its value, per example, is the states after every step
 * ({@code T + 1} rows of {@link #stateWidth()}: row 0 the initial values, row t + 1 after step
 * t) followed by the collected rows ({@code T} rows of {@link #rowWidth()}).
 *
 * <p>A reverse body ({@link #forward()} not null) has the forward body's slot leaves, and the
 * incoming adjoints: {@code dS}i (of state i after the step) and {@code dR}r (of row r at the
 * step), and {@code saved}j, the value at the step of a forward intermediate ({@link #saved()});
 * its outputs ({@link #adjoints()}, null for a zero) are the adjoint of each slot. A
 * {@code SCAN_BACK} node's inputs are the {@code SCAN} node, the adjoint of its value, then the
 * {@code SCAN}'s own inputs; its value, per example, is the adjoint of every {@code SCAN} input,
 * one after the other ({@link #argOffset}).
 *
 * <p>Equality is identity: two loops are never one node.
 */
public final class ScanBody implements IndexOp {
  public enum Kind { STATE, SLICE, WHOLE }

  /** A body leaf: what it reads of the node's input {@code arg}, and its shape in the body. */
  public record Slot(Kind kind, int arg, Shape shape) {}

  private final int steps;
  private final List<Slot> slots;
  private final List<Shape> argShapes;
  private final List<Node> nodes;
  private final List<Node> newStates;
  private final List<Node> rows;
  private final ScanBody forward;
  private final List<Node> adjoints;
  private final List<Boolean> summed;
  private final List<Node> saved;
  private String name = "T";
  private List<String> slotNames = List.of();

  /** This body with source names: the loop's ({@code name}: its first collected sequence or state) and each slot's. */
  public ScanBody named(String name, List<String> slotNames) {
    this.name = name;
    this.slotNames = List.copyOf(slotNames);
    return this;
  }

  /** The loop's source name (its first collected sequence, else its first state), for generated code. */
  public String name() {
    return forward == null ? name : forward.name;
  }

  /** The source name of slot {@code k}'s tensor (a state, a sequence, a captured value). */
  public String slotName(int k, String otherwise) {
    List<String> names = forward == null ? slotNames : forward.slotNames;
    return k < names.size() ? names.get(k) : otherwise;
  }

  private ScanBody(int steps, List<Slot> slots, List<Shape> argShapes, List<Node> nodes, List<Node> newStates,
      List<Node> rows, ScanBody forward, List<Node> adjoints, List<Boolean> summed, List<Node> saved) {
    this.saved = saved == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(saved));
    this.summed = summed == null ? null : List.copyOf(summed);
    this.steps = steps;
    this.slots = List.copyOf(slots);
    this.argShapes = List.copyOf(argShapes);
    this.nodes = List.copyOf(nodes);
    this.newStates = List.copyOf(newStates);
    this.rows = List.copyOf(rows);
    this.forward = forward;
    this.adjoints = adjoints == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(adjoints));
  }

  /** A forward body: {@code newStates.get(i)} is state i after the step, {@code rows} the collected rows. */
  public static ScanBody forward(int steps, List<Slot> slots, List<Shape> argShapes, List<Node> nodes,
      List<Node> newStates, List<Node> rows) {
    return new ScanBody(steps, slots, argShapes, nodes, newStates, rows, null, null, null, null);
  }

  /**
   * The reverse of {@code forward}: {@code adjoints.get(k)} the adjoint of slot k (null: zero);
   * {@code summed.get(a)}: input a is a captured value that does not depend on the example (a
   * param), whose adjoint is a {@code SCAN_GRAD} node of its own, summed over the steps and
   * averaged over a batch, rather than a part of the SCAN_BACK's per-example value.
   * {@code saved.get(j)}: the forward body's node whose value at the step the leaf
   * {@link #savedName savedName(j)} reads (null: a leaf the optimized body no longer reads).
   */
  public static ScanBody reverse(ScanBody forward, List<Node> nodes, List<Node> adjoints, List<Boolean> summed,
      List<Node> saved) {
    return new ScanBody(forward.steps, forward.slots, forward.argShapes, nodes, List.of(), List.of(), forward, adjoints,
        summed, saved);
  }

  /**
   * The forward intermediates a reverse body reads, by leaf number ({@link #savedName}): the
   * forward loop keeps each one's value at every step (a tape), so that the reverse body does not
   * compute them again. Null entries are leaves the reverse body no longer reads.
   */
  public List<Node> saved() {
    return saved;
  }

  /** The leaf of a reverse body that reads the value of {@code saved().get(j)} at the step. */
  public static String savedName(int j) {
    return "saved" + j;
  }

  /** Whether input {@code arg}'s adjoint is a SCAN_GRAD node (reverse bodies). */
  public boolean isSummed(int arg) {
    return summed != null && summed.get(arg);
  }

  public static String slotName(int k) {
    return "@" + k;
  }

  public static String stateAdjointName(int i) {
    return "dS" + i;
  }

  public static String rowAdjointName(int r) {
    return "dR" + r;
  }

  public int steps() {
    return steps;
  }

  public List<Slot> slots() {
    return slots;
  }

  public List<Shape> argShapes() {
    return argShapes;
  }

  /** The body's nodes in topological order. */
  public List<Node> nodes() {
    return nodes;
  }

  public List<Node> newStates() {
    return forward == null ? newStates : forward.newStates;
  }

  public List<Node> rows() {
    return forward == null ? rows : forward.rows;
  }

  public ScanBody forward() {
    return forward;
  }

  public List<Node> adjoints() {
    return adjoints;
  }

  public boolean isReverse() {
    return forward != null;
  }

  public int stateCount() {
    return newStates().size();
  }

  /** The body's outputs: the new states then the rows (forward), or the non-null adjoints (reverse). */
  public List<Node> outputs() {
    List<Node> out = new ArrayList<>();
    if (forward == null) {
      out.addAll(newStates);
      out.addAll(rows);
    } else {
      adjoints.stream().filter(java.util.Objects::nonNull).forEach(out::add);
    }
    return out;
  }

  public int stateSize(int i) {
    return slots.get(i).shape().size();
  }

  public int stateOffset(int i) {
    int o = 0;
    for (int j = 0; j < i; j++) {
      o += stateSize(j);
    }
    return o;
  }

  public int stateWidth() {
    return stateOffset(stateCount());
  }

  public int rowSize(int r) {
    return rows().get(r).shape().size();
  }

  public int rowOffset(int r) {
    int o = 0;
    for (int j = 0; j < r; j++) {
      o += rowSize(j);
    }
    return o;
  }

  public int rowWidth() {
    return rowOffset(rows().size());
  }

  /** Where the rows start in a SCAN value: after the T + 1 rows of states. */
  public int rowsStart() {
    return (steps + 1) * stateWidth();
  }

  /** The elements of a SCAN value per example. */
  public int valueSize() {
    return rowsStart() + steps * rowWidth();
  }

  /** The size of one step's row of input {@code arg} read by a slice. */
  public int sliceSize(int arg) {
    return argShapes.get(arg).size() / steps;
  }

  /** Where the adjoint of input {@code arg} (not summed) starts in a SCAN_BACK value. */
  public int argOffset(int arg) {
    int o = 0;
    for (int j = 0; j < arg; j++) {
      o += isSummed(j) ? 0 : argShapes.get(j).size();
    }
    return o;
  }

  /** The elements of a SCAN_BACK value per example (at least 1). */
  public int adjointSize() {
    return Math.max(1, argOffset(argShapes.size()));
  }

  /** The row-major strides of {@code dims}. */
  public static int[] rowMajorStrides(int[] dims) {
    int[] strides = new int[dims.length];
    int s = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= dims[i];
    }
    return strides;
  }

  /**
   * {@code y[i0, i1, ...] = $0[start + strides[0] * i0 + strides[1] * i1 + ...]}: a part of a
   * flat SCAN or SCAN_BACK value (a collected sequence, an input's adjoint) in its own shape.
   */
  public static Comprehension extraction(int[] dims, int start, int[] strides) {
    List<Comprehension.Dim> out = new ArrayList<>();
    Affine at = Affine.constant(start);
    for (int i = 0; i < dims.length; i++) {
      String index = "i" + i;
      out.add(new Comprehension.Dim(index, dims[i]));
      at = at.plus(Affine.of(index).times(strides[i]));
    }
    return new Comprehension(out, Comprehension.Reducer.NONE, List.of(), List.of(), new IExpr.Read(0, List.of(at)));
  }

  @Override
  public String toString() {
    return (forward == null ? "scan" : "scan_back") + " over " + steps + " steps, " + nodes.size() + " body nodes";
  }
}
