package dev.netc.compiler.graph;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.ix.IndexOp;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes DAG nodes. With {@code shareEqual} on, asking for a node structurally equal to one that
 * exists returns the existing node (hash-consing), so that equal subexpressions are one node.
 * The helper methods make the common shapes of arithmetic; they do not simplify: that is the
 * passes' job.
 */
public final class GraphBuilder {
  private final boolean shareEqual;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<Node.Key, Node> byKey = new HashMap<>();
  private Pos at;

  public GraphBuilder(boolean shareEqual) {
    this.shareEqual = shareEqual;
  }

  /** Every node made so far, in creation (topological) order. */
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Makes every node made from now on remember {@code pos} as its source (null: each node's own).
   * Differentiation sets it to the forward op being differentiated, so that a gradient
   * computation points at the source line it comes from.
   */
  public void at(Pos pos) {
    this.at = pos;
  }

  public Node node(Op op, Shape shape, double attr, String name, String label, Pos pos, List<Node> inputs) {
    return node(op, shape, attr, name, label, pos, inputs, null);
  }

  /** A node of index notation ({@code COMPUTE}, {@code SCATTER}, {@code WINNERS}) carrying {@code ix}. */
  public Node indexNode(Op op, IndexOp ix, Shape shape, Pos pos, List<Node> inputs) {
    return node(op, shape, 0, null, null, pos, inputs, ix);
  }

  /** ... with an attribute (a {@code WINNERS} node's component: which reduced index, or -1 for the point's number). */
  public Node indexNode(Op op, IndexOp ix, double attr, Shape shape, Pos pos, List<Node> inputs) {
    return node(op, shape, attr, null, null, pos, inputs, ix);
  }

  private Node node(Op op, Shape shape, double attr, String name, String label, Pos pos, List<Node> inputs, IndexOp ix) {
    Node candidate = new Node(nodes.size(), op, inputs, shape, attr, name, label, at != null ? at : pos, ix);
    if (shareEqual) {
      Node existing = byKey.putIfAbsent(candidate.key(), candidate);
      if (existing != null) {
        return existing;
      }
    }
    nodes.add(candidate);
    return candidate;
  }

  public Node node(Op op, Shape shape, Pos pos, Node... inputs) {
    return node(op, shape, 0, null, null, pos, List.of(inputs));
  }

  public Node leaf(Op op, String name, Shape shape, Pos pos) {
    return node(op, shape, 0, name, name, pos, List.of());
  }

  public Node constant(double value, Pos pos) {
    return node(Op.CONST, Shape.SCALAR, value, null, null, pos, List.of());
  }

  /** A scalar {@code x} repeated to {@code shape}; x itself when it already has that shape. */
  public Node broadcast(Node x, Shape shape) {
    if (x.shape().equals(shape)) {
      return x;
    }
    if (!x.shape().isScalar()) {
      throw new IllegalArgumentException("only a scalar broadcasts, not " + x.shape());
    }
    return node(Op.BROADCAST, shape, x.pos(), x);
  }

  /** A constant filled to {@code shape}. */
  public Node filled(double value, Shape shape, Pos pos) {
    return broadcast(constant(value, pos), shape);
  }

  public Node add(Node a, Node b) {
    return node(Op.ADD, a.shape(), a.pos(), a, b);
  }

  public Node sub(Node a, Node b) {
    return node(Op.SUB, a.shape(), a.pos(), a, b);
  }

  public Node mul(Node a, Node b) {
    return node(Op.MUL, a.shape(), a.pos(), a, b);
  }

  public Node div(Node a, Node b) {
    return node(Op.DIV, a.shape(), a.pos(), a, b);
  }

  public Node neg(Node a) {
    return node(Op.NEG, a.shape(), a.pos(), a);
  }

  public Node unary(Op op, Node a) {
    return node(op, a.shape(), a.pos(), a);
  }

  public Node unary(Op op, Node a, double attr) {
    return node(op, a.shape(), attr, null, null, a.pos(), List.of(a));
  }

  public Node sum(Node a) {
    return node(Op.SUM, Shape.SCALAR, a.pos(), a);
  }

  public Node transpose(Node a) {
    return node(Op.TRANSPOSE, Shape.matrix(a.shape().cols(), a.shape().rows()), a.pos(), a);
  }

  public Node matmul(Node a, Node b) {
    Shape s = b.shape().isMatrix() ? Shape.matrix(a.shape().rows(), b.shape().cols()) : Shape.vector(a.shape().rows());
    return node(Op.MATMUL, s, a.pos(), a, b);
  }

  public Node outer(Node a, Node b) {
    return node(Op.OUTER, Shape.matrix(a.shape().rows(), b.shape().rows()), a.pos(), a, b);
  }

  /**
   * Gives the most recently made node {@code n} a label. Only the last node may be relabeled,
   * so that no other node refers to the old one.
   */
  Node relabel(Node n, String label) {
    if (nodes.isEmpty() || nodes.get(nodes.size() - 1) != n) {
      return n;
    }
    Node labeled = new Node(n.id(), n.op(), n.inputs(), n.shape(), n.attr(), n.name(), label, n.pos(), n.ix());
    nodes.set(nodes.size() - 1, labeled);
    if (shareEqual) {
      byKey.put(labeled.key(), labeled);
    }
    return labeled;
  }

  /** A copy of {@code n} with new inputs (same op, shape, attr, name, label and position). */
  public Node copy(Node n, List<Node> inputs) {
    return node(n.op(), n.shape(), n.attr(), n.name(), n.label(), n.pos(), inputs, n.ix());
  }
}
