package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import dev.netc.compiler.model.Symbol;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides everything about a generated class: which DAG nodes get a buffer, which are fused
 * into their consumer's loop, which are views, how each param's batch gradient is accumulated,
 * and what each public method computes (only what it needs). The {@link JavaWriter} prints the
 * result.
 *
 * <p>Batches are example-major: a per-example value of {@code S} elements occupies
 * {@code [ex * S, ex * S + S)} of its buffer. Nodes that depend on no input or target are
 * computed once per call, not per example.
 */
public final class Planner {
  static final Set<Op> ELEMENTWISE = elementwise();

  private static Set<Op> elementwise() {
    Set<Op> ops = EnumSet.of(Op.CONST, Op.BROADCAST, Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG, Op.POW, Op.LEAKY_RELU,
        Op.LEAKY_STEP, Op.MAX2, Op.MIN2, Op.GE, Op.DIV_NO_NAN);
    ops.addAll(Scalar.elementwiseOps()); // sigmoid, exp, ...
    return java.util.Collections.unmodifiableSet(ops);
  }

  /**
   * Whether {@code n} is computed element by element from its inputs' elements, so that it can be
   * fused into a loop: the elementwise ops, and a sum of one element (mse's {@code sum} of a
   * one-element difference), which is that element.
   */
  static boolean isElementwise(Node n) {
    return ELEMENTWISE.contains(n.op()) || n.op() == Op.SUM && n.input(0).shape().size() == 1;
  }

  /** How many kernel calls an entry method makes before the rest goes into a part method. */
  static final int CALLS_PER_METHOD = 200;

  /**
   * The smallest matrix product (rows times columns of its matrix) sent to the Vector API
   * kernels when compiling with {@code vector}; smaller ones keep the scalar register tiles,
   * cheaper than a call for a handful of values. Not final: tests set both to 1 to send every
   * eligible product of small random networks through the vector kernels.
   */
  static int vectorMinElements = 256;
  /** ... and the smallest length of the loop the kernel vectorizes (one vector of doubles on AVX-512). */
  static int vectorMinLength = 8;
  /**
   * In float, a vectorized loop whose length is not a multiple of 16 (one AVX-512 vector of floats)
   * must be at least this long: shorter, its scalar tail is too much of the work. The 40-layer
   * chain of width 24 at batch 32 in float (16 lanes and a tail of 8) took 722 / 1,634 µs per
   * loss / gradient through the vector kernels against 403 / 1,066 µs in the generated register
   * tiles (medians of 21 rounds, same JVM, docs/tools.md); in double (3 vectors of 8) the
   * vector kernels won, 317 / 569 against 418 / 1,188 µs.
   */
  static int floatVectorRaggedMinLength = 64;

  /**
   * How many arguments (arrays passed to shared kernels) an entry method passes before the rest
   * goes into a part method: each costs up to 10 bytes of bytecode ({@code ws.grad.W}), and a
   * method must stay under HotSpot's 8,000-byte limit for JIT compilation.
   */
  static final int ARGUMENTS_PER_METHOD = 600;

  /**
   * How many nodes must have the same kernel code for it to become one shared method: the layers
   * of a deep network share, while a small network keeps one method per node.
   */
  static final int SHARED_AT = 4;

  /**
   * The largest {@link Straight#cost} of a network compiled to straight-line code (every value a
   * local, a forward and a backward loop over the examples, no kernels); larger ones get kernels.
   * Not final: tests set it to 0 to compile small networks with kernels too, and to 20,000 to
   * compile large ones straight-line.
   */
  static int straightMaxCost = 400;

  private final Dag dag;
  private final boolean isFloat;
  private final boolean vector;
  private final KernelChoice kernelChoice;
  private final Map<Node, List<Node>> consumers = new HashMap<>();
  private final Set<Node> batched = new HashSet<>();
  private final Set<Node> forward = new HashSet<>();
  private final Set<Node> mustMaterialize = new HashSet<>();
  private final Map<String, List<Term>> gradientTerms = new LinkedHashMap<>();
  private final Set<Node> decomposed = new HashSet<>();
  private final Set<Node> gradientRoots = new HashSet<>();
  /** Elementwise node -> the matrix-vector product computed in its kernel's register tiles. */
  private final Map<Node, Node> epilogues = new HashMap<>();
  /** The products computed in an epilogue's tiles (the values of {@link #epilogues}). */
  private final Set<Node> inEpilogue = new HashSet<>();
  private final Map<Node, String> storage = new HashMap<>();
  /** "line 12: h = ..." for each source line described, made safe once. */
  private final Map<Integer, String> lineText;
  /** The call that computes a node: {@code computeH(batch)}, or a shared kernel's with the node's arrays. */
  private final Map<Node, String> kernelCall = new HashMap<>();
  /** Per SCAN node: the tape of each of its reverse body's saved intermediates (ScanKernels; null: not kept). */
  private final Map<Node, List<String>> tapes = new HashMap<>();
  /**
   * Each max/min node's winners (the {@code WINNERS} nodes of its comprehension, which a
   * gradient reads): computed by one kernel with the max, in one pass over the window, where a
   * schedule needs them ({@link #withWinnersCall}); a winners node has no kernel of its own.
   */
  private final Map<Node, List<Node>> winnersOf = new LinkedHashMap<>();
  /** The max/min node of each winners node in {@link #winnersOf}. */
  private final Map<Node, Node> maxOf = new HashMap<>();
  /** The call of the kernel that computes a max/min node and its winners. */
  private final Map<Node, String> withWinnersCall = new HashMap<>();
  private final Names fieldNames;
  private final Names memberNames;
  private final Names bufferNames;
  private final List<ClassPlan.Buffer> buffers;
  private final List<ClassPlan.Kernel> kernels;
  /** Storage of leaves by name that is not a param's, input's or target's own: the tangent leaves of jvp and hvp. */
  private final Map<String, String> leafStorage = new HashMap<>();
  /** The planner of the class whose kernels this one's join (jvp's and hvp's), or null. */
  private final Planner parent;
  /** For each int input and target, the number of valid ids (the network's). */
  private Map<String, Integer> idLimits = Map.of();

  /** One term of a param's batch gradient: {@code sign * mean over the batch of node}. */
  record Term(Node node, double sign) {}

  private Planner(Dag dag, boolean isFloat, KernelChoice kernelChoice) {
    this(dag, isFloat, kernelChoice, null);
  }

  /**
   * A planner for {@code dag}; with a {@code parent}, one whose kernels and buffers join the
   * parent's class (jvp's and hvp's DAGs): names, buffers and kernels are the parent's.
   */
  private Planner(Dag dag, boolean isFloat, KernelChoice kernelChoice, Planner parent) {
    this.dag = dag;
    this.isFloat = isFloat;
    this.kernelChoice = kernelChoice;
    // the same plan for every choice: large products call the runtime's kernels, scalar or vector
    this.vector = true;
    this.parent = parent;
    this.lineText = parent != null ? parent.lineText : new HashMap<>();
    this.fieldNames = parent != null ? parent.fieldNames : new Names("ws", "NAME", "PARAMS", "INPUTS", "TARGETS", "OUTPUTS", "SEED");
    this.memberNames = parent != null ? parent.memberNames : new Names();
    this.bufferNames = parent != null ? parent.bufferNames : new Names(Kernels.LOCALS);
    this.buffers = parent != null ? parent.buffers : new ArrayList<>();
    this.kernels = parent != null ? parent.kernels : new ArrayList<>();
  }

  public static ClassPlan plan(Dag dag, boolean isFloat, String className, String sourceName) {
    return plan(dag, isFloat, KernelChoice.AUTO, className, sourceName);
  }

  /** {@code kernelChoice}: which runtime kernels large batched matrix products call. */
  public static ClassPlan plan(Dag dag, boolean isFloat, KernelChoice kernelChoice, String className, String sourceName) {
    return new Planner(dag, isFloat, kernelChoice).build(className, sourceName);
  }

  KernelChoice kernelChoice() {
    return kernelChoice;
  }

  /**
   * As {@link #plan(Dag, boolean, KernelChoice, String, String)}, with the methods {@code jvp} (from
   * {@code jvp}, {@code ForwardMode.jvp}'s DAG) and {@code hvp} (from {@code hvp},
   * {@code ForwardMode.hvp}'s), either null for none.
   */
  public static ClassPlan plan(Dag dag, Dag jvp, Dag hvp, boolean isFloat, KernelChoice kernelChoice, String className,
      String sourceName) {
    Planner main = new Planner(dag, isFloat, kernelChoice);
    ClassPlan plan = main.build(className, sourceName);
    if (jvp == null && hvp == null) {
      return plan;
    }
    ClassPlan.Derivatives d = main.derivatives(plan, jvp, hvp);
    return plan.withDerivatives(d, main.scratchRows == 0 && main.scratchDirect == 0 ? null
        : new ClassPlan.Scratch(main.scratchRows, main.scratchCols, main.scratchFlat, main.scratchResult,
            main.scratchDirect));
  }

  /**
   * The bodies of {@code jvp} and {@code hvp}: each DAG planned with kernels (never straight-line)
   * by a planner of its own whose kernels and buffers join this class's. The tangent leaves read
   * workspace fields that the methods bind to their arguments.
   */
  private ClassPlan.Derivatives derivatives(ClassPlan plan, Dag jvp, Dag hvp) {
    List<ClassPlan.Tensor> inputTangents = new ArrayList<>();
    List<ClassPlan.Tensor> outputTangents = new ArrayList<>();
    List<ClassPlan.Binding> jvpBindings = new ArrayList<>();
    List<ClassPlan.Binding> hvpBindings = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    List<Code> jvpBody = null;
    List<Code> hvpBody = null;
    String tangent = null;
    String vectorName = null;
    String product = null;
    if (jvp != null) {
      Planner child = new Planner(jvp, isFloat, kernelChoice, this);
      tangent = fieldNames.allocate("tangent");
      for (ClassPlan.Tensor t : plan.inputs()) {
        String arg = fieldNames.allocate("tangent" + capitalize(t.javaName()));
        inputTangents.add(new ClassPlan.Tensor(t.name(), arg, t.dims(), t.size(), null, t.line(), null));
        String field = bufferNames.allocate(arg);
        fields.add(field);
        jvpBindings.add(new ClassPlan.Binding(field, arg));
        child.leafStorage.put(dev.netc.compiler.autodiff.ForwardMode.tangentName(t.name()), "ws." + field);
      }
      for (ClassPlan.Tensor p : plan.params()) {
        String field = bufferNames.allocate("tangent" + capitalize(p.javaName()));
        fields.add(field);
        jvpBindings.add(new ClassPlan.Binding(field, tangent + "." + p.javaName()));
        child.leafStorage.put(dev.netc.compiler.autodiff.ForwardMode.tangentName(p.name()), "ws." + field);
      }
      for (ClassPlan.Tensor o : plan.outputs()) {
        String arg = fieldNames.allocate("tangent" + capitalize(o.javaName()));
        outputTangents.add(new ClassPlan.Tensor(o.name(), arg, o.dims(), o.size(), null, o.line(), null));
      }
      jvpBody = child.jvpBody(plan, outputTangents);
    }
    if (hvp != null) {
      // plain Java kernels: with the Vector API's, C2 left vectors escaping in hvp's large kernels
      // (the 40-layer chain's hvp allocated 9 MB per 1,000 calls after two minutes of warm-up)
      Planner child = new Planner(hvp, isFloat, KernelChoice.SCALAR, this);
      vectorName = fieldNames.allocate("v");
      product = fieldNames.allocate("hv");
      for (ClassPlan.Tensor p : plan.params()) {
        String field = bufferNames.allocate("vector" + capitalize(p.javaName()));
        fields.add(field);
        hvpBindings.add(new ClassPlan.Binding(field, vectorName + "." + p.javaName()));
        child.leafStorage.put(dev.netc.compiler.autodiff.ForwardMode.tangentName(p.name()), "ws." + field);
      }
      hvpBody = child.hvpBody(plan);
    }
    return new ClassPlan.Derivatives(jvpBody, inputTangents, tangent, outputTangents, jvpBindings, hvpBody, vectorName,
        product, hvpBindings, fields);
  }

  private List<Code> jvpBody(ClassPlan plan, List<ClassPlan.Tensor> outputTangents) {
    analyze();
    assignStorage(plan.params(), plan.inputs(), plan.targets());
    makeKernels();
    List<Node> demand = new ArrayList<>(dag.outputs().values());
    if (dag.loss() != null) {
      demand.add(dag.loss());
    }
    Code.Builder b = new Code.Builder();
    b.addAll(callsFor(demand, "jvp"));
    copyOutputs(b, outputTangents);
    return dag.loss() == null ? b.build() : returnMeanLoss(b);
  }

  private List<Code> hvpBody(ClassPlan plan) {
    analyze();
    assignStorage(plan.params(), plan.inputs(), plan.targets());
    makeKernels();
    return lossAndGradientBody(plan.params(), access());
  }

  private ClassPlan build(String className, String sourceName) {
    Network net = dag.network();
    idLimits = net.idLimits();
    analyze();
    List<ClassPlan.Tensor> params = new ArrayList<>();
    for (Network.Param p : net.params()) {
      params.add(tensor(p.symbol(), fieldNames.allocate(p.symbol().name()), p.init()));
    }
    List<ClassPlan.Tensor> inputs = net.inputs().stream().map(s -> tensor(s, fieldNames.allocate(s.name()), null)).toList();
    List<ClassPlan.Tensor> targets = net.targets().stream().map(s -> tensor(s, fieldNames.allocate(s.name()), null)).toList();
    List<ClassPlan.Tensor> outputs = net.outputs().stream().map(s -> tensor(s, fieldNames.allocate(s.name() + "Out"), null)).toList();
    // inputGradient's parameters, gradX for x, taken from the same names (an input may be called gradX)
    inputs = inputs.stream().map(t -> t.withGradientName(fieldNames.allocate("grad" + capitalize(t.javaName())))).toList();
    // workspace buffers never take the name of the workspace's other fields
    for (String field : List.of("capacity", "staging", "grad", "training", "dropout", "pack", "packA", "packRow", "packIn", "packAt", "ids")) {
      bufferNames.allocate(field);
    }
    inputs.forEach(t -> bufferNames.allocate(t.javaName()));
    targets.forEach(t -> bufferNames.allocate(t.javaName()));
    boolean ints = net.inputs().stream().anyMatch(Symbol::integer) || net.targets().stream().anyMatch(Symbol::integer);
    boolean loops = dag.nodes().stream().anyMatch(n -> n.op() == Op.SCAN);
    if (!ints && !loops && Straight.fits(dag, straightMaxCost)) {
      Straight s = new Straight(this, dag, isFloat, params, inputs, targets, outputs);
      boolean loss = dag.loss() != null;
      return new ClassPlan(net.packageName(), className, net.name(), sourceName, isFloat, kernelChoice, true, params, inputs,
          targets, outputs, loss, buffers, kernels, s.predict(outputs), loss ? s.loss() : List.of(),
          loss ? s.lossAndGradient(params) : List.of(), loss ? s.inputGradient(inputs) : List.of(), false, null);
    }
    assignStorage(params, inputs, targets);
    makeKernels();
    Kernels.Access access = access();
    List<Code> predict = predictBody(outputs, access);
    List<Code> loss = dag.loss() == null ? List.of() : lossBody();
    List<Code> lossAndGradient = dag.loss() == null ? List.of() : lossAndGradientBody(params, access);
    List<Code> inputGradient = dag.loss() == null ? List.of() : inputGradientBody(inputs, access);
    return new ClassPlan(net.packageName(), className, net.name(), sourceName, isFloat, kernelChoice, false, params, inputs, targets, outputs,
        dag.loss() != null, buffers, kernels, predict, loss, lossAndGradient, inputGradient,
        dag.nodes().stream().anyMatch(n -> n.op() == Op.DROPOUT_MASK),
        scratchRows == 0 && scratchDirect == 0 ? null
            : new ClassPlan.Scratch(scratchRows, scratchCols, scratchFlat, scratchResult, scratchDirect));
  }

  private int scratchRows;
  private int scratchCols;
  private int scratchFlat;
  private int scratchResult;

  /** A kernel packs its operands into the workspace's scratch buffers, of at least these sizes. */
  private int scratchDirect;

  /** A direct product's rows of its second operand: {@code rows} (array, offset) pairs in the workspace. */
  void needDirectRows(int rows) {
    if (parent != null) {
      parent.needDirectRows(rows);
      return;
    }
    scratchDirect = Math.max(scratchDirect, rows);
  }

  void needScratch(int rows, int cols, int flat, int result) {
    if (parent != null) {
      parent.needScratch(rows, cols, flat, result); // jvp's and hvp's kernels use the class's scratch
      return;
    }
    scratchRows = Math.max(scratchRows, rows);
    scratchCols = Math.max(scratchCols, cols);
    scratchFlat = Math.max(scratchFlat, flat);
    scratchResult = Math.max(scratchResult, result);
  }

  private ClassPlan.Tensor tensor(Symbol s, String javaName, dev.netc.compiler.model.Init init) {
    return new ClassPlan.Tensor(s.name(), javaName, s.shape().dims(), s.shape().size(), init, s.pos().line(), null,
        s.integer(), s.integer() ? idLimits.getOrDefault(s.name(), Integer.MAX_VALUE) : 0, s.ignore());
  }

  // ---------------------------------------------------------------- analysis

  private void analyze() {
    List<Node> forwardRoots = new ArrayList<>(dag.outputs().values());
    if (dag.loss() != null) {
      forwardRoots.add(dag.loss());
    }
    forward.addAll(Dag.closure(dag.nodes(), forwardRoots));
    for (Node n : dag.nodes()) {
      for (Node in : n.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
      // a loop's value holds every example's states and rows (ScanKernels), whatever its inputs
      boolean fromBatched = n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.SCAN || n.op() == Op.SCAN_BACK;
      for (Node in : n.inputs()) {
        fromBatched |= batched.contains(in);
      }
      if (fromBatched && n.op() != Op.SCAN_GRAD) { // a loop's summed adjoint: the mean over the batch
        batched.add(n);
      }
    }
    dag.outputs().values().forEach(mustMaterialize::add);
    if (dag.loss() != null) {
      mustMaterialize.add(dag.loss());
    }
    dag.inputGradients().values().forEach(mustMaterialize::add);
    gradientRoots.addAll(dag.paramGradients().values());
    dag.paramGradients().forEach((name, root) -> {
      List<Term> terms = new ArrayList<>();
      if (batched.contains(root)) {
        decompose(root, 1, terms, true);
      } else {
        terms.add(new Term(root, 1));
        mustMaterialize.add(root);
      }
      gradientTerms.put(name, terms);
    });
    limitFusedDepth();
    settle();
    findEpilogues();
  }

  /**
   * The most gradient terms of one param accumulated by one method: a param used by thousands of
   * layers has as many terms, and one method for all of them would pass javac's 64 KB limit.
   */
  static final int MAX_TERMS = 64;

  /** One method's share of a param's gradient terms; {@code continued}: after the first share. */
  private record Accumulation(ClassPlan.Tensor param, List<Term> terms, boolean continued) {}

  /** The most elementwise operations fused into one expression before one is kept in a buffer. */
  static final int MAX_FUSED_DEPTH = 64;

  /**
   * Keeps every {@link #MAX_FUSED_DEPTH}-th node of a long chain of fused elementwise operations in
   * a buffer of its own. Without it, a chain of thousands of scalar values (each used once) fuses
   * into one expression thousands deep, and the code that describes and writes it, and javac,
   * recurse that deep.
   */
  private void limitFusedDepth() {
    Map<Node, Integer> depth = new HashMap<>();
    for (Node n : dag.nodes()) {
      if (!isInlined(n)) {
        continue;
      }
      int d = 1;
      for (Node in : n.inputs()) {
        d = Math.max(d, 1 + depth.getOrDefault(in, 0));
      }
      if (d > MAX_FUSED_DEPTH) {
        mustMaterialize.add(n);
      } else {
        depth.put(n, d);
      }
    }
  }

  /**
   * Finds the matrix-vector products whose only use is an elementwise expression (through fused
   * nodes), such as {@code tanh(W * x + b)}: the product's register tiles then store that
   * expression directly, and the product needs no buffer of its own.
   */
  private void findEpilogues() {
    for (Node m : dag.nodes()) {
      if (m.op() != Op.MATMUL || !m.shape().isVector() || isView(m.input(0)) || batched.contains(m.input(0))
          || !batched.contains(m.input(1)) || mustMaterialize.contains(m) || decomposed.contains(m) || uses(m) != 1
          || vectorRows(m)) {
        continue;
      }
      Node u = consumers.get(m).get(0);
      while (isInlined(u)) {
        u = consumers.get(u).get(0);
      }
      if (isElementwise(u) && u.op() != Op.BROADCAST && u.op() != Op.CONST && !decomposed.contains(u)
          && batched.contains(u) && u.shape().equals(m.shape()) && !epilogues.containsKey(u) && isArithmetic(u, m)) {
        epilogues.put(u, m);
        inEpilogue.add(m);
      }
    }
  }

  /** Ops an epilogue may hold: arithmetic, no calls. */
  private static final Set<Op> ARITHMETIC = EnumSet.of(Op.CONST, Op.BROADCAST, Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG);

  /**
   * Whether the expression of {@code u} (through its fused inputs, down to {@code product}) is
   * arithmetic only. A function such as {@code tanh} in a register tile's epilogue is inlined by
   * C2 into the tile's method, and the method got 2.8 times slower (MLP 784-128-10 batch 64
   * {@code loss}: 2.6 ms against 0.90 ms with {@code tanh} in a kernel of its own), so
   * {@code tanh(W * x + b)} keeps the product in a buffer and the activation in its own loop.
   */
  private boolean isArithmetic(Node u, Node product) {
    if (!ARITHMETIC.contains(u.op())) {
      return false;
    }
    for (Node in : u.inputs()) {
      if (in != product && isInlined(in) && !isArithmetic(in, product)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A batched {@code W * x} (W not batched, not a view) computed by the Vector API kernel
   * {@code matmulRows}: compiling with {@code vector}, and W large enough.
   */
  boolean vectorRows(Node n) {
    if (!vector || n.op() != Op.MATMUL || !n.shape().isVector() || isView(n.input(0)) || batched.contains(n.input(0))
        || !batched.contains(n.input(1))) {
      return false;
    }
    int k = n.input(0).shape().cols();
    return vectorLength(k) && n.shape().rows() * k >= vectorMinElements;
  }

  /** Whether a loop of {@code len} elements is long enough for the vector kernels (see {@link #floatVectorRaggedMinLength}). */
  private boolean vectorLength(int len) {
    return len >= vectorMinLength && (!isFloat || len % 16 == 0 || len >= Math.max(vectorMinLength, floatVectorRaggedMinLength));
  }

  /** A batched {@code transpose(W) * d} (W not batched, read in place) computed by {@code matmulCols}. */
  boolean vectorCols(Node n) {
    if (!vector || n.op() != Op.MATMUL || !n.shape().isVector() || !isView(n.input(0))
        || batched.contains(n.input(0).input(0)) || !batched.contains(n.input(1))) {
      return false;
    }
    int m = n.shape().rows();
    return vectorLength(m) && m * n.input(0).shape().cols() >= vectorMinElements;
  }

  /**
   * Whether an index definition's product of a matrix of {@code rows x cols} with every position of
   * a batch goes to the runtime's kernels ({@code IndexKernels.positionWise}); {@code len} is the
   * length of the loop the kernel vectorizes.
   */
  boolean vectorPositionWise(int rows, int cols, int len) {
    return vector && vectorLength(len) && rows * cols >= vectorMinElements;
  }

  /** Whether an index definition's function at every point, rows of {@code size}, goes to the runtime's {@code activate}. */
  boolean vectorIndexActivation(int size) {
    return vector && size >= vectorMinLength;
  }

  /** A param's gradient term, the batch's sum of outer products, accumulated by {@code outerAccumulate}. */
  boolean vectorOuter(Node n) {
    int cols = n.shape().cols();
    return vector && vectorLength(cols) && n.shape().rows() * cols >= vectorMinElements;
  }

  /**
   * A bias add and activation computed by the Vector API kernel {@code activate}: {@code act(t + bias)}
   * ({@code act} null for the add alone, {@code bias} null for the activation alone), {@code t} a
   * batched buffer and {@code bias} an unbatched one of the same shape; or {@code act((t + t2) + bias)}
   * with {@code t2} a second batched buffer (a recurrent gate, {@code sigmoid(W x + U h + b)}).
   */
  record VectorActivation(Op act, Node t, Node t2, Node bias) {}

  /** The {@link VectorActivation} that computes the buffered elementwise node {@code n}, or null. */
  VectorActivation vectorActivation(Node n) {
    if (!vector || !batched.contains(n) || epilogues.containsKey(n) || n.shape().size() < vectorMinLength) {
      return null;
    }
    Op act = switch (n.op()) {
      case TANH, SIGMOID, RELU -> n.op();
      case ADD -> null;
      default -> Op.CONST; // not an activation
    };
    if (act == Op.CONST) {
      return null;
    }
    Node inner = act == null ? n : n.input(0);
    if (act != null && isBatchedArray(inner, n)) {
      return new VectorActivation(act, inner, null, null);
    }
    if (inner.op() != Op.ADD || (inner != n && !isInlined(inner))) {
      return null;
    }
    for (int i = 0; i < 2; i++) {
      Node t = inner.input(i);
      Node bias = inner.input(1 - i);
      if (!isArray(bias) || batched.contains(bias) || !bias.shape().equals(n.shape())) {
        continue;
      }
      if (isBatchedArray(t, n)) {
        return new VectorActivation(act, t, null, bias);
      }
      // (t + t2) + bias, the sum fused into this kernel: the loop adds in this order too
      if (t.op() == Op.ADD && isInlined(t) && isBatchedArray(t.input(0), n) && isBatchedArray(t.input(1), n)) {
        return new VectorActivation(act, t.input(0), t.input(1), bias);
      }
    }
    return null;
  }

  /**
   * The gradient through relu, {@code g * step(t)} (either order), computed by the Vector API
   * kernel {@code reluBackward}: {@code g} and {@code t} batched arrays of the node's shape, the
   * step fused into this kernel. Null when {@code n} is not one.
   */
  record ReluBackward(Node g, Node t) {}

  /** The {@link ReluBackward} that computes the buffered elementwise node {@code n}, or null. */
  ReluBackward reluBackward(Node n) {
    if (!vector || !batched.contains(n) || epilogues.containsKey(n) || n.shape().size() < vectorMinLength
        || n.op() != Op.MUL) {
      return null;
    }
    for (int i = 0; i < 2; i++) {
      Node g = n.input(i);
      Node step = n.input(1 - i);
      if (step.op() == Op.STEP && isInlined(step) && isBatchedArray(g, n) && isBatchedArray(step.input(0), n)) {
        return new ReluBackward(g, step.input(0));
      }
    }
    return null;
  }

  private boolean isBatchedArray(Node t, Node n) {
    return isArray(t) && batched.contains(t) && t.shape().equals(n.shape());
  }

  /** A node read from an array of its own: a param, input, target or buffer (not fused, not a view). */
  private boolean isArray(Node n) {
    return storage.containsKey(n) && !isInlined(n) && !isView(n);
  }

  /** The product whose tiles compute {@code n}, or null. */
  Node epilogueProduct(Node n) {
    return epilogues.get(n);
  }

  /** Splits a batched gradient root through +, - and unary - into terms accumulated separately. */
  private void decompose(Node n, double sign, List<Term> terms, boolean isRoot) {
    // another param's gradient root is used by that gradient too (uses() does not count it): a
    // term here, never split (splitting it left the other gradient's one term without storage)
    boolean otherRoot = !isRoot && gradientRoots.contains(n);
    boolean splittable = (n.op() == Op.ADD || n.op() == Op.SUB || n.op() == Op.NEG)
        && (isRoot ? uses(n) == 0 : uses(n) == 1) && !mustMaterialize.contains(n) && !otherRoot;
    if (splittable) {
      decomposed.add(n);
      if (n.op() == Op.NEG) {
        decompose(n.input(0), -sign, terms, false);
      } else {
        decompose(n.input(0), sign, terms, false);
        decompose(n.input(1), n.op() == Op.SUB ? -sign : sign, terms, false);
      }
      return;
    }
    terms.add(new Term(n, sign));
    if (!isFusedOuter(n)) {
      mustMaterialize.add(n);
    }
  }

  /** An outer product term accumulated straight into the gradient: sum over ex of a_ex c_ex^T. */
  boolean isFusedOuter(Node n) {
    if (n.op() != Op.OUTER && indexOuter(n) == null) {
      return false;
    }
    // a gradient root, or a term of one split by decompose (its one consumer is a decomposed sum)
    boolean term = uses(n) == 0 || uses(n) == 1 && decomposed.contains(consumers.get(n).get(0));
    return batched.contains(n) && term && !mustMaterializeOther(n);
  }

  /**
   * A param's gradient term written in index notation as a sum of outer products over positions,
   * {@code g[r..., c...] = sum(p...) a[..] * b[..]}, {@code a} reading the reduced indices and the
   * output's leading ones (the rows), {@code b} the reduced ones and the rest (the columns), both
   * batched: over the batch, the sum of {@code batch * positions} outer products of a row of
   * {@code rows} by one of {@code cols}, which the runtime's {@code outerAccumulate} adds into the
   * gradient in one call. An operand read whole in the order {@code [p..., r...]} (the weight
   * gradient of a matrix applied at every position, {@code IndexKernels.positionWise}) is passed
   * as it is; one read in another order, each index plainly ({@code dq[h, t, c]} for
   * {@code dWq[h, c, d] = sum(t) dq[h, t, c] * a[t, d]}, attention's projections), is first
   * copied into that order ({@code packA}, {@code packB}: the order and the strides of its
   * reads; null when read whole) in a buffer of its own ({@link #outerPack}), so that the batch
   * is a part of the sum rather than a product per example added up after. Vector only.
   */
  record IndexOuter(Node a, Node b, int rows, int cols, int positions, OuterPack packA, OuterPack packB, Window window) {}

  /**
   * An {@link IndexOuter} whose second operand is read through a shifting window, the weight
   * gradient of a stride-1 convolution, {@code g[o, c, p, q] = sum(y, x) a[o, y, x] * b[c, y + p,
   * x + q]}: {@code a} is {@code rows x oh x ow} per example, {@code b} {@code planes x height x
   * width}, the kernel {@code kh x kw}. The runtime's {@code windowGradient} adds it into the
   * gradient over the batch, {@code chunk} examples at a time (docs/codegen.md, "Window gradients").
   */
  record Window(int planes, int height, int width, int kh, int kw, int oh, int ow, int chunk) {}

  /** How many numbers a {@link Window}'s packs of one chunk hold at most (about 200 KB of floats, in the L2 beside the operands). */
  static final int WINDOW_CHUNK_NUMBERS = 49152;

  /** The most examples a {@link Window} packs at a time. */
  static final int WINDOW_CHUNK_MAX = 16;

  /** How an operand of an {@link IndexOuter} is copied into the order {@code dims}: element at {@code sum(k_i * strides[i])}. */
  record OuterPack(List<Comprehension.Dim> dims, int[] strides) {}

  /** The {@link IndexOuter} that {@code n} is, or null. */
  IndexOuter indexOuter(Node n) {
    if (!vector || n.op() != Op.COMPUTE || !(n.ix() instanceof Comprehension c) || c.reducer() != Comprehension.Reducer.SUM
        || !c.guards().isEmpty() || c.out().size() < 2 || c.reduced().isEmpty() || !batched.contains(n)
        || !(c.body() instanceof IExpr.Apply ap) || ap.op() != Scalar.MUL
        || !(ap.args().get(0) instanceof IExpr.Read r0) || !(ap.args().get(1) instanceof IExpr.Read r1)) {
      return null;
    }
    int positions = 1;
    for (Comprehension.Dim d : c.reduced()) {
      positions *= d.extent();
    }
    for (IExpr.Read ra : List.of(r0, r1)) {
      IExpr.Read rb = ra == r0 ? r1 : r0;
      Node a = n.input(ra.slot());
      Node b = n.input(rb.slot());
      if (!batched.contains(a) || !batched.contains(b) || a.op() == Op.TRANSPOSE || b.op() == Op.TRANSPOSE) {
        continue;
      }
      // rows: the output's leading axes that a reads; columns: the others
      int split = 0;
      while (split < c.out().size() && readsIndex(ra, c.out().get(split).index())) {
        split++;
      }
      List<Comprehension.Dim> rowDims = c.out().subList(0, split);
      List<Comprehension.Dim> colDims = c.out().subList(split, c.out().size());
      if (rowDims.isEmpty() || colDims.isEmpty()) {
        continue;
      }
      Window w = window(c, ra, a, rb, b, rowDims, colDims);
      if (w != null) {
        return new IndexOuter(a, b, rowDims.get(0).extent(), w.planes() * w.kh() * w.kw(), positions, null, null, w);
      }
      int rows = 1;
      for (Comprehension.Dim d : rowDims) {
        rows *= d.extent();
      }
      int cols = 1;
      for (Comprehension.Dim d : colDims) {
        cols *= d.extent();
      }
      if (!vectorLength(cols) || rows * cols < vectorMinElements) {
        continue;
      }
      List<Comprehension.Dim> aAt = new ArrayList<>(c.reduced());
      aAt.addAll(rowDims);
      List<Comprehension.Dim> bAt = new ArrayList<>(c.reduced());
      bAt.addAll(colDims);
      boolean wholeA = IndexKernels.readsWhole(ra, a, aAt);
      boolean wholeB = IndexKernels.readsWhole(rb, b, bAt);
      OuterPack packA = wholeA ? null : outerPack(ra, a, aAt);
      OuterPack packB = wholeB ? null : outerPack(rb, b, bAt);
      if ((wholeA || packA != null) && (wholeB || packB != null)) {
        return new IndexOuter(a, b, rows, cols, positions, packA, packB, null);
      }
    }
    return null;
  }

  /**
   * The {@link Window} of {@code g[o, c, p, q] = sum(y, x) a[o, y, x] * b[c, y + p, x + q]}, each
   * index plainly (coefficients 1, no constant), {@code b}'s rows exactly as long as the windows
   * need; else null.
   */
  private static Window window(Comprehension c, IExpr.Read ra, Node a, IExpr.Read rb, Node b,
      List<Comprehension.Dim> rowDims, List<Comprehension.Dim> colDims) {
    if (c.reduced().size() != 2 || rowDims.size() != 1 || colDims.size() != 3 || a.shape().rank() != 3
        || b.shape().rank() != 3 || rb.at().size() != 3) {
      return null;
    }
    Comprehension.Dim y = c.reduced().get(0);
    Comprehension.Dim x = c.reduced().get(1);
    if (!IndexKernels.readsWhole(ra, a, List.of(rowDims.get(0), y, x))) {
      return null;
    }
    Comprehension.Dim ch = colDims.get(0);
    Comprehension.Dim p = colDims.get(1);
    Comprehension.Dim q = colDims.get(2);
    if (!(rb.at().get(0) instanceof Affine a0) || !a0.equals(Affine.of(ch.index()))
        || !(rb.at().get(1) instanceof Affine a1) || !a1.equals(Affine.of(y.index()).plus(Affine.of(p.index())))
        || !(rb.at().get(2) instanceof Affine a2) || !a2.equals(Affine.of(x.index()).plus(Affine.of(q.index())))) {
      return null;
    }
    int[] bd = b.shape().dims();
    if (bd[0] != ch.extent() || bd[1] != y.extent() + p.extent() - 1 || bd[2] != x.extent() + q.extent() - 1) {
      return null;
    }
    int perExample = ch.extent() * q.extent() * bd[1] * x.extent();
    int chunk = Math.max(1, Math.min(WINDOW_CHUNK_MAX, WINDOW_CHUNK_NUMBERS / perExample));
    return new Window(ch.extent(), bd[1], bd[2], p.extent(), q.extent(), y.extent(), x.extent(), chunk);
  }

  private static boolean readsIndex(IExpr.Read r, String index) {
    return r.at().stream().anyMatch(e -> e instanceof Affine af && af.coefficient(index) != 0);
  }

  /**
   * How to copy what {@code r} reads of {@code src} into the order {@code dims}, or null: every
   * index of {@code r} is one of {@code dims}, plainly (no shift, no factor), each once, over the
   * whole of its axis.
   */
  private static OuterPack outerPack(IExpr.Read r, Node src, List<Comprehension.Dim> dims) {
    int[] shape = src.shape().dims();
    if (r.at().size() != shape.length || shape.length != dims.size()) {
      return null;
    }
    int[] strides = dev.netc.compiler.graph.ix.ScanBody.rowMajorStrides(shape);
    int[] byDim = new int[dims.size()];
    java.util.Arrays.fill(byDim, -1);
    for (int axis = 0; axis < shape.length; axis++) {
      if (!(r.at().get(axis) instanceof Affine af) || af.constant() != 0 || af.terms().size() != 1) {
        return null;
      }
      String index = af.single();
      int at = -1;
      for (int i = 0; i < dims.size(); i++) {
        if (dims.get(i).index().equals(index)) {
          at = i;
        }
      }
      if (at < 0 || byDim[at] >= 0 || af.coefficient(index) != 1 || dims.get(at).extent() != shape[axis]) {
        return null;
      }
      byDim[at] = strides[axis];
    }
    return new OuterPack(List.copyOf(dims), byDim);
  }

  /** Per fused outer term and operand (0: a, 1: b): the buffer its packed copy goes to. */
  private final Map<List<Object>, String> outerPacks = new HashMap<>();

  /** The workspace buffer that operand {@code which} (0: a, 1: b) of the fused term {@code n} is packed into. */
  String outerPack(Node n, int which) {
    IndexOuter io = indexOuter(n);
    return outerPacks.computeIfAbsent(List.of(n, which), k -> newBuffer((n.label() != null ? n.label() : "t" + n.id())
        + (which == 0 ? "RowsPacked" : "ColsPacked"), io.positions() * (which == 0 ? io.rows() : io.cols()), true,
        "an operand of " + describe(n) + ", in the order of its outer products"));
  }

  /**
   * The workspace buffer of a {@link Window} term {@code n}: {@code which} 0, its first operand's
   * rows over a chunk; 1, the second's rows per column shift; 2, one chunk's sums. Each holds a
   * vector more than it needs (the packs' copies write whole vectors).
   */
  String windowPack(Node n, int which) {
    Window w = indexOuter(n).window();
    int rows = indexOuter(n).rows();
    int size = switch (which) {
      case 0 -> rows * w.oh() * w.chunk() * w.ow() + 64;
      case 1 -> w.planes() * w.kw() * w.height() * w.chunk() * w.ow() + 64;
      default -> rows * indexOuter(n).cols();
    };
    needDirectRows(indexOuter(n).cols());
    return outerPacks.computeIfAbsent(List.of(n, which), k -> newBuffer((n.label() != null ? n.label() : "t" + n.id())
        + (which == 0 ? "RowsPacked" : which == 1 ? "WindowsPacked" : "ChunkSums"), size, false,
        which == 0 ? "an operand of " + describe(n) + ", its rows in the order (y, example, x) of a chunk of examples"
            : which == 1 ? "an operand of " + describe(n) + ", per channel and column shift its rows in the order"
                + " (row, example, column) of a chunk of examples"
            : "the sums of " + describe(n) + " over a chunk of examples"));
  }

  /** The buffers of {@link #nodeBuffer}, per node and suffix. */
  private final Map<List<Object>, String> nodeBuffers = new HashMap<>();

  /**
   * A workspace buffer of {@code size} numbers (not per example) that the kernel of {@code n}
   * alone uses, named after it with {@code suffix}; the same buffer each time it is asked for.
   */
  String nodeBuffer(Node n, String suffix, int size, String comment) {
    return nodeBuffers.computeIfAbsent(List.of(n, suffix),
        k -> newBuffer((n.label() != null ? n.label() : "t" + n.id()) + suffix, size, false, comment));
  }

  private boolean mustMaterializeOther(Node n) {
    return dag.outputs().containsValue(n) || n == dag.loss() || dag.inputGradients().containsValue(n);
  }

  /** Straight-line code's buffer for the per-example values of {@code n} (one per node): its workspace field. */
  private final Map<Node, String> straightBuffers = new HashMap<>();

  String straightBuffer(Node n) {
    return straightBuffers.computeIfAbsent(n, k -> {
      String name = bufferNames.allocate(k.label() != null ? k.label() : "t" + k.id());
      buffers.add(new ClassPlan.Buffer(name, k.shape().size(), true, describe(k)));
      return "ws." + name;
    });
  }

  List<Node> consumers(Node n) {
    return consumers.getOrDefault(n, List.of());
  }

  int uses(Node n) {
    return consumers(n).size();
  }

  /** Whether {@code n} is an int input or target (an {@code int[]} of ids, not the build's numbers). */
  boolean isIds(Node n) {
    return (n.op() == Op.INPUT || n.op() == Op.TARGET)
        && java.util.stream.Stream.concat(dag.network().inputs().stream(), dag.network().targets().stream())
            .anyMatch(s -> s.integer() && s.name().equals(n.name()));
  }

  boolean isBatched(Node n) {
    return batched.contains(n);
  }

  /** Whether {@code n} is computed inside its consumer's loop instead of in a buffer of its own. */
  boolean isInlined(Node n) {
    return settled ? inlined.contains(n) : inlines(n);
  }

  /** A transpose read in place by the matrix products that use it. */
  boolean isView(Node n) {
    return settled ? views.contains(n) : readInPlace(n);
  }

  /**
   * Whether {@link #isInlined} and {@link #isView} are decided: what they depend on (the nodes
   * that must be materialized or are decomposed) is settled once {@link #analyze} has limited
   * the fused depth, and the kernel writers then ask about every node many times.
   */
  private boolean settled;
  private final Set<Node> inlined = new HashSet<>();
  private final Set<Node> views = new HashSet<>();

  /** Decides {@link #isInlined} and {@link #isView} of every node, once and for all. */
  private void settle() {
    for (Node n : dag.nodes()) {
      if (inlines(n)) {
        inlined.add(n);
      }
      if (readInPlace(n)) {
        views.add(n);
      }
    }
    settled = true;
  }

  /** {@link #isInlined}, from what the analysis has decided so far. */
  private boolean inlines(Node n) {
    if (n.isLeaf() && n.op() != Op.CONST) {
      return false;
    }
    if (mustMaterialize.contains(n) || decomposed.contains(n) || !isElementwise(n)) {
      return false;
    }
    List<Node> users = consumers(n);
    if (users.isEmpty()) {
      return false;
    }
    for (Node u : users) {
      if (!isElementwise(u) || decomposed.contains(u)) {
        return false;
      }
    }
    if (n.op() == Op.CONST || n.op() == Op.BROADCAST) {
      return true;
    }
    if (isVectorGate(n)) {
      return false;
    }
    Node user = users.get(0);
    return users.size() == 1 && user.op() != Op.BROADCAST && batched.contains(user) == batched.contains(n);
  }

  /**
   * A batched {@code tanh} or {@code sigmoid} of products and a bias ({@code act(W x + U h + b)},
   * {@code act(W x + b)}) when the Vector API kernels are on: it keeps a buffer of its own, so that
   * {@code activate} computes it a vector at a time, rather than being fused into its consumer's
   * loop, where it is a call of {@code Ops} per element (a GRU's reset gate in {@code r .* h}).
   */
  private boolean isVectorGate(Node n) {
    if (!vector || (n.op() != Op.TANH && n.op() != Op.SIGMOID) || !batched.contains(n)
        || n.shape().size() < vectorMinLength) {
      return false;
    }
    Node sum = n.input(0);
    if (sum.op() != Op.ADD) {
      return false;
    }
    for (int i = 0; i < 2; i++) {
      Node bias = sum.input(1 - i);
      Node t = sum.input(i);
      if (bias.op() == Op.PARAM && bias.shape().equals(n.shape()) && (isProduct(t)
          || t.op() == Op.ADD && isProduct(t.input(0)) && isProduct(t.input(1)))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isProduct(Node n) {
    return n.op() == Op.MATMUL;
  }

  /** {@link #isView}, from what the analysis has decided so far. */
  private boolean readInPlace(Node n) {
    if (n.op() != Op.TRANSPOSE || mustMaterialize.contains(n) || uses(n) == 0) {
      return false;
    }
    for (Node u : consumers(n)) {
      if (u.op() != Op.MATMUL) {
        return false;
      }
    }
    return true;
  }

  private boolean needsKernel(Node n) {
    return !n.isLeaf() || (n.op() == Op.CONST && !isInlined(n));
  }

  // ---------------------------------------------------------------- storage and kernels

  private void assignStorage(List<ClassPlan.Tensor> params, List<ClassPlan.Tensor> inputs, List<ClassPlan.Tensor> targets) {
    Map<String, String> paramField = new HashMap<>();
    params.forEach(t -> paramField.put(t.name(), t.javaName()));
    Map<String, String> leafField = new HashMap<>();
    inputs.forEach(t -> leafField.put(t.name(), t.javaName()));
    targets.forEach(t -> leafField.put(t.name(), t.javaName()));
    for (Node n : dag.nodes()) {
      if (n.isLeaf() && n.name() != null && leafStorage.containsKey(n.name())) {
        storage.put(n, leafStorage.get(n.name()));
        continue;
      }
      switch (n.op()) {
        case PARAM -> storage.put(n, "this." + paramField.get(n.name()));
        case INPUT, TARGET -> storage.put(n, "ws." + leafField.get(n.name()));
        default -> {
          if (needsKernel(n) && !isInlined(n) && !isView(n) && !decomposed.contains(n) && !isFusedOuter(n)
              && !inEpilogue.contains(n)) {
            String name = bufferNames.allocate(n.label() != null ? n.label() : "t" + n.id());
            storage.put(n, "ws." + name);
            buffers.add(new ClassPlan.Buffer(name, n.shape().size(), batched.contains(n), describe(n)));
          }
        }
      }
    }
  }

  private void makeKernels() {
    Kernels kernelWriter = new Kernels(this, isFloat);
    List<Node> computed = new ArrayList<>();
    for (Node n : dag.nodes()) {
      String target = storage.get(n);
      if (target == null || !target.startsWith("ws.") || n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.PARAM) {
        continue;
      }
      computed.add(n);
    }
    List<Node> scans = computed.stream().filter(n -> n.op() == Op.SCAN || n.op() == Op.SCAN_BACK).toList();
    computed.removeAll(scans);
    computed.removeIf(n -> n.op() == Op.SCAN_GRAD); // written by its SCAN_BACK's kernel
    findWinners(computed);
    computed.removeAll(maxOf.keySet());
    List<Kernels.Draft> drafts = drafts(computed.size(), k -> kernelWriter.signature(computed.get(k)),
        k -> kernelWriter.kernel(computed.get(k)), k -> kernelWriter.comment(computed.get(k)), k -> List.of());
    java.util.function.IntFunction<String> byOp =
        k -> "compute" + capitalize(computed.get(k).op().name().toLowerCase(java.util.Locale.ROOT));
    List<String> calls = methods(drafts, new MethodNames(
        k -> "compute" + capitalize(storage.get(computed.get(k)).substring(3)),
        k -> computed.get(k).label() != null ? "compute" + capitalize(Kernels.withoutNumber(computed.get(k).label()))
            : byOp.apply(k),
        byOp));
    for (int k = 0; k < computed.size(); k++) {
      kernelCall.put(computed.get(k), calls.get(k));
    }
    for (Node n : scans) {
      kernelCall.put(n, ScanKernels.kernel(this, n));
    }
    List<Node> maxima = new ArrayList<>(winnersOf.keySet());
    List<Kernels.Draft> withWinners = drafts(maxima.size(),
        k -> kernelWriter.signature(maxima.get(k), winnersOf.get(maxima.get(k))),
        k -> kernelWriter.kernel(maxima.get(k), winnersOf.get(maxima.get(k))),
        k -> kernelWriter.comment(maxima.get(k), winnersOf.get(maxima.get(k))), k -> List.of());
    List<String> winnerCalls = methods(withWinners, new MethodNames(
        k -> "compute" + capitalize(storage.get(maxima.get(k)).substring(3)) + "AndWinners",
        k -> ((Comprehension) maxima.get(k).ix()).reducer() == Reducer.MAX ? "computeMaxAndWinners" : "computeMinAndWinners",
        k -> "computeWithWinners"));
    for (int k = 0; k < maxima.size(); k++) {
      withWinnersCall.put(maxima.get(k), winnerCalls.get(k));
    }
  }

  /**
   * Pairs each computed {@code WINNERS} node with the computed max/min node of the same
   * comprehension over the same inputs ({@link #winnersOf}): the forward pass of a max pooling
   * finds each window's winner as it finds the max, so the gradient's schedule need not search
   * every window again for each axis of the winner (PyTorch's max_pool2d_with_indices).
   */
  private void findWinners(List<Node> computed) {
    Map<List<Object>, Node> maxima = new HashMap<>();
    for (Node n : computed) {
      if (n.op() == Op.COMPUTE && n.ix() instanceof Comprehension c
          && (c.reducer() == Reducer.MAX || c.reducer() == Reducer.MIN)) {
        maxima.putIfAbsent(List.of(c, n.inputs(), batched.contains(n)), n);
      }
    }
    for (Node w : computed) {
      if (w.op() == Op.WINNERS) {
        Node y = maxima.get(List.of(w.ix(), w.inputs(), batched.contains(w)));
        if (y != null && y.shape().equals(w.shape())) {
          winnersOf.computeIfAbsent(y, k -> new ArrayList<>()).add(w);
          maxOf.put(w, y);
        }
      }
    }
  }

  /**
   * The call that computes {@code n} where the schedule's nodes are {@code needed}: a max/min
   * with its winners when one of them is needed (at the max's place, or at the first winner's
   * when the max itself is not), nothing for a winners node computed so, else {@code n}'s own kernel.
   */
  private String callOf(Node n, Set<Node> needed, Set<Node> done) {
    Node y = maxOf.get(n);
    if (y != null) {
      return needed.contains(y) || !done.add(y) ? null : withWinnersCall.get(y);
    }
    List<Node> ws = winnersOf.get(n);
    if (ws != null && ws.stream().anyMatch(needed::contains)) {
      return done.add(n) ? withWinnersCall.get(n) : null;
    }
    return kernelCall.get(n);
  }

  // ---------------------------------------------------------------- recurrences (ScanKernels)

  /** A param's transpose, written once before a loop's steps: {@code target[c * rows + r] = source[r * cols + c]}. */
  record Transposed(String source, String target, int rows, int cols) {}

  /** Whether this (loop body) planner may read a param through a transpose made before the loop ({@link #transposedOnce}). */
  private boolean hoistTransposes;
  /** Per matrix product: the transpose of its W that the loop makes before its steps. */
  private final Map<Node, Transposed> transposed = new LinkedHashMap<>();

  /** Lets this loop body's products by a param read a transpose of it that the loop makes once, before its steps. */
  void hoistTransposes() {
    hoistTransposes = true;
  }

  /**
   * The buffer holding {@code transpose(W)} for the batched product {@code n = W * x} of a loop's
   * body, or null. W is a param (the same at every step): the loop transposes it once, before its
   * steps ({@link #transposes()}), and every step's product is then {@code matmulCols} of that
   * transpose, whose tiles broadcast each element of {@code x} over vectors of W's columns and
   * reduce across no lanes, where {@code matmulRows} ends each element with a sum across them
   * (docs/codegen.md, "Recurrences"). Rows of W: at least 16 (a read-out over 30 characters
   * too: its last columns are a vector overlapping the one before); not with
   * {@code --kernels scalar}, whose products read W in place.
   */
  String transposedOnce(Node n) {
    if (!hoistTransposes || kernelChoice == KernelChoice.SCALAR || !vectorRows(n) || n.input(0).op() != Op.PARAM
        || n.shape().rows() < 16) {
      return null;
    }
    Transposed t = transposed.computeIfAbsent(n, k -> {
      Node w = k.input(0);
      String source = storageOf(w);
      String base = source.substring(source.lastIndexOf('.') + 1) + "T";
      return new Transposed(source, newBuffer(base, w.shape().size(), false,
          "the transpose of a param, made once before the steps of a loop"), w.shape().rows(), w.shape().cols());
    });
    return t.target();
  }

  /** The transposes a loop body's kernels read ({@link #transposedOnce}), one per product. */
  List<Transposed> transposes() {
    return List.copyOf(transposed.values());
  }

  /** Records the tapes the forward loop of {@code scan} writes (by saved leaf number, null where none). */
  void tapes(Node scan, List<String> buffers) {
    tapes.put(scan, buffers);
  }

  /** The tapes the forward loop of {@code scan} writes (empty when it keeps none). */
  List<String> tapesOf(Node scan) {
    return tapes.getOrDefault(scan, List.of());
  }

  /** A planner for a loop's body, whose names, buffers and kernels are this class's. */
  Planner bodyPlanner(Dag body) {
    return new Planner(body, isFloat, kernelChoice, this);
  }

  /** Makes the leaf {@code name} of this (body) planner's DAG read {@code storage}. */
  void bindLeaf(String name, String storage) {
    leafStorage.put(name, storage);
  }

  /** Plans this body planner's DAG (every leaf bound) and returns the calls that compute {@code outputs}. */
  List<Code> planBody(List<Node> outputs, String purpose) {
    analyze();
    assignStorage(List.of(), List.of(), List.of());
    makeKernels();
    return callsFor(outputs, purpose);
  }

  /**
   * As {@link #planBody}, with the gradients of this body's DAG ({@code paramGradients}, by name)
   * each summed over the batch (the mean, as a param's gradient) and added into the array
   * {@code targets.get(name)} by the accumulation kernels, after the calls.
   */
  List<Code> planBodyWithSums(List<Node> outputs, Map<String, String> targets, String purpose, String comment) {
    analyze();
    assignStorage(List.of(), List.of(), List.of());
    makeKernels();
    List<Node> demand = new ArrayList<>(outputs);
    gradientTerms.values().forEach(ts -> ts.forEach(t -> {
      if (isFusedOuter(t.node())) {
        demand.addAll(t.node().inputs());
      } else {
        demand.add(t.node());
      }
    }));
    List<String> calls = new ArrayList<>();
    List<Node> needed = Dag.closure(dag.nodes(), demand);
    Set<Node> neededSet = new HashSet<>(needed);
    Set<Node> done = new HashSet<>();
    for (Node n : needed) {
      String k = callOf(n, neededSet, done);
      if (k != null) {
        calls.add(k);
      }
    }
    Kernels kernelWriter = new Kernels(this, isFloat);
    for (Map.Entry<String, String> e : targets.entrySet()) {
      List<Term> terms = gradientTerms.get(e.getKey());
      for (int from = 0; from < terms.size(); from += MAX_TERMS) {
        Kernels.Draft d = kernelWriter.accumulationInto(e.getValue(), comment,
            terms.subList(from, Math.min(terms.size(), from + MAX_TERMS)));
        String name = memberNames.allocate(purpose + capitalize(e.getKey()));
        kernels.add(d.single(name));
        calls.add(d.call(name, false));
      }
    }
    return inParts(calls, purpose, purpose);
  }

  /**
   * A new tape, {@code ws.name}: an array per step of a loop, each of {@code size} numbers per
   * example ({@code float[steps][batch * size]}), so that a step's values are written and read
   * in place, the step's buffer field pointing at its row.
   */
  String newTape(String base, int steps, int size, String comment) {
    String name = bufferNames.allocate(base);
    buffers.add(new ClassPlan.Buffer(name, size, true, comment, steps));
    return "ws." + name;
  }

  /** A new workspace buffer, {@code ws.name}. */
  String newBuffer(String base, int size, boolean batchedBuffer, String comment) {
    String name = bufferNames.allocate(base);
    buffers.add(new ClassPlan.Buffer(name, size, batchedBuffer, comment));
    return "ws." + name;
  }

  String newMember(String base) {
    return memberNames.allocate(base);
  }

  void addKernel(ClassPlan.Kernel k) {
    kernels.add(k);
  }

  boolean isFloat() {
    return isFloat;
  }

  Dag dag() {
    return dag;
  }

  /**
   * The code of {@code count} kernels, built by {@code build(k)}; a kernel whose signature
   * ({@code signature(k)}) at least {@link #SHARED_AT} kernels have is built once, and the others
   * with that signature take its code with their own comment ({@code comment(k)}) and arrays
   * ({@code fixedSources(k)} for the fixed locals). With assertions on (the tests), every
   * kernel is also built and checked to be the same.
   */
  private static List<Kernels.Draft> drafts(int count, java.util.function.IntFunction<Kernels.Signature> signature,
      java.util.function.IntFunction<Kernels.Draft> build, java.util.function.IntFunction<String> comment,
      java.util.function.IntFunction<List<String>> fixedSources) {
    List<Kernels.Signature> signatures = new ArrayList<>(count);
    Map<String, Integer> many = new HashMap<>();
    for (int k = 0; k < count; k++) {
      signatures.add(signature.apply(k));
      many.merge(signatures.get(k).key(), 1, Integer::sum);
    }
    Map<String, Integer> built = new HashMap<>();
    List<Kernels.Draft> drafts = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      Kernels.Signature sig = signatures.get(k);
      Integer first = many.get(sig.key()) >= SHARED_AT ? built.putIfAbsent(sig.key(), k) : null;
      if (first == null) {
        drafts.add(build.apply(k));
        continue;
      }
      Kernels.Draft d = drafts.get(first).like(comment.apply(k), signatures.get(first), sig, fixedSources.apply(k));
      assert sameCode(d, build.apply(k)) : "kernels with the same signature differ: " + sig.key();
      drafts.add(d);
    }
    return drafts;
  }

  private static boolean sameCode(Kernels.Draft a, Kernels.Draft b) {
    return a.key.equals(b.key) && a.sources.equals(b.sources) && a.comment.equals(b.comment);
  }

  /**
   * The names the method of draft {@code k} may take: {@code own(k)} for a method of its own;
   * for a method it shares, {@code shared(k)} when that is the same for all the drafts that share
   * it, else {@code other(k)}. Each is asked only when needed (a shared method's group can be a
   * thousand drafts).
   */
  private record MethodNames(java.util.function.IntFunction<String> own, java.util.function.IntFunction<String> shared,
      java.util.function.IntFunction<String> other) {}

  /**
   * Adds the methods of {@code drafts} to the kernels, in order, and returns the call of each:
   * a draft gets a method of its own (named {@code names.own(k)}), unless at least
   * {@link #SHARED_AT} drafts have the same code: they share one static method that takes their
   * arrays as arguments, named {@code names.shared(k)} when that is the same for all of them. A deep network's layers then
   * share a handful of kernels instead of each having its own.
   */
  private List<String> methods(List<Kernels.Draft> drafts, MethodNames names) {
    Map<String, List<Integer>> groups = new HashMap<>();
    for (int k = 0; k < drafts.size(); k++) {
      groups.computeIfAbsent(drafts.get(k).key, key -> new ArrayList<>()).add(k);
    }
    Map<String, String> sharedName = new HashMap<>();
    List<String> calls = new ArrayList<>();
    for (int k = 0; k < drafts.size(); k++) {
      Kernels.Draft d = drafts.get(k);
      List<Integer> group = groups.get(d.key);
      if (group.size() < SHARED_AT) {
        String name = memberNames.allocate(names.own().apply(k));
        kernels.add(d.single(name));
        calls.add(d.call(name, false));
        continue;
      }
      String name = sharedName.get(d.key);
      if (name == null) {
        String first = names.shared().apply(k);
        boolean alike = true;
        for (int j : group) {
          if (!names.shared().apply(j).equals(first)) {
            alike = false;
            break;
          }
        }
        String base = alike ? first : names.other().apply(k);
        name = memberNames.allocate(base);
        sharedName.put(d.key, name);
        kernels.add(d.shared(name, group.size()));
      }
      calls.add(d.call(name, true));
    }
    return calls;
  }


  String storageOf(Node n) {
    return storage.get(n);
  }

  /** "line 12: h = ..." style description of a node, for comments; "gradient of" for backward nodes. */
  String describe(Node n) {
    String line = lineText.computeIfAbsent(n.pos().line(),
        k -> "line " + k + ": " + SafeText.quote(dag.network().source().line(k)));
    return forward.contains(n) ? line : "gradient of " + line;
  }

  Kernels.Access access() {
    return new Kernels(this, isFloat).access();
  }

  // ---------------------------------------------------------------- entry methods

  /** Calls, in topological order, the kernels of every buffered node that {@code demand} needs. */
  private List<Code> callsFor(List<Node> demand, String purpose) {
    return callsFor(demand, purpose, Map.of());
  }

  /** The same, calling {@code instead.get(n)} rather than n's own kernel where there is one. */
  private List<Code> callsFor(List<Node> demand, String purpose, Map<Node, String> instead) {
    List<Node> needed = Dag.closure(dag.nodes(), demand);
    Set<Node> neededSet = new HashSet<>(needed);
    Set<Node> done = new HashSet<>();
    List<String> calls = new ArrayList<>();
    for (Node n : needed) {
      String k = instead.containsKey(n) ? instead.get(n) : callOf(n, neededSet, done);
      if (k != null) {
        calls.add(k);
      }
    }
    return inParts(calls, purpose, purpose);
  }

  /**
   * The statements {@code calls}; when they are too many for one method (more than
   * {@link #CALLS_PER_METHOD} calls or {@link #ARGUMENTS_PER_METHOD} arguments), calls of part
   * methods {@code purposePart1, ...} that make them.
   */
  private List<Code> inParts(List<String> calls, String purpose, String description) {
    List<List<String>> parts = new ArrayList<>();
    List<String> part = new ArrayList<>();
    int arguments = 0;
    for (String call : calls) {
      int args = 0;
      for (int i = call.indexOf(','); i >= 0; i = call.indexOf(',', i + 1)) {
        args++;
      }
      if (part.size() == CALLS_PER_METHOD || !part.isEmpty() && arguments + args > ARGUMENTS_PER_METHOD) {
        parts.add(part);
        part = new ArrayList<>();
        arguments = 0;
      }
      part.add(call);
      arguments += args;
    }
    parts.add(part);
    Code.Builder b = new Code.Builder();
    if (parts.size() == 1) {
      part.forEach(b::stmt);
      return b.build();
    }
    for (int k = 0; k < parts.size(); k++) {
      String name = memberNames.allocate(purpose + "Part" + (k + 1));
      Code.Builder body = new Code.Builder();
      parts.get(k).forEach(body::stmt);
      kernels.add(new ClassPlan.Kernel(name, description + ", part " + (k + 1), List.of(), List.of(), body.build()));
      b.stmt(name + "(batch)");
    }
    return b.build();
  }

  private List<Code> predictBody(List<ClassPlan.Tensor> outputs, Kernels.Access access) {
    Code.Builder b = new Code.Builder();
    b.addAll(callsFor(new ArrayList<>(dag.outputs().values()), "predict"));
    copyOutputs(b, outputs);
    return b.build();
  }

  /** Copies each output of {@link #dag} into the array named as the tensor at its place in {@code outputs}. */
  private void copyOutputs(Code.Builder b, List<ClassPlan.Tensor> outputs) {
    int k = 0;
    for (Node n : dag.outputs().values()) {
      ClassPlan.Tensor out = outputs.get(k++);
      String src = storage.get(n);
      int size = n.shape().size();
      if (batched.contains(n)) {
        b.stmt("System.arraycopy(%s, 0, %s, 0, batch * %d)", src, out.javaName(), size);
      } else {
        b.block("for (int ex = 0; ex < batch; ex++)",
            new Code.Builder().stmt("System.arraycopy(%s, 0, %s, ex * %d, %d)", src, out.javaName(), size, size));
      }
    }
  }

  private List<Code> lossBody() {
    Code.Builder b = new Code.Builder();
    b.addAll(callsFor(List.of(dag.loss()), "loss"));
    return returnMeanLoss(b);
  }

  /** {@code return} the loss, averaged over the batch when it depends on the example. */
  private List<Code> returnMeanLoss(Code.Builder b) {
    String src = storage.get(dag.loss());
    if (!batched.contains(dag.loss())) {
      return b.stmt("return %s[0]", src).build();
    }
    b.stmt("double total = 0");
    b.block("for (int ex = 0; ex < batch; ex++)", new Code.Builder().stmt("total += %s[ex]", src));
    return b.stmt("return total / batch").build();
  }

  private List<Code> lossAndGradientBody(List<ClassPlan.Tensor> params, Kernels.Access access) {
    List<Node> demand = new ArrayList<>();
    demand.add(dag.loss());
    gradientTerms.values().forEach(ts -> ts.forEach(t -> {
      if (isFusedOuter(t.node())) {
        demand.addAll(t.node().inputs());
      } else {
        demand.add(t.node());
      }
    }));
    Code.Builder b = new Code.Builder();
    Kernels kernelWriter = new Kernels(this, isFloat);
    // a layer's input gradient and its W's gradient in one pass over W (vector only)
    Set<Node> demanded = new HashSet<>(Dag.closure(dag.nodes(), demand));
    List<ClassPlan.Tensor> fusedParams = new ArrayList<>();
    List<Node> fusedNodes = new ArrayList<>();
    for (ClassPlan.Tensor p : params) {
      Node t = fusedBackward(p.name());
      if (t != null && demanded.contains(t)) {
        fusedParams.add(p);
        fusedNodes.add(t);
      }
    }
    Map<Node, String> fusedCalls = new HashMap<>();
    if (!fusedNodes.isEmpty()) {
      java.util.function.IntFunction<Term> term = k -> gradientTerms.get(fusedParams.get(k).name()).get(0);
      List<Kernels.Draft> fused = drafts(fusedNodes.size(),
          k -> kernelWriter.signature(fusedNodes.get(k), term.apply(k)),
          k -> kernelWriter.fusedBackward(fusedNodes.get(k), fusedParams.get(k), term.apply(k)),
          k -> kernelWriter.comment(fusedNodes.get(k), fusedParams.get(k)),
          k -> List.of(Kernels.gradientOf(fusedParams.get(k))));
      List<String> calls = methods(fused, new MethodNames(
          k -> "compute" + capitalize(storage.get(fusedNodes.get(k)).substring(3)) + "AndGradient"
              + capitalize(fusedParams.get(k).javaName()),
          k -> "backward" + capitalize(Kernels.withoutNumber(fusedParams.get(k).javaName())), k -> "backwardLayer"));
      for (int k = 0; k < fusedNodes.size(); k++) {
        fusedCalls.put(fusedNodes.get(k), calls.get(k));
      }
    }
    b.addAll(callsFor(demand, "gradient", fusedCalls));
    Set<String> fusedNames = new HashSet<>();
    fusedParams.forEach(p -> fusedNames.add(p.name()));
    List<Accumulation> accumulated = new ArrayList<>();
    for (ClassPlan.Tensor p : params) {
      if (fusedNames.contains(p.name())) {
        continue;
      }
      List<Term> terms = gradientTerms.get(p.name());
      accumulated.add(new Accumulation(p, terms.subList(0, Math.min(terms.size(), MAX_TERMS)), false));
      for (int from = MAX_TERMS; from < terms.size(); from += MAX_TERMS) {
        accumulated.add(new Accumulation(p, terms.subList(from, Math.min(terms.size(), from + MAX_TERMS)), true));
      }
    }
    List<Kernels.Draft> drafts = drafts(accumulated.size(),
        k -> kernelWriter.signature(accumulated.get(k).terms(), accumulated.get(k).continued()),
        k -> kernelWriter.accumulation(accumulated.get(k).param(), accumulated.get(k).terms(), accumulated.get(k).continued()),
        k -> Kernels.comment(accumulated.get(k).param(), accumulated.get(k).continued()),
        k -> List.of(Kernels.gradientOf(accumulated.get(k).param())));
    List<String> accumulations = methods(drafts, new MethodNames(
        k -> "accumulate" + capitalize(accumulated.get(k).param().javaName()),
        k -> "accumulate" + capitalize(Kernels.withoutNumber(accumulated.get(k).param().javaName())),
        k -> "accumulateGradient"));
    b.addAll(inParts(accumulations, "accumulate", "gradient accumulation"));
    return returnMeanLoss(b);
  }

  /**
   * The node {@code transpose(W) * d} whose kernel can also write the gradient of param W, when
   * that gradient is one batch outer product {@code d x^T} of the same {@code d} (a dense layer's
   * backward pass, vector only); else null.
   */
  Node fusedBackward(String param) {
    List<Term> terms = gradientTerms.get(param);
    if (!vector || terms == null || terms.size() != 1) {
      return null;
    }
    Node outer = terms.get(0).node();
    if (outer.op() != Op.OUTER || !isFusedOuter(outer) || !batched.contains(outer.input(0)) || !batched.contains(outer.input(1))
        || !vectorOuter(outer)) {
      return null;
    }
    for (Node t : consumers.getOrDefault(outer.input(0), List.of())) {
      if (vectorCols(t) && t.input(1) == outer.input(0) && t.input(0).input(0).op() == Op.PARAM
          && t.input(0).input(0).name().equals(param) && storage.containsKey(t)) {
        return t;
      }
    }
    return null;
  }

  private List<Code> inputGradientBody(List<ClassPlan.Tensor> inputs, Kernels.Access access) {
    List<Node> demand = new ArrayList<>();
    demand.add(dag.loss());
    demand.addAll(dag.inputGradients().values());
    Code.Builder b = new Code.Builder();
    b.addAll(callsFor(demand, "inputGradient"));
    int k = 0;
    for (Node n : dag.inputGradients().values()) {
      ClassPlan.Tensor in = inputs.get(k++);
      b.stmt("System.arraycopy(%s, 0, %s, 0, %d)", storage.get(n), gradientName(in), n.shape().size());
    }
    return returnMeanLoss(b);
  }

  /** The parameter of {@code inputGradient} that receives d loss / d {@code input}. */
  public static String gradientName(ClassPlan.Tensor input) {
    return input.gradientName();
  }

  static String capitalize(String s) {
    return s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(java.util.Locale.ROOT)
        + s.substring(s.offsetByCodePoints(0, 1));
  }
}
