package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Straight-line code for tiny networks, such as XOR 2-4-1: every element of every value is a
 * local variable, params are loaded into locals once per call, a forward loop over the examples
 * computes the loss and outputs, a backward loop the gradients, and each param's gradient is
 * summed over the batch in locals and stored once at the end. There are no kernels and no
 * per-node loops; the only workspace buffers hold the forward values the backward loop reads.
 * It is what a careful engineer writes by hand for a network this small.
 *
 * <p>The arithmetic is that of the kernels (and so of the reference evaluator): every sum runs
 * over its terms in increasing index order, reductions accumulate in {@code double}, and float
 * code rounds where the kernels do. A network is straight-line when every op it uses is one of
 * {@link #OPS} and its {@link #cost} is at most {@link Planner#straightMaxCost}, which keeps each
 * method far below HotSpot's 8,000-byte limit for JIT compilation.
 */
final class Straight {
  /**
   * The ops with a straight-line form, besides the leaves and the elementwise ops: all of them
   * (a new op without one makes its networks use kernels) but {@code DROPOUT_MASK}, whose
   * networks have a training mode and get kernels.
   */
  static final Set<Op> OPS = EnumSet.of(Op.SUM, Op.NORM, Op.MAX_ALL, Op.MIN_ALL, Op.TRANSPOSE, Op.MATMUL, Op.OUTER,
      Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.SOFTMAX_CROSS_ENTROPY, Op.SIGMOID_BINARY_CROSS_ENTROPY,
      Op.ARGMAX_MASK, Op.ARGMIN_MASK, Op.HINGE, Op.HINGE_GRAD);

  /**
   * The forward values the backward loop computes again instead of loading them: arithmetic, no
   * calls, such as the {@code a - y} of a squared error.
   */
  private static final Set<Op> RECOMPUTED = EnumSet.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG);

  /** Names the generated statements use besides the locals of values. */
  private static final Set<String> RESERVED = reserved();

  private static Set<String> reserved() {
    Set<String> s = new HashSet<>(Kernels.LOCALS);
    s.addAll(List.of("Math", "Ops", "Double", "Float", "java", "System", "this"));
    return Set.copyOf(s);
  }

  private final Planner plan;
  private final Dag dag;
  private final Kernels kernels;
  private final boolean isFloat;
  private final String type;
  private final Map<String, ClassPlan.Tensor> tensors = new HashMap<>();
  private final Set<String> argumentNames = new HashSet<>();

  Straight(Planner plan, Dag dag, boolean isFloat, List<ClassPlan.Tensor> params, List<ClassPlan.Tensor> inputs,
      List<ClassPlan.Tensor> targets, List<ClassPlan.Tensor> outputs) {
    this.plan = plan;
    this.dag = dag;
    this.kernels = new Kernels(plan, isFloat);
    this.isFloat = isFloat;
    this.type = isFloat ? "float" : "double";
    for (List<ClassPlan.Tensor> group : List.of(params, inputs, targets)) {
      group.forEach(t -> tensors.put(t.name(), t));
    }
    for (List<ClassPlan.Tensor> group : List.of(inputs, targets, outputs)) {
      group.forEach(t -> argumentNames.add(t.javaName()));
    }
    inputs.forEach(t -> argumentNames.add(Planner.gradientName(t)));
  }

  /**
   * Whether {@code dag} is compiled straight-line: every op has a straight-line form and its
   * {@link #cost} is at most {@code maxCost}.
   */
  static boolean fits(Dag dag, int maxCost) {
    List<Node> all = Dag.closure(dag.nodes(), dag.roots());
    for (Node n : all) {
      if (!n.isLeaf() && !Planner.ELEMENTWISE.contains(n.op()) && !OPS.contains(n.op())) {
        return false;
      }
    }
    // a constant gradient (of a param or input the loss does not use) costs nothing to compute
    // but one store per element: without this, param spare[65536] made "code too large"
    long constantStores = 0;
    for (Node r : dag.roots()) {
      if (r.op() == Op.CONST || r.op() == Op.BROADCAST) {
        constantStores += r.shape().size();
      }
    }
    return cost(all) + constantStores <= maxCost;
  }

  /**
   * About how many scalar operations the longest entry method holds: one per element of each
   * elementwise value, one multiply-add per term of a matrix product, a few per element reduced,
   * one load per element of a param, input or target, and two per param element for its gradient.
   * A unit is at most about 10 bytes of bytecode.
   */
  static int cost(List<Node> nodes) {
    long total = 0;
    for (Node n : nodes) {
      int size = n.shape().size();
      total += switch (n.op()) {
        case CONST, BROADCAST, TRANSPOSE -> 0;
        case PARAM -> 3L * size;
        case INPUT, TARGET -> size;
        case MATMUL -> (long) size * n.input(0).shape().cols();
        case SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, SOFTMAX_CROSS_ENTROPY -> 3L * n.input(0).shape().size();
        case SUM, NORM, MAX_ALL, MIN_ALL, SIGMOID_BINARY_CROSS_ENTROPY, ARGMAX_MASK, ARGMIN_MASK -> 2L * n.input(0).shape().size();
        case HINGE, HINGE_GRAD -> 4L * n.input(0).shape().size();
        default -> size;
      };
    }
    return (int) Math.min(total, Integer.MAX_VALUE);
  }

  // ---------------------------------------------------------------- entry methods

  List<Code> predict(List<ClassPlan.Tensor> outputs) {
    return Body.build(this, new ArrayList<>(dag.outputs().values()), b -> {
      int k = 0;
      for (Node n : dag.outputs().values()) {
        String out = outputs.get(k++).javaName();
        String[] v = b.read(n, b.forward);
        for (int i = 0; i < v.length; i++) {
          b.forward.stmt("%s[%s] = %s", out, index(v.length, i), Kernels.unwrap(v[i]));
        }
      }
    }, false);
  }

  List<Code> loss() {
    return Body.build(this, List.of(dag.loss()), b -> {}, true);
  }

  List<Code> lossAndGradient(List<ClassPlan.Tensor> params) {
    List<Node> demand = new ArrayList<>();
    demand.add(dag.loss());
    demand.addAll(dag.paramGradients().values());
    return Body.build(this, demand, b -> {
      boolean inv = false;
      for (ClassPlan.Tensor p : params) {
        Node root = dag.paramGradients().get(p.name());
        String g = "grad." + p.javaName();
        if (root == null) {
          b.after.stmt("java.util.Arrays.fill(%s, %s)", g, isFloat ? "0f" : "0.0");
          continue;
        }
        String array = b.names.allocate("g" + p.javaName());
        b.after.stmt("%s[] %s = %s", type, array, g);
        if (!plan.isBatched(root)) {
          String[] v = b.read(root, b.before);
          for (int i = 0; i < v.length; i++) {
            b.after.stmt("%s[%d] = %s", array, i, Kernels.unwrap(v[i]));
          }
          continue;
        }
        // the mean over the batch: a sum in double locals, scaled once
        if (!inv) {
          b.after.stmt("double inv = 1.0 / batch");
          inv = true;
        }
        String[] v = b.read(root, b.backward);
        for (int i = 0; i < v.length; i++) {
          String acc = b.names.allocate(array + "_" + i);
          b.between.stmt("double %s = 0", acc);
          b.backward.stmt("%s += %s", acc, Kernels.unwrap(v[i]));
          b.after.stmt("%s[%d] = %s", array, i, kernels.store(acc + " * inv"));
        }
      }
    }, true);
  }

  List<Code> inputGradient(List<ClassPlan.Tensor> inputs) {
    List<Node> demand = new ArrayList<>();
    demand.add(dag.loss());
    demand.addAll(dag.inputGradients().values());
    return Body.build(this, demand, b -> {
      int k = 0;
      for (Node n : dag.inputGradients().values()) {
        String out = Planner.gradientName(inputs.get(k++));
        String[] v = b.read(n, b.backward);
        for (int i = 0; i < v.length; i++) {
          b.backward.stmt("%s[%d] = %s", out, i, Kernels.unwrap(v[i]));
        }
      }
    }, true);
  }

  /** Element {@code i} of a batched array of {@code size} values per example. */
  private static String index(int size, int i) {
    return size == 1 ? "ex" : i == 0 ? "ex * " + size : "ex * " + size + " + " + i;
  }

  // ---------------------------------------------------------------- one method's body

  /**
   * The body of one entry method: what depends on no example ({@code before} the loops); the
   * {@code forward} loop over the examples, with the values the loss and the outputs need; the
   * {@code backward} loop, with the gradients (declared {@code between} the loops); and what
   * follows ({@code after}). The forward pass calls {@code exp} and {@code tanh}, and a call
   * spills every value live across it, so the gradient sums live only in the backward loop,
   * which reloads the forward values it reads from workspace buffers (they are {@code saved}),
   * as a hand-written backward pass does.
   */
  private static final class Body {
    final Straight s;
    final Names names;
    final Code.Builder arrays = new Code.Builder();
    final Code.Builder before = new Code.Builder();
    final Code.Builder forward = new Code.Builder();
    final Code.Builder between = new Code.Builder();
    final Code.Builder backward = new Code.Builder();
    final Code.Builder after = new Code.Builder();
    /** The element names or expressions of every value computed or loaded so far. */
    private final Map<Node, String[]> values = new HashMap<>();
    /** The values declared (computed or loaded) in each loop (or before them). */
    private final Map<Code.Builder, Set<Node>> declared = new HashMap<>();
    /** How often each value is read in this method (by other values and by the method's results). */
    private final Map<Node, Integer> reads = new HashMap<>();
    private final Map<Code.Builder, String> lastComment = new HashMap<>();
    private final Set<Node> inForward;
    private final List<Node> demand;
    /** The forward values the backward loop reads: stored to buffers in the forward loop. */
    private final Set<Node> saved;
    /** The forward values the backward loop asked for (what {@code saved} must be). */
    private final Set<Node> wanted = new LinkedHashSet<>();
    private final Map<Node, String> buffers = new HashMap<>();

    /**
     * The body for {@code demand}, finished by {@code results} (which writes the method's results)
     * and returning the mean loss when {@code loss}. Built twice: the first time finds which
     * forward values the backward loop reads, the second saves them.
     */
    static List<Code> build(Straight s, List<Node> demand, java.util.function.Consumer<Body> results, boolean loss) {
      Body first = new Body(s, demand, Set.of());
      results.accept(first);
      if (first.wanted.isEmpty()) {
        return first.finish(loss);
      }
      Body body = new Body(s, demand, first.wanted);
      results.accept(body);
      return body.finish(loss);
    }

    private Body(Straight s, List<Node> demand, Set<Node> saved) {
      this.s = s;
      Set<String> taken = new HashSet<>(RESERVED);
      taken.addAll(s.argumentNames);
      this.names = new Names(taken);
      this.demand = demand;
      this.saved = saved;
      List<Node> needed = Dag.closure(s.dag.nodes(), demand);
      for (Node n : needed) {
        for (Node in : n.inputs()) {
          reads.merge(in, 1, Integer::sum);
        }
      }
      for (Node n : demand) {
        reads.merge(n, 1, Integer::sum);
      }
      List<Node> forwardRoots = new ArrayList<>(s.dag.outputs().values());
      if (s.dag.loss() != null) {
        forwardRoots.add(s.dag.loss());
      }
      inForward = new HashSet<>(Dag.closure(needed, forwardRoots.stream().filter(needed::contains).toList()));
      for (Node n : needed) {
        read(n, home(n));
      }
    }

    /** The method's statements; {@code loss}: it returns the mean loss. */
    List<Code> finish(boolean loss) {
      Code.Builder b = new Code.Builder().addAll(arrays.build()).addAll(before.build());
      Node l = s.dag.loss();
      boolean batchedLoss = loss && s.plan.isBatched(l);
      if (batchedLoss) {
        b.stmt("double total = 0");
        forward.stmt("total += %s", Kernels.unwrap(read(l, forward)[0]));
      }
      if (!forward.isEmpty()) {
        b.block("for (int ex = 0; ex < batch; ex++)", forward);
      }
      b.addAll(between.build());
      if (!backward.isEmpty()) {
        b.block("for (int ex = 0; ex < batch; ex++)", backward);
      }
      b.addAll(after.build());
      if (batchedLoss) {
        b.stmt("return total / batch");
      } else if (loss) {
        b.stmt("return %s", Kernels.unwrap(read(l, before)[0]));
      }
      return b.build();
    }

    /** Where {@code n} is computed: before the loops, in the forward loop or in the backward loop. */
    private Code.Builder home(Node n) {
      return !s.plan.isBatched(n) ? before : inForward.contains(n) ? forward : backward;
    }

    /**
     * The expressions of {@code n}'s elements (row-major) as code in {@code in} can read them:
     * computed in its home on first use, loaded in {@code in} (an input, or a saved forward value
     * read by the backward loop), or built from its input's (constants, broadcasts, transposes).
     */
    String[] read(Node n, Code.Builder in) {
      int size = n.shape().size();
      switch (n.op()) {
        case CONST -> {
          return new String[] {s.kernels.literal(n.attr())};
        }
        case BROADCAST -> {
          String[] v = new String[size];
          java.util.Arrays.fill(v, read(n.input(0), in)[0]);
          return v;
        }
        case TRANSPOSE -> {
          Shape sh = n.shape();
          String[] a = read(n.input(0), in);
          String[] v = new String[size];
          for (int r = 0; r < sh.rows(); r++) {
            for (int c = 0; c < sh.cols(); c++) {
              v[r * sh.cols() + c] = a[c * sh.rows() + r];
            }
          }
          return v;
        }
        case PARAM -> {
          return declare(n, before, () -> {
            comment(before, "params");
            String field = "this." + s.tensors.get(n.name()).javaName();
            String[] v = elementNames(n, s.tensors.get(n.name()).javaName(), true);
            for (int i = 0; i < size; i++) {
              before.stmt("%s %s = %s[%d]", s.type, v[i], field, i);
            }
            return v;
          });
        }
        case INPUT, TARGET -> {
          return declare(n, in, () -> {
            String array = s.tensors.get(n.name()).javaName();
            comment(in, "example ex");
            String[] v = values.containsKey(n) ? values.get(n) : elementNames(n, array, true);
            for (int i = 0; i < size; i++) {
              in.stmt("%s %s = %s[%s]", s.type, v[i], array, index(size, i));
            }
            return v;
          });
        }
        default -> {
          Code.Builder home = home(n);
          String[] v = declare(n, home, () -> compute(n, home));
          if (in == home || home == before) {
            return v;
          }
          if (RECOMPUTED.contains(n.op()) && n.inputs().stream().allMatch(this::hasLocals)) {
            // arithmetic on values the backward loop has anyway: cheaper to do again than to save
            return declare(n, in, () -> {
              String[] e = expressions(n, in);
              comment(in, s.plan.describe(n));
              for (int i = 0; i < size; i++) {
                in.stmt("%s %s = %s", s.type, v[i], Kernels.unwrap(e[i]));
              }
              return v;
            });
          }
          // a forward value read by the backward loop: stored by the forward loop, loaded here
          wanted.add(n);
          if (!saved.contains(n)) {
            return v;
          }
          return declare(n, in, () -> {
            String array = buffer(n);
            for (int i = 0; i < size; i++) {
              in.stmt("%s %s = %s[%s]", s.type, v[i], array, index(size, i));
            }
            return v;
          });
        }
      }
    }

    /**
     * Whether {@code n}'s elements are locals (or literals) that the backward loop can load or
     * compute again, not expressions written into their one reader in the forward loop.
     */
    private boolean hasLocals(Node n) {
      return switch (n.op()) {
        case CONST, PARAM, INPUT, TARGET -> true;
        case BROADCAST, TRANSPOSE -> hasLocals(n.input(0));
        default -> !s.plan.isBatched(n) || !inline(n);
      };
    }

    /** {@code n}'s values in {@code where}, declaring them there with {@code make} the first time. */
    private String[] declare(Node n, Code.Builder where, java.util.function.Supplier<String[]> make) {
      Set<Node> done = declared.computeIfAbsent(where, k -> new HashSet<>());
      if (done.contains(n)) {
        return values.get(n);
      }
      String[] v = make.get();
      done.add(n);
      values.put(n, v);
      return v;
    }

    /** The local of {@code n}'s buffer in this method. */
    private String buffer(Node n) {
      return buffers.computeIfAbsent(n, k -> {
        String local = names.allocate((k.label() != null ? k.label() : "t" + k.id()) + "Saved");
        arrays.stmt("%s[] %s = %s", s.type, local, s.plan.straightBuffer(k));
        return local;
      });
    }

    private String[] elementNames(Node n, String base, boolean numbered) {
      int size = n.shape().size();
      String[] v = new String[size];
      for (int i = 0; i < size; i++) {
        v[i] = names.allocate(size == 1 && !numbered ? base : base + "_" + i);
      }
      return v;
    }

    private void comment(Code.Builder b, String text) {
      if (!text.equals(lastComment.get(b))) {
        b.comment(text);
        lastComment.put(b, text);
      }
    }

    /**
     * Whether {@code n}'s elements are written into the expression of its one reader instead of
     * locals: a cheap value read once, by an elementwise value of the same loop.
     */
    private boolean inline(Node n) {
      if (!(Planner.isElementwise(n) || n.op() == Op.MATMUL || n.op() == Op.OUTER) || reads.getOrDefault(n, 0) != 1) {
        return false;
      }
      if (demand.contains(n)) {
        // a result read only by the method itself (a param's gradient): written where it is stored
        return s.plan.uses(n) == 0 && n != s.dag.loss() && home(n) != forward;
      }
      for (Node u : s.plan.consumers(n)) {
        if (reads.containsKey(u) || demand.contains(u)) {
          return Planner.isElementwise(u) && u.op() != Op.BROADCAST && home(u) == home(n)
              && u.shape().size() == n.shape().size();
        }
      }
      return false;
    }

    /** Computes {@code n} in {@code b} (its home) and returns its elements. */
    private String[] compute(Node n, Code.Builder b) {
      int size = n.shape().size();
      String[] v = new String[size];
      boolean expression = Planner.isElementwise(n) || n.op() == Op.MATMUL || n.op() == Op.OUTER;
      if (!expression) {
        comment(b, s.plan.describe(n));
        special(n, b, v);
      } else {
        String[] exprs = expressions(n, b);
        if (inline(n)) {
          for (int i = 0; i < size; i++) {
            v[i] = exprs[i].startsWith("(") || exprs[i].startsWith("Ops.") ? exprs[i] : "(" + exprs[i] + ")";
          }
          return v;
        }
        comment(b, s.plan.describe(n));
        String[] local = elementNames(n, n.label() != null ? n.label() : "t" + n.id(), false);
        for (int i = 0; i < size; i++) {
          v[i] = local[i];
          b.stmt("%s %s = %s", s.type, v[i], Kernels.unwrap(exprs[i]));
        }
      }
      if (saved.contains(n)) {
        String array = buffer(n);
        for (int i = 0; i < size; i++) {
          b.stmt("%s[%s] = %s", array, index(size, i), v[i]);
        }
      }
      return v;
    }

    private String element(Node n, int i, Code.Builder in) {
      String[] v = read(n, in);
      return v.length == 1 ? v[0] : v[i];
    }

    /** The expressions of an elementwise value, a matrix product or an outer product. */
    private String[] expressions(Node n, Code.Builder in) {
      int size = n.shape().size();
      String[] e = new String[size];
      if (n.op() == Op.OUTER) {
        int cols = n.shape().cols();
        for (int i = 0; i < size; i++) {
          e[i] = "(" + element(n.input(0), i / cols, in) + " * " + element(n.input(1), i % cols, in) + ")";
        }
        return e;
      }
      if (n.op() == Op.MATMUL) {
        String[] a = read(n.input(0), in);
        String[] b = read(n.input(1), in);
        int k = n.input(0).shape().cols();
        int cols = n.shape().cols();
        for (int r = 0; r < n.shape().rows(); r++) {
          for (int j = 0; j < cols; j++) {
            StringBuilder sum = new StringBuilder("(");
            for (int c = 0; c < k; c++) {
              sum.append(c == 0 ? "" : " + ").append(a[r * k + c]).append(" * ").append(b[c * cols + j]);
            }
            e[r * cols + j] = sum.append(')').toString();
          }
        }
        return e;
      }
      for (int i = 0; i < size; i++) {
        int at = i;
        e[i] = s.kernels.expression(n, x -> element(x, at, in));
      }
      return e;
    }

    /** The reductions and the softmax family, into locals {@code v}. */
    private void special(Node n, Code.Builder b, String[] v) {
      String[] a = read(n.input(0), b);
      String[] y = n.inputs().size() > 1 ? read(n.input(1), b) : null;
      int len = a.length;
      String base = n.label() != null ? n.label() : "t" + n.id();
      String type = s.type;
      switch (n.op()) {
        case SUM -> v[0] = declare(b, names.allocate(base), s.kernels.store(join(a, s.kernels.wide(), " + ")));
        case NORM -> {
          StringBuilder sum = new StringBuilder("Math.sqrt(");
          for (int i = 0; i < len; i++) {
            sum.append(i == 0 ? "" : " + ").append(s.kernels.wide()).append(a[i]).append(" * ").append(a[i]);
          }
          v[0] = declare(b, names.allocate(base), s.kernels.store(sum.append(')').toString()));
        }
        case MAX_ALL, MIN_ALL -> {
          String mx = names.allocate(base);
          b.stmt("%s %s = %s", type, mx, a[0]);
          String cmp = n.op() == Op.MAX_ALL ? " > " : " < ";
          for (int i = 1; i < len; i++) {
            b.stmt("%s = %s%s%s ? %s : %s", mx, a[i], cmp, mx, a[i], mx);
          }
          v[0] = mx;
        }
        case SOFTMAX -> {
          String mx = max(b, a, base);
          String[] local = elementNames(n, base, false);
          for (int i = 0; i < len; i++) {
            v[i] = declare(b, local[i], s.kernels.store("Math.exp(" + a[i] + " - " + mx + ")"));
          }
          String tot = names.allocate(base + "Sum");
          b.stmt("double %s = %s", tot, join(v, s.kernels.wide(), " + "));
          for (int i = 0; i < len; i++) {
            b.stmt("%s = %s", v[i], s.kernels.store(v[i] + " / " + tot));
          }
        }
        case LOG_SOFTMAX -> {
          String lse = logSumExp(b, a, base);
          String[] local = elementNames(n, base, false);
          for (int i = 0; i < len; i++) {
            v[i] = declare(b, local[i], s.kernels.store(a[i] + " - " + lse));
          }
        }
        case LOGSUMEXP -> {
          String lse = logSumExp(b, a, base);
          v[0] = declare(b, names.allocate(base), s.kernels.store(lse));
        }
        case SOFTMAX_CROSS_ENTROPY -> {
          String lse = logSumExp(b, a, base);
          StringBuilder sum = new StringBuilder("0.0");
          for (int i = 0; i < len; i++) {
            sum.append(" - ").append(y[i]).append(" * (").append(a[i]).append(" - ").append(lse).append(')');
          }
          v[0] = declare(b, names.allocate(base), s.kernels.store(sum.toString()));
        }
        case SIGMOID_BINARY_CROSS_ENTROPY -> {
          StringBuilder sum = new StringBuilder();
          for (int i = 0; i < len; i++) {
            String z = s.kernels.wide() + a[i];
            sum.append(i == 0 ? "" : " + ").append("(Math.max(").append(z).append(", 0) - ").append(z).append(" * ")
                .append(y[i]).append(" + Math.log1p(Math.exp(-Math.abs(").append(z).append("))))");
          }
          v[0] = declare(b, names.allocate(base), s.kernels.store(sum.toString()));
        }
        case ARGMAX_MASK, ARGMIN_MASK -> {
          String hot = best(b, a, base, n.op() == Op.ARGMAX_MASK ? " > " : " < ");
          String[] local = elementNames(n, base, false);
          for (int i = 0; i < len; i++) {
            v[i] = declare(b, local[i], hot + " == " + i + " ? 1 : 0");
          }
        }
        case HINGE -> {
          String hot = best(b, y, base, " > ");
          String at = at(b, a, hot, base);
          String acc = names.allocate(base + "Sum");
          b.stmt("double %s = 0", acc);
          for (int j = 0; j < len; j++) {
            b.block("if (" + hot + " != " + j + ")", new Code.Builder()
                .stmt("%s += Math.max(0, %s%s - %s + 1)", acc, s.kernels.wide(), a[j], at));
          }
          v[0] = declare(b, names.allocate(base), s.kernels.store(acc));
        }
        case HINGE_GRAD -> {
          String hot = best(b, y, base, " > ");
          String at = at(b, a, hot, base);
          String count = names.allocate(base + "Count");
          b.stmt("int %s = 0", count);
          String[] local = elementNames(n, base, false);
          for (int j = 0; j < len; j++) {
            v[j] = declare(b, local[j], "0");
            b.block("if (" + hot + " != " + j + " && " + s.kernels.wide() + a[j] + " - " + at + " + 1 > 0)",
                new Code.Builder().stmt("%s = 1", v[j]).stmt("%s++", count));
          }
          for (int j = 0; j < len; j++) {
            b.stmt("%s = %s == %d ? -%s : %s", v[j], hot, j, count, v[j]);
          }
        }
        default -> throw new IllegalStateException("no straight-line form for " + n.op());
      }
    }

    /**
     * The index of the first largest ({@code cmp} " > ") or smallest (" < ") of {@code a}, as the
     * kernels' loop finds it, in a new {@code int} local.
     */
    private String best(Code.Builder b, String[] a, String base, String cmp) {
      String hot = names.allocate(base + "Hot");
      String value = names.allocate(base + "Best");
      b.stmt("int %s = 0", hot).stmt("%s %s = %s", s.type, value, a[0]);
      for (int i = 1; i < a.length; i++) {
        b.block("if (" + a[i] + cmp + value + ")", new Code.Builder().stmt("%s = %s", value, a[i]).stmt("%s = %d", hot, i));
      }
      return hot;
    }

    /** Element {@code index} (an int local) of {@code a}, in a new local. */
    private String at(Code.Builder b, String[] a, String index, String base) {
      StringBuilder e = new StringBuilder();
      for (int i = 0; i < a.length - 1; i++) {
        e.append(index).append(" == ").append(i).append(" ? ").append(a[i]).append(" : ");
      }
      String local = names.allocate(base + "At");
      b.stmt("%s %s = %s", s.type, local, e.append(a[a.length - 1]));
      return local;
    }

    private String declare(Code.Builder b, String name, String expr) {
      b.stmt("%s %s = %s", s.type, name, Kernels.unwrap(expr));
      return name;
    }

    /** {@code double mx = a[0]; mx = a[i] > mx ? a[i] : mx; ...}, as the kernels' loop. */
    private String max(Code.Builder b, String[] a, String base) {
      String mx = names.allocate(base + "Max");
      b.stmt("double %s = %s", mx, a[0]);
      for (int i = 1; i < a.length; i++) {
        b.stmt("%s = %s > %s ? %s : %s", mx, a[i], mx, a[i], mx);
      }
      return mx;
    }

    private String logSumExp(Code.Builder b, String[] a, String base) {
      String mx = max(b, a, base);
      String lse = names.allocate(base + "Lse");
      StringBuilder sum = new StringBuilder();
      for (int i = 0; i < a.length; i++) {
        sum.append(i == 0 ? "" : " + ").append("Math.exp(").append(a[i]).append(" - ").append(mx).append(')');
      }
      b.stmt("double %s = %s + Math.log(%s)", lse, mx, sum);
      return lse;
    }
  }

  private static String join(String[] a, String first, String sep) {
    StringBuilder s = new StringBuilder(first);
    for (int i = 0; i < a.length; i++) {
      s.append(i == 0 ? "" : sep).append(a[i]);
    }
    return s.toString();
  }
}
