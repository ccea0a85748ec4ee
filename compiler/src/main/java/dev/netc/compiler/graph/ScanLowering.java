package dev.netc.compiler.graph;

import dev.netc.compiler.graph.ix.ScanBody;
import dev.netc.compiler.model.Loop;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.TExpr;
import dev.netc.compiler.opt.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers a checked {@code for} block ({@link Loop}) to one {@code SCAN} node whose body is a DAG of
 * its own ({@link ScanBody}), lowered by the same rules as the network and optimized by the same
 * passes: the body is written once, whatever the number of steps.
 */
final class ScanLowering {
  private ScanLowering() {}

  static Node scan(Network network, GraphBuilder g, TExpr.Apply a, List<Node> args) {
    Loop loop = network.loop(a);
    if (loop == null) {
      throw new IllegalStateException("a SCAN without its loop");
    }
    List<Node> inputs = new ArrayList<>(args);
    List<ScanBody.Slot> slots = new ArrayList<>();
    for (Loop.Slot s : loop.slots()) {
      slots.add(new ScanBody.Slot(ScanBody.Kind.valueOf(s.kind().name()), s.arg(), s.shape()));
      if (s.kind() == Loop.Kind.STATE) {
        // an initial value '= 0' is a scalar: repeated to the state's shape
        inputs.set(s.arg(), g.broadcast(inputs.get(s.arg()), s.shape()));
      }
    }
    GraphBuilder bg = new GraphBuilder(true);
    Lowering body = new Lowering(network, bg);
    for (int k = 0; k < loop.slots().size(); k++) {
      Loop.Slot s = loop.slots().get(k);
      Node leaf = bg.leaf(Op.INPUT, ScanBody.slotName(k), s.shape(), a.pos());
      if (s.kind() == Loop.Kind.WHOLE) {
        body.symbols.put(s.captured(), leaf);
      }
    }
    Map<String, Node> outputs = new LinkedHashMap<>();
    for (int i = 0; i < loop.newStates().size(); i++) {
      outputs.put("s" + i, bg.relabel(body.lower(loop.newStates().get(i)), loop.slotNames().get(i)));
    }
    for (int r = 0; r < loop.rows().size(); r++) {
      outputs.put("r" + r, bg.relabel(body.lower(loop.rows().get(r)), loop.rowNames().get(r)));
    }
    Dag optimized = Optimizer.optimize(new Dag(network, bg.nodes(), outputs, null, Map.of(), Map.of()));
    List<Node> newStates = new ArrayList<>();
    List<Node> rows = new ArrayList<>();
    for (int i = 0; i < loop.newStates().size(); i++) {
      newStates.add(optimized.outputs().get("s" + i));
    }
    for (int r = 0; r < loop.rows().size(); r++) {
      rows.add(optimized.outputs().get("r" + r));
    }
    List<Shape> argShapes = inputs.stream().map(Node::shape).toList();
    ScanBody sb = ScanBody.forward(loop.steps(), slots, argShapes, optimized.nodes(), newStates, rows)
        .named(!loop.rowNames().isEmpty() ? loop.rowNames().get(0) : loop.slotNames().get(0), loop.slotNames());
    return g.indexNode(Op.SCAN, sb, a.shape(), a.pos(), inputs);
  }
}
