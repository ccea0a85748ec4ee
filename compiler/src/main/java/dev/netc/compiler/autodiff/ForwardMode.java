package dev.netc.compiler.autodiff;

import static dev.netc.compiler.graph.ix.IExpr.ZERO;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IExpr.Read;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.graph.ix.IndexOp;
import dev.netc.compiler.graph.ix.Rewrite;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Forward-mode differentiation as a DAG-to-DAG transformation: for every node {@code y} of a
 * DAG, its tangent {@code ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ} (the directional derivative along the tangents
 * given for the inputs and params), built as nodes of the same IR in one pass in topological
 * order, with no reverse sweep. A missing tangent is a symbolic zero, so nodes that depend on
 * no seeded leaf cost nothing.
 *
 * <p>It owns no second copy of the derivatives; each op family takes its Jacobian-vector
 * product from what reverse mode already knows ({@link Rules}, {@link Scalar#partial}):
 *
 * <ul>
 *   <li>elementwise ops and softmax: their Jacobian is symmetric (diagonal for elementwise), so
 *       the reverse rule applied to the tangent, {@code rule(y, i, ẋᵢ)}, is {@code Jᵢ ẋᵢ};
 *   <li>ops with a scalar value (reductions to a scalar, norm, logsumexp, the losses): the reverse
 *       rule with adjoint 1 is the row {@code Jᵢ}, and {@code ẏ = sum(rule(y, i, 1) .* ẋᵢ)};
 *   <li>linear ops (broadcast, sum, transpose, reshape, negation) apply themselves to the tangent,
 *       and bilinear ones (mul, matmul, outer) sum the op with one argument replaced by its tangent;
 *   <li>log_softmax (not symmetric): {@code ẋ - sum(softmax(x) .* ẋ)};
 *   <li>index definitions ({@code COMPUTE}, {@code SCATTER}): the same definition with the body
 *       replaced by {@code Σ ∂body/∂read · ẋ[read's position]} (the partials of
 *       {@link IndexRules#partial}); a max or min takes the tangent of its winning point.
 * </ul>
 *
 * Applied to the DAG that {@link ReverseMode} produced (the gradient as nodes), with the params'
 * tangent {@code v}, the tangent of each gradient is the Hessian of the loss times {@code v}:
 * forward-over-reverse ({@link #hvp}).
 */
public final class ForwardMode {
  private final Rules rules;

  public ForwardMode(Rules rules) {
    this.rules = rules;
  }

  /**
   * The name of the leaf that holds the tangent of the input or param {@code name} (an input
   * leaf for an input, a param leaf for a param): never a name a program can declare.
   */
  public static String tangentName(String name) {
    return name + "'";
  }

  /** Ops whose Jacobian is symmetric: the reverse rule applied to a tangent is its forward rule. */
  private static final Set<Op> SYMMETRIC = symmetric();

  private static Set<Op> symmetric() {
    Set<Op> ops = EnumSet.of(Op.ADD, Op.SUB, Op.DIV, Op.POW, Op.LEAKY_RELU, Op.MAX2, Op.MIN2, Op.DIV_NO_NAN,
        Op.SOFTMAX, Op.GE, Op.LEAKY_STEP, Op.ARGMAX_MASK, Op.ARGMIN_MASK, Op.HINGE_GRAD, Op.DROPOUT_MASK,
        Op.STOP_GRADIENT);
    ops.addAll(Scalar.elementwiseOps());
    return ops;
  }

  /** Ops linear in their one argument: the tangent is the op applied to the argument's tangent. */
  private static final Set<Op> LINEAR = EnumSet.of(Op.BROADCAST, Op.SUM, Op.TRANSPOSE, Op.RESHAPE, Op.NEG);

  /** Ops linear in each argument: the tangent is the sum of the op with one argument replaced by its tangent. */
  private static final Set<Op> BILINEAR = EnumSet.of(Op.MUL, Op.MATMUL, Op.OUTER);

  /**
   * The tangent of every node of {@code nodes} (topological, made by {@code b}) that has a nonzero
   * one, given the tangents of some leaves ({@code seeds}, nodes of {@code b}); {@code noRule} is
   * told of a node with a nonzero tangent in an argument and no forward rule, which then gets none.
   */
  public Map<Node, Node> tangents(GraphBuilder b, List<Node> nodes, Map<Node, Node> seeds, Consumer<Node> noRule) {
    Map<Node, Node> tangent = new HashMap<>();
    for (Node y : nodes) {
      Node seed = seeds.get(y);
      if (seed != null) {
        tangent.put(y, seed);
        continue;
      }
      if (y.isLeaf()) {
        continue;
      }
      List<Node> t = new ArrayList<>();
      boolean any = false;
      for (Node x : y.inputs()) {
        Node tx = tangent.get(x);
        t.add(tx);
        any |= tx != null;
      }
      if (!any) {
        continue;
      }
      b.at(y.pos());
      Node ty;
      try {
        ty = tangent(b, y, t);
      } catch (NoRule e) {
        noRule.accept(y);
        ty = null;
      }
      if (ty != null) {
        tangent.put(y, ty);
      }
    }
    b.at(null);
    return tangent;
  }

  private static final class NoRule extends RuntimeException {
    NoRule() {
      super(null, null, false, false);
    }
  }

  private Node tangent(GraphBuilder b, Node y, List<Node> t) {
    Op op = y.op();
    if (LINEAR.contains(op)) {
      return like(b, y, List.of(t.get(0)));
    }
    if (BILINEAR.contains(op)) {
      Node sum = null;
      for (int i = 0; i < t.size(); i++) {
        if (t.get(i) != null) {
          List<Node> in = new ArrayList<>(y.inputs());
          in.set(i, t.get(i));
          sum = plus(b, sum, like(b, y, in));
        }
      }
      return sum;
    }
    if (op == Op.LOG_SOFTMAX) {
      Node x = y.input(0);
      Node dx = t.get(0);
      return b.sub(dx, b.broadcast(b.sum(b.mul(b.unary(Op.SOFTMAX, x), dx)), y.shape()));
    }
    if (op == Op.COMPUTE || op == Op.SCATTER) {
      return index(b, y, t);
    }
    if (op == Op.WINNERS) {
      return null;
    }
    if (op == Op.CUSTOM_VJP) {
      return t.get(0); // a def with its own (reverse) derivative: forward mode differentiates its body
    }
    Optional<Rule> rule = rules.rule(op);
    if (rule.isEmpty()) {
      throw new NoRule();
    }
    boolean symmetric = SYMMETRIC.contains(op);
    if (!symmetric && y.shape().size() != 1) {
      throw new NoRule();
    }
    Node sum = null;
    for (int i = 0; i < t.size(); i++) {
      Node dx = t.get(i);
      if (dx == null) {
        continue;
      }
      if (symmetric) {
        sum = plus(b, sum, rule.get().adjoint(b, y, i, dx));
      } else {
        // a scalar value: the reverse rule with adjoint 1 is the row of the Jacobian
        Node row = rule.get().adjoint(b, y, i, b.filled(1, y.shape(), y.pos()));
        if (row != null) {
          Node dot = b.sum(b.mul(row, dx));
          sum = plus(b, sum, y.shape().equals(dot.shape()) ? dot : b.node(Op.RESHAPE, y.shape(), y.pos(), dot));
        }
      }
    }
    return sum;
  }

  private static Node plus(GraphBuilder b, Node sum, Node term) {
    return term == null ? sum : sum == null ? term : b.add(sum, term);
  }

  /** A node like {@code y} (op, shape, attribute, definition) on other inputs, without y's label. */
  private static Node like(GraphBuilder b, Node y, List<Node> inputs) {
    if (y.ix() != null) {
      return b.indexNode(y.op(), y.ix(), y.attr(), y.shape(), y.pos(), inputs);
    }
    return b.node(y.op(), y.shape(), y.attr(), y.name(), null, y.pos(), inputs);
  }

  /**
   * The tangent of an index definition. Slots: {@code 0 .. k-1} the definition's inputs (so data
   * indices keep their slots), {@code k} its value, {@code k + 1} a max/min's winners (the
   * winning point's number), {@code k + 2 + i} the tangent of input {@code i}.
   */
  private static Node index(GraphBuilder b, Node y, List<Node> t) {
    int k = y.inputs().size();
    IndexOp ix = y.ix();
    Comprehension c = ix instanceof Comprehension cc ? cc : null;
    IExpr body = c != null ? c.body() : ((Scatter) ix).value();
    List<IndexExpr> outAt = new ArrayList<>();
    if (c != null) {
      c.out().forEach(d -> outAt.add(Affine.of(d.index())));
    }
    // the body's own value is y's where the body is evaluated once per element: no reduction, or
    // at a max's or min's winner
    IExpr value = c != null && c.reducer() != Reducer.SUM ? new Read(k, outAt) : null;
    IExpr dot = ZERO;
    for (int i = 0; i < k; i++) {
      if (t.get(i) == null) {
        continue;
      }
      List<Read> reads = Rewrite.reads(body, i);
      for (int r = 0; r < reads.size(); r++) {
        IExpr p = IndexRules.partial(body, i, r, new int[1], value);
        if (!p.equals(ZERO)) {
          dot = IExpr.add(dot, IExpr.mul(p, new Read(k + 2 + i, reads.get(r).at())));
        }
      }
    }
    if (dot.equals(ZERO)) {
      return null;
    }
    List<Node> in = new ArrayList<>(y.inputs());
    in.add(y);
    IndexOp tangentOp;
    if (c == null) {
      Scatter s = (Scatter) ix;
      tangentOp = new Scatter(s.domain(), s.guards(), s.target(), dot);
      in.add(null);
    } else if (c.reducer() == Reducer.MAX || c.reducer() == Reducer.MIN) {
      // the winning point's tangent: a sum over the reduced domain that only the winner passes
      in.add(b.indexNode(Op.WINNERS, c, -1, y.shape(), y.pos(), y.inputs()));
      Cond isWinner = new Cond.OnValues(new IExpr.IndexValue(c.reducedNumber()), Cond.Cmp.EQ, new Read(k + 1, outAt));
      tangentOp = new Comprehension(c.out(), Reducer.SUM, c.reduced(), c.guards(), IExpr.select(isWinner, dot, ZERO));
    } else {
      tangentOp = new Comprehension(c.out(), c.reducer(), c.reduced(), c.guards(), dot);
      in.add(null);
    }
    in.addAll(t);
    java.util.SortedSet<Integer> used = Rewrite.slots(tangentOp);
    List<Node> inputs = new ArrayList<>();
    int[] map = new int[in.size()];
    for (int s : used) {
      map[s] = inputs.size();
      inputs.add(in.get(s));
    }
    IndexOp renumbered = Rewrite.renumber(tangentOp, s -> map[s]);
    return b.indexNode(y.op(), renumbered, y.shape(), y.pos(), inputs);
  }

  // ---------------------------------------------------------------- whole DAGs

  /**
   * The forward DAG {@code forward} differentiated along a tangent of every input and param: a
   * DAG whose outputs (by the same names) are the outputs' tangents and whose loss is the loss's
   * tangent, over the leaves of {@code forward} and the tangent leaves named by
   * {@link #tangentName} (an input leaf for each input, a param leaf for each param). Empty after
   * {@link DiagCode#NO_DERIVATIVE}.
   */
  public Optional<Dag> jvp(Dag forward, Diagnostics diagnostics) {
    GraphBuilder b = new GraphBuilder(true);
    Map<Node, Node> copy = copy(b, forward);
    Map<Node, Node> seeds = seeds(b, forward, copy, true);
    boolean[] ok = {true};
    Map<Node, Node> tangent = tangents(b, nodesOf(forward, copy), seeds, y -> {
      report(diagnostics, forward, y);
      ok[0] = false;
    });
    if (!ok[0]) {
      return Optional.empty();
    }
    Map<String, Node> outputs = new LinkedHashMap<>();
    forward.outputs().forEach((name, n) -> outputs.put(name, orZero(b, tangent, copy.get(n))));
    Node loss = forward.loss() == null ? null : orZero(b, tangent, copy.get(forward.loss()));
    return Optional.of(new Dag(forward.network(), b.nodes(), outputs, loss, Map.of(), Map.of()));
  }

  /**
   * Forward-over-reverse: {@code reversed} (a DAG with its param gradients, as
   * {@link ReverseMode} produced it) differentiated along a tangent of the params only (the param
   * leaves named by {@link #tangentName}). The result has the loss of {@code reversed}, and as the
   * gradient of each param the tangent of that gradient: the Hessian of the loss times the
   * params' tangent, in the gradient's layout. No outputs, no input gradients.
   */
  public Optional<Dag> hvp(Dag reversed, Diagnostics diagnostics) {
    GraphBuilder b = new GraphBuilder(true);
    Map<Node, Node> copy = copy(b, reversed);
    Map<Node, Node> seeds = seeds(b, reversed, copy, false);
    boolean[] ok = {true};
    Map<Node, Node> tangent = tangents(b, nodesOf(reversed, copy), seeds, y -> {
      report(diagnostics, reversed, y);
      ok[0] = false;
    });
    if (!ok[0]) {
      return Optional.empty();
    }
    Map<String, Node> products = new LinkedHashMap<>();
    reversed.paramGradients().forEach((name, g) -> products.put(name, orZero(b, tangent, copy.get(g))));
    Node loss = reversed.loss() == null ? null : copy.get(reversed.loss());
    return Optional.of(new Dag(reversed.network(), b.nodes(), Map.of(), loss, products, Map.of()));
  }

  private static Map<Node, Node> copy(GraphBuilder b, Dag dag) {
    Map<Node, Node> copy = new HashMap<>();
    for (Node n : dag.nodes()) {
      copy.put(n, b.copy(n, n.inputs().stream().map(copy::get).toList()));
    }
    return copy;
  }

  private static List<Node> nodesOf(Dag dag, Map<Node, Node> copy) {
    return dag.nodes().stream().map(copy::get).distinct().toList();
  }

  /** A tangent leaf for every param, and for every input when {@code inputs}, in the DAG's order. */
  private static Map<Node, Node> seeds(GraphBuilder b, Dag dag, Map<Node, Node> copy, boolean inputs) {
    Map<Node, Node> seeds = new HashMap<>();
    for (Node n : dag.nodes()) {
      if (n.op() == Op.PARAM || inputs && n.op() == Op.INPUT) {
        seeds.put(copy.get(n), b.leaf(n.op(), tangentName(n.name()), n.shape(), n.pos()));
      }
    }
    return seeds;
  }

  private static Node orZero(GraphBuilder b, Map<Node, Node> tangent, Node n) {
    Node t = tangent.get(n);
    return t != null ? t : b.filled(0, n.shape(), n.pos());
  }

  private static void report(Diagnostics diagnostics, Dag dag, Node y) {
    diagnostics.report(DiagCode.NO_DERIVATIVE, dag.network().source(), y.pos(),
        y.op().functionName() != null ? y.op().functionName() : y.op().name().toLowerCase(java.util.Locale.ROOT));
  }
}
