package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.ScanBody;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.opt.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rule of {@code SCAN} (a {@code for} block): backpropagation through time as one
 * {@code SCAN_BACK} node, whose body is the vector-Jacobian product of the forward body, built by
 * the same reverse walk ({@link BackwardWalk}) on the body DAG (docs/autodiff.md, "Recurrences").
 *
 * <p>The body's VJP: with leaves {@code dS}i (the adjoint of state i after the step) and
 * {@code dR}r (of row r at the step), the adjoint of every slot leaf is the gradient of the
 * scalar {@code sum(dS0 .* s0') + ... + sum(dR0 .* r0) + ...} with respect to it: the walk's
 * usual seed 1 then gives each output exactly its incoming adjoint. The forward intermediates
 * that the adjoints read (gates, their products with the state) become leaves of the reverse
 * body ({@link ScanBody#saved()}): the generated forward loop keeps them per step, so the reverse
 * body computes no forward step again.
 * Every input of the SCAN gets its adjoint from the one SCAN_BACK node (shared by the builder):
 * a part of its value, read by an index definition.
 */
final class ScanRules {
  private ScanRules() {}

  static void register(Rules r) {
    Map<ScanBody, ScanBody> reverses = Collections.synchronizedMap(new IdentityHashMap<>());
    r.put(Op.SCAN, (b, y, i, g) -> {
      ScanBody forward = (ScanBody) y.ix();
      ScanBody reverse = reverses.computeIfAbsent(forward, f -> reverse(f, r, summed(y)));
      List<Node> in = new ArrayList<>();
      in.add(y);
      in.add(g);
      in.addAll(y.inputs());
      Node back = b.indexNode(Op.SCAN_BACK, reverse, Shape.vector(reverse.adjointSize()), y.pos(), in);
      Shape x = y.input(i).shape();
      if (reverse.isSummed(i)) {
        return b.indexNode(Op.SCAN_GRAD, reverse, i, x, y.pos(), List.of(back));
      }
      return b.indexNode(Op.COMPUTE, ScanBody.extraction(x.dims(), reverse.argOffset(i), ScanBody.rowMajorStrides(x.dims())),
          x, y.pos(), List.of(back));
    });
  }

  /**
   * For each input of the SCAN {@code y}: whether it is a captured value that depends on no
   * example (no input, target or loop under it), whose adjoint the loop sums over the batch too.
   */
  static List<Boolean> summed(Node y) {
    ScanBody forward = (ScanBody) y.ix();
    List<Boolean> summed = new ArrayList<>();
    for (int a = 0; a < y.inputs().size(); a++) {
      summed.add(false);
    }
    for (ScanBody.Slot s : forward.slots()) {
      if (s.kind() == ScanBody.Kind.WHOLE) {
        boolean perExample = dependsOnExample(y.input(s.arg()));
        summed.set(s.arg(), !perExample);
      }
    }
    return summed;
  }

  private static boolean dependsOnExample(Node x) {
    java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(x));
    Set<Node> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      if (!seen.add(n)) {
        continue;
      }
      if (n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.SCAN || n.op() == Op.SCAN_BACK) {
        return true;
      }
      todo.addAll(n.inputs());
    }
    return false;
  }

  /** The reverse body of {@code forward}: each slot's adjoint from the incoming adjoints. */
  static ScanBody reverse(ScanBody forward, Rules rules, List<Boolean> summed) {
    GraphBuilder b = new GraphBuilder(true);
    Map<Node, Node> copy = new HashMap<>();
    for (Node n : forward.nodes()) {
      copy.put(n, b.copy(n, n.inputs().stream().map(copy::get).toList()));
    }
    Node seed = null;
    for (int i = 0; i < forward.stateCount(); i++) {
      Node s = copy.get(forward.newStates().get(i));
      Node d = b.leaf(Op.INPUT, ScanBody.stateAdjointName(i), s.shape(), s.pos());
      Node term = b.sum(b.mul(d, s));
      seed = seed == null ? term : b.add(seed, term);
    }
    for (int r = 0; r < forward.rows().size(); r++) {
      Node row = copy.get(forward.rows().get(r));
      Node d = b.leaf(Op.INPUT, ScanBody.rowAdjointName(r), row.shape(), row.pos());
      Node term = b.sum(b.mul(d, row));
      seed = seed == null ? term : b.add(seed, term);
    }
    Map<String, Node> leaves = new HashMap<>();
    for (Node n : b.nodes()) {
      if (n.op() == Op.INPUT) {
        leaves.put(n.name(), n);
      }
    }
    Map<String, Node> outputs = new LinkedHashMap<>();
    if (seed != null) {
      List<Node> walked = Dag.closure(b.nodes(), List.of(seed));
      Set<Node> active = new HashSet<>();
      for (Node n : walked) {
        boolean on = n.op() == Op.INPUT && n.name().startsWith("@");
        for (Node in : n.inputs()) {
          on |= active.contains(in);
        }
        if (on) {
          active.add(n);
        }
      }
      Map<Node, Node> adjoint = BackwardWalk.adjoints(b, walked, seed, active, rules, y -> {
        throw new IllegalStateException("no derivative rule for " + y.op() + " in a for block");
      });
      for (int k = 0; k < forward.slots().size(); k++) {
        Node leaf = leaves.get(ScanBody.slotName(k));
        Node a = leaf == null ? null : adjoint.get(leaf);
        if (a != null) {
          outputs.put("a" + k, a);
        }
      }
    }
    List<Node> saved = new ArrayList<>();
    GraphBuilder cut = readSaved(forward, b, copy, outputs, saved);
    Dag optimized = Optimizer.optimize(new Dag(null, cut.nodes(), outputs, null, Map.of(), Map.of()));
    Set<String> read = new HashSet<>();
    for (Node n : optimized.nodes()) {
      if (n.op() == Op.INPUT) {
        read.add(n.name());
      }
    }
    for (int j = 0; j < saved.size(); j++) {
      if (!read.contains(ScanBody.savedName(j))) {
        saved.set(j, null);
      }
    }
    List<Node> adjoints = new ArrayList<>();
    for (int k = 0; k < forward.slots().size(); k++) {
      adjoints.add(optimized.outputs().get("a" + k));
    }
    return ScanBody.reverse(forward, optimized.nodes(), adjoints, summed, saved);
  }

  /**
   * The reverse body with every forward intermediate that the adjoint computation reads replaced
   * by a leaf {@code saved}j (its forward node appended to {@code saved}); {@code outputs} are
   * rewritten to the new builder's nodes. An intermediate is kept when it changes from step to
   * step (it depends on a state or a slice); one that depends on captured values alone is computed
   * again, as the forward body does each step. What the intermediates themselves read (the
   * products of the step) then is dead code, dropped by the optimizer.
   */
  private static GraphBuilder readSaved(ScanBody forward, GraphBuilder b, Map<Node, Node> copy, Map<String, Node> outputs,
      List<Node> saved) {
    Map<Node, Node> forwardOf = new HashMap<>();
    for (Node n : forward.nodes()) {
      forwardOf.putIfAbsent(copy.get(n), n);
    }
    Set<String> perStep = new HashSet<>();
    for (int k = 0; k < forward.slots().size(); k++) {
      if (forward.slots().get(k).kind() != ScanBody.Kind.WHOLE) {
        perStep.add(ScanBody.slotName(k));
      }
    }
    Set<Node> varying = new HashSet<>();
    for (Node n : b.nodes()) {
      boolean v = n.op() == Op.INPUT && perStep.contains(n.name());
      for (Node in : n.inputs()) {
        v |= varying.contains(in);
      }
      if (v) {
        varying.add(n);
      }
    }
    List<Node> read = new ArrayList<>(); // forward nodes read by the adjoints' computation (or adjoints themselves)
    for (Node n : Dag.closure(b.nodes(), List.copyOf(outputs.values()))) {
      if (!forwardOf.containsKey(n)) {
        read.addAll(n.inputs());
      }
    }
    read.addAll(outputs.values());
    Map<Node, Integer> leafOf = new HashMap<>();
    for (Node in : read) {
      if (forwardOf.containsKey(in) && !in.inputs().isEmpty() && varying.contains(in) && !leafOf.containsKey(in)) {
        leafOf.put(in, saved.size());
        saved.add(forwardOf.get(in));
      }
    }
    GraphBuilder cut = new GraphBuilder(true);
    Map<Node, Node> to = new HashMap<>();
    for (Node n : b.nodes()) {
      Integer j = leafOf.get(n);
      to.put(n, j != null ? cut.leaf(Op.INPUT, ScanBody.savedName(j), n.shape(), n.pos())
          : cut.copy(n, n.inputs().stream().map(to::get).toList()));
    }
    outputs.replaceAll((name, n) -> to.get(n));
    return cut;
  }
}
