package dev.netc.compiler.graph;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.IndexOp;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import java.util.List;

/**
 * One node of the expression DAG. Nodes are immutable and made only by a {@link GraphBuilder},
 * which numbers them in creation order (so {@code id} order is a topological order) and, when
 * asked, makes structurally equal nodes one node.
 *
 * @param attr the value of a {@code CONST}, the exponent of {@code POW}, alpha of
 *     {@code LEAKY_RELU} and {@code LEAKY_STEP}; 0 otherwise
 * @param name the declared name of an {@code INPUT}, {@code TARGET} or {@code PARAM}; null otherwise
 * @param label the source name of the value this node computes, if it has one (for dumps and
 *     comments; not part of the node's identity)
 * @param pos where in the source this computation comes from
 * @param ix the definition of a {@code COMPUTE}, {@code WINNERS} or {@code SCATTER} node; null otherwise
 */
public record Node(int id, Op op, List<Node> inputs, Shape shape, double attr, String name, String label, Pos pos,
    IndexOp ix) {
  public Node {
    inputs = List.copyOf(inputs);
  }

  public Node(int id, Op op, List<Node> inputs, Shape shape, double attr, String name, String label, Pos pos) {
    this(id, op, inputs, shape, attr, name, label, pos, null);
  }

  public Node input(int i) {
    return inputs.get(i);
  }

  public boolean isConst() {
    return op == Op.CONST;
  }

  /** A CONST with value {@code v}, or a BROADCAST of one. */
  public boolean isConstant(double v) {
    return (op == Op.CONST && Double.compare(attr, v) == 0)
        || (op == Op.BROADCAST && inputs.get(0).isConstant(v));
  }

  public boolean isLeaf() {
    return op == Op.INPUT || op == Op.TARGET || op == Op.PARAM || op == Op.CONST;
  }

  /** The structural identity of this node: op, inputs, shape, attr and name. */
  Key key() {
    int[] ids = new int[inputs.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = inputs.get(i).id;
    }
    return new Key(op, ids, shape, Double.doubleToLongBits(attr), name, ix);
  }

  /**
   * {@link #key}: the inputs by id. Every node made with sharing on is looked up by its key, so
   * equality and hash are written out (a record's compare the array by identity, and the
   * generated ones are slow before the JIT has compiled them).
   */
  record Key(Op op, int[] inputs, Shape shape, long attrBits, String name, IndexOp ix) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.op == op && java.util.Arrays.equals(k.inputs, inputs) && k.shape.equals(shape)
          && k.attrBits == attrBits && java.util.Objects.equals(k.name, name) && java.util.Objects.equals(k.ix, ix);
    }

    @Override
    public int hashCode() {
      int h = op.ordinal() * 31 + java.util.Arrays.hashCode(inputs);
      h = h * 31 + shape.hashCode();
      return ((h * 31 + Long.hashCode(attrBits)) * 31 + java.util.Objects.hashCode(name)) * 31 + java.util.Objects.hashCode(ix);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Node n && n.id == id && n.op == op;
  }

  @Override
  public int hashCode() {
    return id;
  }

  @Override
  public String toString() {
    return "%" + id + " " + op;
  }
}
