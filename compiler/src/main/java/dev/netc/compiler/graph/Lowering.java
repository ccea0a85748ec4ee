package dev.netc.compiler.graph;

import dev.netc.compiler.autodiff.GradExpression;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.model.TExpr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a checked {@link Network} into a {@link Dag}: one node per distinct computation (the
 * builder shares structurally equal nodes), scalar sides of elementwise operators made explicit
 * with {@code BROADCAST}, and the functions that are compositions of others expanded:
 *
 * <pre>
 *   mean(x)                    = sum(x) * (1/n)
 *   dot(a, b)                  = sum(a .* b)
 *   mse(a, y)                  = 0.5 * sum(square(a - y))
 *   l2(W)                      = 0.5 * sum(square(W))
 *   cross_entropy(p, y)        = -sum(y .* log(p))
 *   binary_cross_entropy(p, y) = -sum(y .* log(p) + (1 - y) .* log(1 - p))
 * </pre>
 *
 * The stable losses (softmax and sigmoid cross-entropy, from logits), hinge and the others stay
 * single nodes with their own derivative rules. {@code grad(f, v)} becomes f's adjoint nodes
 * for v, made here by reverse mode ({@link GradExpression}), so the DAG has no {@code GRAD}.
 */
public final class Lowering {
  private static final Rules RULES = Rules.standard();
  private final Network network;
  private final GraphBuilder g;
  final Map<Symbol, Node> symbols = new HashMap<>();
  /** Expressions lowered so far: a def's argument is one object used wherever its parameter is. */
  private final Map<TExpr, Node> lowered = new java.util.IdentityHashMap<>();

  Lowering(Network network, GraphBuilder g) {
    this.network = network;
    this.g = g;
  }

  /** The forward DAG of {@code network}: its outputs and its loss. */
  public static Dag lower(Network network) {
    GraphBuilder g = new GraphBuilder(true);
    Lowering l = new Lowering(network, g);
    for (Symbol s : network.inputs()) {
      l.symbols.put(s, g.leaf(Op.INPUT, s.name(), s.shape(), s.pos()));
    }
    for (Symbol s : network.targets()) {
      l.symbols.put(s, g.leaf(Op.TARGET, s.name(), s.shape(), s.pos()));
    }
    for (Network.Param p : network.params()) {
      l.symbols.put(p.symbol(), g.leaf(Op.PARAM, p.symbol().name(), p.symbol().shape(), p.symbol().pos()));
    }
    for (Network.Value v : network.values()) {
      Node n = l.labeled(l.lower(v.expr()), v.symbol().name());
      if (l.lowered.containsKey(v.expr())) {
        l.lowered.put(v.expr(), n);
      }
      l.symbols.put(v.symbol(), n);
    }
    Map<String, Node> outputs = new LinkedHashMap<>();
    for (Symbol o : network.outputs()) {
      outputs.put(o.name(), l.symbols.get(o));
    }
    Node loss = network.loss().map(l::lower).orElse(null);
    return new Dag(network, g.nodes(), outputs, loss, Map.of(), Map.of());
  }

  /** Gives a value's node its source name when it does not have one yet. */
  private Node labeled(Node n, String name) {
    if (n.label() != null || n.isLeaf()) {
      return n;
    }
    // a relabeled copy takes the place of the unlabeled node in the builder's list
    return g.relabel(n, name);
  }

  Node lower(TExpr e) {
    if (e instanceof TExpr.Const c) {
      return g.constant(c.value(), c.pos());
    } else if (e instanceof TExpr.Ref r) {
      return symbols.get(r.symbol());
    }
    Node done = lowered.get(e);
    if (done != null) {
      return done;
    }
    TExpr.Apply a = (TExpr.Apply) e;
    List<Node> args = new ArrayList<>();
    for (TExpr x : a.args()) {
      args.add(lower(x));
    }
    Node n = apply(a, args);
    lowered.put(e, n);
    return n;
  }

  private Node apply(TExpr.Apply a, List<Node> args) {
    Pos pos = a.pos();
    Shape shape = a.shape();
    if (a.op() == Op.COMPUTE) {
      return g.indexNode(Op.COMPUTE, a.ix(), shape, pos, args);
    }
    if (a.op() == Op.SCAN) {
      return ScanLowering.scan(network, g, a, args);
    }
    if (a.op() == Op.STEP_IN) {
      return g.leaf(Op.INPUT, dev.netc.compiler.graph.ix.ScanBody.slotName((int) a.attr()), shape, pos);
    }
    if (args.isEmpty()) {
      return g.node(a.op(), shape, a.attr(), null, null, pos, args); // HOLE
    }
    if (a.op() == Op.GRAD) {
      return GradExpression.of(g, args.get(0), args.get(1), RULES, y -> {
        throw new IllegalStateException("no derivative rule for " + y.op() + " (Rules.standard covers every DAG op)");
      });
    }
    Node x = args.get(0);
    switch (a.op()) {
      case ADD, SUB, MUL, DIV, MAX2, MIN2:
        return g.node(a.op(), shape, pos, g.broadcast(x, shape), g.broadcast(args.get(1), shape));
      case MEAN:
        return g.node(Op.MUL, shape, pos, g.node(Op.SUM, shape, pos, x), g.constant(1.0 / x.shape().size(), pos));
      case DOT:
        return g.node(Op.SUM, shape, pos, g.node(Op.MUL, x.shape(), pos, x, args.get(1)));
      case MSE:
        return half(pos, g.node(Op.SQUARE, x.shape(), pos, g.node(Op.SUB, x.shape(), pos, x, args.get(1))));
      case L2:
        return half(pos, g.node(Op.SQUARE, x.shape(), pos, x));
      case CROSS_ENTROPY:
        return g.node(Op.NEG, shape, pos, g.node(Op.SUM, shape, pos,
            g.node(Op.MUL, x.shape(), pos, args.get(1), g.node(Op.LOG, x.shape(), pos, x))));
      case BINARY_CROSS_ENTROPY:
        return binaryCrossEntropy(pos, x, args.get(1));
      case DROPOUT:
        return dropout(pos, x, a.attr());
      default:
        return g.node(a.op(), shape, a.attr(), null, null, pos, args);
    }
  }

  /**
   * {@code x .* mask}, the mask a node of its own (named after the call's position, so that two
   * calls never share one); {@code dropout(x, 0)} is {@code x}.
   */
  private Node dropout(Pos pos, Node x, double p) {
    if (p == 0) {
      return x;
    }
    Node mask = g.node(Op.DROPOUT_MASK, x.shape(), p, "dropout@" + pos.line() + ":" + pos.column(), null, pos, List.of(x));
    return g.node(Op.MUL, x.shape(), pos, x, mask);
  }

  private Node half(Pos pos, Node squares) {
    return g.node(Op.MUL, Shape.SCALAR, pos, g.constant(0.5, pos), g.node(Op.SUM, Shape.SCALAR, pos, squares));
  }

  private Node binaryCrossEntropy(Pos pos, Node p, Node y) {
    Shape s = p.shape();
    Node one = g.filled(1, s, pos);
    Node pos1 = g.node(Op.MUL, s, pos, y, g.node(Op.LOG, s, pos, p));
    Node neg1 = g.node(Op.MUL, s, pos, g.node(Op.SUB, s, pos, one, y),
        g.node(Op.LOG, s, pos, g.node(Op.SUB, s, pos, one, p)));
    return g.node(Op.NEG, Shape.SCALAR, pos, g.node(Op.SUM, Shape.SCALAR, pos, g.node(Op.ADD, s, pos, pos1, neg1)));
  }

  Network network() {
    return network;
  }
}
