package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import dev.netc.compiler.model.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The loops of every op, as code: one kernel method per buffered node, the elementwise ops
 * fused into the loop of the node that uses them, and the batch gradient accumulation of each
 * param. Loop bounds are the declared sizes, as constants.
 */
final class Kernels {
  /** Local names kernels use for themselves; tensors' locals avoid them. */
  static final Set<String> LOCALS = Set.of("batch", "ex", "i", "j", "r", "c", "o", "o0", "o1", "oo", "acc", "mx",
      "tot", "hot", "cnt", "s", "inv", "e", "lse", "best", "total", "g", "grad", "ws", "xo", "yo", "wo", "z",
      "w0", "w1", "w2", "w3", "x0", "x1", "x2", "x3", "a00", "a01", "a02", "a03", "a10", "a11", "a12", "a13",
      "a20", "a30", "s0", "s1", "s2", "s3", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11",
      "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "ob", "win", "hit", "v",
      "pk", "pa", "cr", "ao", "kk", "ex0", "ng", "u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7",
      "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7");

  private final Planner plan;
  private final boolean isFloat;
  private final String type;

  Kernels(Planner plan, boolean isFloat) {
    this.plan = plan;
    this.isFloat = isFloat;
    this.type = isFloat ? "float" : "double";
  }

  /**
   * The first of the characters that stand for an array local in a kernel's code while it is
   * planned: the {@code k}th array a kernel touches is written {@code (char) (SLOT + k)} (a
   * private-use character, never in Java text), so that kernels of different nodes with the same
   * code have equal bodies and can share one method; {@link Draft} puts the names in.
   */
  static final char SLOT = '\uE000';

  /** Element access for one kernel: loads each array it touches into a local once. */
  final class Access {
    private final Names names = new Names(LOCALS);
    private final Map<String, Integer> slots = new LinkedHashMap<>();
    private final List<String> sources = new ArrayList<>();
    private final List<String> locals = new ArrayList<>();
    private final List<String> fixedSources = new ArrayList<>();
    private final List<String> fixedLocals = new ArrayList<>();

    /** The local holding {@code n}'s array (as its slot character). */
    String array(Node n) {
      return buffer(plan.storageOf(n));
    }

    /** The local holding the workspace buffer {@code src} (as its slot character), as {@link #array} for a node's. */
    String buffer(String src) {
      Integer k = slots.get(src);
      if (k == null) {
        k = sources.size();
        slots.put(src, k);
        sources.add(src);
        locals.add(names.allocate(src.substring(src.indexOf('.') + 1)));
      }
      return String.valueOf((char) (SLOT + k));
    }

    /** Loads {@code src} into the local {@code name} (one of {@link #LOCALS}), after the other locals. */
    void fixed(String src, String name) {
      fixedSources.add(src);
      fixedLocals.add(name);
    }

    Draft draft(String comment, List<Code> body) {
      List<String> src = new ArrayList<>(sources);
      src.addAll(fixedSources);
      return new Draft(comment, src, locals, fixedLocals, body);
    }

    /**
     * Element {@code idx} of {@code n} in an elementwise loop over a value of {@code size}
     * elements per example ({@code o} is the example's offset, {@code ex} its index).
     */
    String element(Node n, String idx, int size) {
      if (n.op() == Op.CONST) {
        return literal(n.attr());
      }
      if (n.op() == Op.BROADCAST) {
        return element(n.input(0), "0", 1);
      }
      if (plan.isInlined(n)) {
        return fused(n, idx, size);
      }
      String a = array(n);
      if (!plan.isBatched(n)) {
        return a + "[" + idx + "]";
      }
      if (n.shape().size() == 1) {
        return a + "[ex]";
      }
      return a + "[o + " + idx + "]";
    }

    private String fused(Node n, String idx, int size) {
      return fused(n, x -> element(x, idx, size));
    }

    /**
     * Element {@code idx} of {@code n} for the example {@code ex} (an expression such as
     * {@code (ex + 1)}), where the value of {@code product} is the local {@code accumulator}: the
     * epilogue of a register tile.
     */
    String elementAt(Node n, String ex, String idx, Node product, String accumulator) {
      if (n == product) {
        return accumulator;
      }
      if (n.op() == Op.CONST) {
        return literal(n.attr());
      }
      if (n.op() == Op.BROADCAST) {
        return elementAt(n.input(0), ex, "0", product, accumulator);
      }
      if (plan.isInlined(n)) {
        return fused(n, x -> elementAt(x, ex, idx, product, accumulator));
      }
      String a = array(n);
      if (!plan.isBatched(n)) {
        return a + "[" + idx + "]";
      }
      return a + "[" + (n.shape().size() == 1 ? ex : ex + " * " + n.shape().size() + " + " + idx) + "]";
    }

    /** The expression of the buffered node {@code target} itself, its product as {@code accumulator}. */
    String epilogue(Node target, String ex, String idx, Node product, String accumulator) {
      return fused(target, y -> elementAt(y, ex, idx, product, accumulator));
    }

    private String fused(Node n, java.util.function.Function<Node, String> operand) {
      return expression(n, operand);
    }
  }

  /**
   * The expression of one element of the elementwise node {@code n}, its inputs' elements given
   * by {@code operand}: {@code (a + b)}, {@code Ops.sigmoid(a)}, ...
   */
  String expression(Node n, java.util.function.Function<Node, String> operand) {
    boolean call = n.op() != Op.ADD && n.op() != Op.SUB && n.op() != Op.MUL && n.op() != Op.DIV && n.op() != Op.NEG;
    String a = operand.apply(n.input(0));
    String b = n.inputs().size() > 1 ? operand.apply(n.input(1)) : null;
    if (call) {
      a = unwrap(a);
      b = b == null ? null : unwrap(b);
    }
    String c = literal(n.attr());
    return switch (n.op()) {
      case ADD -> "(" + a + " + " + b + ")";
      case SUB -> "(" + a + " - " + b + ")";
      case MUL -> "(" + a + " * " + b + ")";
      case DIV -> "(" + a + " / " + b + ")";
      case NEG -> "(-" + a + ")";
      case SUM -> "(" + a + ")"; // of one element (Planner.isElementwise)
      case POW -> "Ops.pow(" + a + ", " + c + ")";
      case LEAKY_RELU -> "Ops.leakyRelu(" + a + ", " + c + ")";
      case LEAKY_STEP -> "Ops.leakyStep(" + a + ", " + c + ")";
      case MAX2 -> "Ops.max2(" + a + ", " + b + ")";
      case MIN2 -> "Ops.min2(" + a + ", " + b + ")";
      case GE -> "Ops.ge(" + a + ", " + b + ")";
      case DIV_NO_NAN -> "Ops.divNoNan(" + a + ", " + b + ")";
      default -> {
        // the elementwise functions (sigmoid, exp, ...): their Java comes from ops.Scalar
        Scalar f = Scalar.of(n.op()).orElseThrow(() -> new IllegalStateException("not elementwise: " + n.op()));
        yield f.java(List.of(a));
      }
    };
  }

  Access access() {
    return new Access();
  }

  /**
   * A kernel's code before it has a method: its body with slot characters for the array locals
   * ({@link #SLOT}), then the locals of fixed names ({@code fixedLocals}, such as the gradient
   * {@code g}), and where each local's array lives ({@code sources}, slots first).
   */
  final class Draft {
    final String comment;
    final List<String> sources;
    private final List<String> locals;
    private final List<String> fixedLocals;
    private final List<Code> body;
    /**
     * What two kernels with the same code have equal: the body, how many slots, the fixed locals,
     * as one string (hashed once and compared fast; the records of the body hash again at every
     * lookup).
     */
    final String key;

    Draft(String comment, List<String> sources, List<String> locals, List<String> fixedLocals, List<Code> body) {
      this(comment, sources, locals, fixedLocals, body, flat(body, new StringBuilder().append(locals.size()).append(' ')
          .append(fixedLocals).append('\n')).toString());
    }

    private Draft(String comment, List<String> sources, List<String> locals, List<String> fixedLocals, List<Code> body,
        String key) {
      this.comment = comment;
      this.sources = List.copyOf(sources);
      this.locals = List.copyOf(locals);
      this.fixedLocals = List.copyOf(fixedLocals);
      this.body = List.copyOf(body);
      this.key = key;
    }

    /** The kernel of this one node: a method that loads its arrays into locals. */
    ClassPlan.Kernel single(String name) {
      List<String> loads = new ArrayList<>();
      for (int k = 0; k < sources.size(); k++) {
        String local = k < locals.size() ? locals.get(k) : fixedLocals.get(k - locals.size());
        loads.add(type + "[] " + local + " = " + sources.get(k));
      }
      return new ClassPlan.Kernel(name, comment, List.of(), loads, withNames(body, locals));
    }

    /**
     * The kernel of {@code count} nodes with this same code: a static method that takes their
     * arrays as arguments, named as this node's locals without their numbers ({@code W12} as
     * {@code W}) where that name is free.
     */
    ClassPlan.Kernel shared(String name, int count) {
      Names names = new Names(LOCALS);
      List<String> params = new ArrayList<>();
      for (String local : locals) {
        String plain = withoutNumber(local);
        params.add(names.allocate(names.isTaken(plain) ? local : plain));
      }
      List<Code> named = withNames(body, params);
      params.addAll(fixedLocals);
      return new ClassPlan.Kernel(name, "the kernel of " + count + " nodes with the same code; the first is " + comment,
          params, List.of(), named);
    }

    /**
     * The draft of another node whose kernel has the same signature: this code, with that node's
     * comment and arrays. {@code mine} and {@code theirs} are the signatures of this draft's node
     * and of the other, whose arrays correspond one to one; the other's fixed locals load
     * {@code theirFixedSources}.
     */
    Draft like(String comment, Signature mine, Signature theirs, List<String> theirFixedSources) {
      List<String> src = new ArrayList<>(sources.size());
      for (int k = 0; k < locals.size(); k++) {
        src.add(theirs.sources().get(mine.sources().indexOf(sources.get(k))));
      }
      src.addAll(theirFixedSources);
      return new Draft(comment, src, locals, fixedLocals, body, key);
    }

    /** The call of this node's kernel, shared or not, from an instance method. */
    String call(String name, boolean shared) {
      return shared ? name + "(batch, " + String.join(", ", sources) + ")" : name + "(batch)";
    }
  }

  /**
   * Everything the code of a kernel depends on, as text ({@code key}), and the arrays it touches
   * ({@code sources}, in the order {@code key} numbers them): kernels with equal keys have the same
   * code, up to their arrays. Planning a deep network builds the code of one layer and reuses it
   * for the layers with its key, instead of building it a thousand times.
   */
  record Signature(String key, List<String> sources) {
    static final class Builder {
      final StringBuilder text;
      private final Map<String, Integer> slots = new java.util.HashMap<>();
      private final List<String> sources = new ArrayList<>();

      Builder(String kind) {
        text = new StringBuilder(kind);
      }

      int slot(String src) {
        Integer k = slots.get(src);
        if (k == null) {
          k = sources.size();
          slots.put(src, k);
          sources.add(src);
        }
        return k;
      }

      Signature build() {
        return new Signature(text.toString(), sources);
      }
    }
  }

  /** The signature of {@link #kernel}{@code (n)}. */
  Signature signature(Node n) {
    Signature.Builder b = new Signature.Builder(plan.vectorActivation(n) != null ? "va"
        : plan.epilogueProduct(n) == null && plan.reluBackward(n) != null ? "rb" : "k");
    if (IndexKernels.contraction(n) != null) {
      // reads the workspace's packing buffers, so never a static method shared with other nodes
      b.text.append("contraction ").append(n.id()).append(' ');
    }
    String wt = plan.transposedOnce(n);
    if (wt != null) {
      // reads a transpose in the workspace, so never a static method shared with other nodes
      b.text.append("transposed ").append(wt).append(' ');
    }
    Node product = plan.epilogueProduct(n);
    if (product != null) {
      b.text.append("e{");
      describe(product, true, product, b);
      b.text.append('}');
    }
    describe(n, true, product, b);
    return b.build();
  }

  /** The signature of {@link #accumulation}{@code (param, terms)}, apart from the param's own gradient array. */
  Signature signature(List<Planner.Term> terms, boolean continued) {
    Signature.Builder b = new Signature.Builder(continued ? "a+" : "a");
    for (Planner.Term t : terms) {
      b.text.append(t.sign() > 0 ? '+' : '-');
      describe(t.node(), true, null, b);
      Planner.IndexOuter io = plan.isFusedOuter(t.node()) ? plan.indexOuter(t.node()) : null;
      if (io != null && io.packA() != null) {
        b.text.append("packA#").append(b.slot(plan.outerPack(t.node(), 0)));
      }
      if (io != null && io.packB() != null) {
        b.text.append("packB#").append(b.slot(plan.outerPack(t.node(), 1)));
      }
      if (io != null && io.window() != null) {
        b.text.append(io.window()).append("windows#");
        for (int which = 0; which < 3; which++) {
          b.text.append(b.slot(plan.windowPack(t.node(), which))).append(',');
        }
      }
    }
    return b.build();
  }

  /**
   * Appends what the kernels read of {@code m}: its op, shape, constant and every planner fact
   * they ask about it, its array; then, when {@code expand}, the same for its inputs, going on
   * through the nodes whose code the kernel writes inline (fused, broadcast, constant, view),
   * exactly as far as {@link Access} and the kernel writers read. {@code product} is the
   * matrix-vector product of the kernel's epilogue, if any (its value is the tile's accumulator).
   */
  private void describe(Node m, boolean expand, Node product, Signature.Builder b) {
    Shape shape = m.shape();
    b.text.append(m.op().ordinal()).append(shape).append(Double.doubleToLongBits(m.attr()))
        .append(plan.isBatched(m) ? 'b' : '-').append(plan.isInlined(m) ? 'i' : '-').append(plan.isView(m) ? 'v' : '-')
        .append(plan.isFusedOuter(m) ? 'o' : '-').append(m == product ? 'P' : '-')
        .append(plan.vectorRows(m) ? 'R' : '-').append(plan.vectorCols(m) ? 'C' : '-')
        .append(m.op() == Op.OUTER && plan.vectorOuter(m) ? 'O' : '-');
    if (m.ix() != null) {
      b.text.append('{').append(m.ix()).append('}');
    }
    if (m.op() == Op.DROPOUT_MASK && expand) {
      // its kernel reads the instance's workspace, so it is never a shared (static) method
      b.text.append('@').append(m.id());
    }
    String src = plan.storageOf(m);
    if (src != null) {
      b.text.append('#').append(b.slot(src));
    }
    if (expand) {
      b.text.append('(');
      for (Node in : m.inputs()) {
        describe(in, in != product && (plan.isInlined(in) || plan.isView(in) || in.op() == Op.BROADCAST
            || in.op() == Op.CONST), product, b);
        b.text.append(',');
      }
      b.text.append(')');
    }
  }

  /** {@code code} as text, one line per statement, comment, block header and block end. */
  private static StringBuilder flat(List<Code> code, StringBuilder b) {
    for (Code c : code) {
      if (c instanceof Code.Stmt st) {
        b.append('S').append(st.text()).append('\n');
      } else if (c instanceof Code.Comment cm) {
        b.append('C').append(cm.text()).append('\n');
      } else if (c instanceof Code.Block blk) {
        b.append('B').append(blk.header()).append('\n');
        flat(blk.body(), b).append("E\n");
      }
    }
    return b;
  }

  /** {@code W12} as {@code W}, {@code t7953} as {@code t}: a name without its trailing digits and underscores. */
  static String withoutNumber(String name) {
    int end = name.length();
    while (end > 0 && (Character.isDigit(name.charAt(end - 1)) || name.charAt(end - 1) == '_')) {
      end--;
    }
    return end == 0 ? "a" : name.substring(0, end);
  }

  /** {@code code} with each slot character replaced by its local's name. */
  static List<Code> withNames(List<Code> code, List<String> names) {
    List<Code> out = new ArrayList<>(code.size());
    for (Code c : code) {
      if (c instanceof Code.Stmt st) {
        out.add(new Code.Stmt(withNames(st.text(), names)));
      } else if (c instanceof Code.Block b) {
        out.add(new Code.Block(withNames(b.header(), names), withNames(b.body(), names)));
      } else {
        out.add(c);
      }
    }
    return out;
  }

  private static String withNames(String text, List<String> names) {
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      int k = ch - SLOT;
      if (k >= 0 && k < names.size()) {
        if (b == null) {
          b = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        b.append(names.get(k));
      } else if (b != null) {
        b.append(ch);
      }
    }
    return b == null ? text : b.toString();
  }

  String literal(double v) {
    if (Double.isNaN(v)) {
      return isFloat ? "Float.NaN" : "Double.NaN";
    }
    if (Double.isInfinite(v) || (isFloat && Float.isInfinite((float) v))) {
      return (isFloat ? "Float." : "Double.") + (v > 0 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
    }
    String text = isFloat ? Float.toString((float) v) + "f" : Double.toString(v);
    return v < 0 || (v == 0 && 1 / v < 0) ? "(" + text + ")" : text;
  }

  /** A widening cast to double where the element type is float (so float kernels compute in double). */
  /** The element type of the build, {@code float} or {@code double}. */
  String type() {
    return type;
  }

  boolean isFloat() {
    return isFloat;
  }

  String wide() {
    return isFloat ? "(double) " : "";
  }

  String store(String expr) {
    return isFloat ? "(float) (" + expr + ")" : expr;
  }

  // ---------------------------------------------------------------- one kernel per node

  Draft kernel(Node n) {
    Access x = new Access();
    Node product = plan.epilogueProduct(n);
    Planner.VectorActivation activation = product == null ? plan.vectorActivation(n) : null;
    Planner.ReluBackward relu = product == null && activation == null ? plan.reluBackward(n) : null;
    Code.Builder body = product != null ? tiledMatvec(product, x, n)
        : activation != null ? vectorActivation(n, activation, x)
        : relu != null ? reluBackward(n, relu, x)
        : Planner.isElementwise(n) ? elementwise(n, x) : special(n, x);
    return x.draft(comment(n), body.build());
  }

  /** The kernel of a max/min node {@code n} that stores its {@code winners} in the same pass. */
  Draft kernel(Node n, List<Node> winners) {
    Access x = new Access();
    return x.draft(comment(n, winners), IndexKernels.kernel(this, plan, x, n, winners).build());
  }

  /** The signature of {@link #kernel(Node, List)}. */
  Signature signature(Node n, List<Node> winners) {
    Signature.Builder b = new Signature.Builder("w");
    describe(n, true, null, b);
    for (Node w : winners) {
      describe(w, false, null, b);
    }
    return b.build();
  }

  /** The comment of {@link #kernel(Node, List)}. */
  String comment(Node n, List<Node> winners) {
    return comment(n) + ", and its winners";
  }

  /** The comment of {@code n}'s kernel: its source line, op and shape. */
  String comment(Node n) {
    return plan.describe(n) + "  [" + n.op().name().toLowerCase(Locale.ROOT) + " " + n.shape() + "]";
  }

  /** {@code act(t + bias)} or {@code act((t + t2) + bias)} for the batch, a vector at a time. */
  private Code.Builder vectorActivation(Node n, Planner.VectorActivation a, Access x) {
    String act = a.act() == null ? "IDENTITY" : a.act().name();
    String t = x.array(a.t());                  // in this order: the kernel's locals are declared so
    String t2 = a.t2() == null ? null : x.array(a.t2());
    String bias = a.bias() == null ? "null" : x.array(a.bias());
    String out = x.array(n);
    return t2 == null
        ? kernelCall(new Code.Builder(), null, "@K.activate(@K.%s, %s, %s, %s, %d, batch)", act, t, bias, out, n.shape().size())
        : kernelCall(new Code.Builder(), null, "@K.activate(@K.%s, %s, %s, %s, %s, %d, batch)", act, t, t2, bias, out,
            n.shape().size());
  }

  /** {@code g * step(t)} for the batch, a vector at a time; plain Java runs the elementwise loop. */
  private Code.Builder reluBackward(Node n, Planner.ReluBackward r, Access x) {
    String g = x.array(r.g());                  // in this order: the kernel's locals are declared so
    String t = x.array(r.t());
    String out = x.array(n);
    Code.Builder loop = elementwise(n, x);
    return kernelCall(new Code.Builder(), loop, "@K.reluBackward(%s, %s, %s, %d, batch)", g, t, out, n.shape().size());
  }

  //   for (int ex = 0; ex < batch; ex++) {
  //     int o = ex * 4;
  //     for (int i = 0; i < 4; i++) {
  //       h[o + i] = Ops.sigmoid((W1x[o + i] + b1[i]));
  //     }
  //   }
  private Code.Builder elementwise(Node n, Access x) {
    int size = n.shape().size();
    String out = x.array(n);
    String expr = size == 1 ? topLevel(n, x, "0", 1) : null;
    Code.Builder inner;
    if (size == 1) {
      inner = new Code.Builder().stmt("%s[%s] = %s", out, plan.isBatched(n) ? "ex" : "0", expr);
    } else {
      String lhs = out + (plan.isBatched(n) ? "[o + i]" : "[i]");
      inner = new Code.Builder().block("for (int i = 0; i < " + size + "; i++)",
          new Code.Builder().stmt("%s = %s", lhs, topLevel(n, x, "i", size)));
    }
    return perExample(n, size, inner);
  }

  private String topLevel(Node n, Access x, String idx, int size) {
    if (n.op() == Op.CONST) {
      return literal(n.attr());
    }
    if (n.op() == Op.BROADCAST) {
      return x.element(n.input(0), "0", 1);
    }
    String e = x.fused(n, idx, size);
    return e.startsWith("(") && e.endsWith(")") && balanced(e.substring(1, e.length() - 1)) ? e.substring(1, e.length() - 1) : e;
  }

  /** {@code e} without one pair of enclosing parentheses, when they enclose all of it. */
  static String unwrap(String e) {
    return e.startsWith("(") && e.endsWith(")") && balanced(e.substring(1, e.length() - 1)) ? e.substring(1, e.length() - 1) : e;
  }

  private static boolean balanced(String s) {
    int depth = 0;
    for (char ch : s.toCharArray()) {
      depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
      if (depth < 0) {
        return false;
      }
    }
    return depth == 0;
  }

  /**
   * A dropout mask for the whole call: in training mode ({@code ws.training}) 0 with probability p
   * and {@code 1 / (1 - p)} otherwise, drawn from the workspace's generator element after element,
   * example after example; in evaluation mode all ones.
   */
  private Code.Builder dropoutMask(Node n, Access x) {
    String m = x.array(n);
    String len = plan.isBatched(n) ? "batch * " + n.shape().size() : Integer.toString(n.shape().size());
    double p = n.attr();
    return new Code.Builder()
        .block("if (ws.training)", new Code.Builder().block(loopTo("i", len), new Code.Builder()
            .stmt("%s[i] = ws.dropout.nextDouble() < %s ? %s : %s", m, Double.toString(p), literal(0), literal(1 / (1 - p)))))
        .block("if (!ws.training)", new Code.Builder().stmt("java.util.Arrays.fill(%s, 0, %s, %s)", m, len, literal(1)));
  }

  private static String loopTo(String v, String n) {
    return "for (int " + v + " = 0; " + v + " < " + n + "; " + v + "++)";
  }

  /** Wraps {@code inner} in the loop over examples when {@code n} depends on the example. */
  private Code.Builder perExample(Node n, int size, Code.Builder inner) {
    if (!plan.isBatched(n)) {
      return inner;
    }
    Code.Builder loop = new Code.Builder();
    if (size > 1) {
      loop.stmt("int o = ex * %d", size);
    }
    loop.addAll(inner.build());
    return new Code.Builder().block("for (int ex = 0; ex < batch; ex++)", loop);
  }

  /** An operand of a non-elementwise kernel: its array and offset for the current example. */
  private record Operand(String array, String offset, Node node, boolean transposed) {
    String at(String idx) {
      if (offset.equals("0")) {
        return array + "[" + idx + "]";
      }
      return array + "[" + (idx.equals("0") ? offset : offset + " + " + idx) + "]";
    }

    /** Element (r, c) of this matrix operand, reading a transposed view in place. */
    String at(String r, String c) {
      Shape s = node.shape();
      return transposed ? at(c + " * " + s.rows() + " + " + r) : at(r + " * " + s.cols() + " + " + c);
    }
  }

  private Operand operand(Access x, Node n, String offsetName, Code.Builder decls) {
    boolean view = plan.isView(n);
    Node src = view ? n.input(0) : n;
    String offset = "0";
    if (plan.isBatched(src) && src.shape().size() == 1) {
      offset = "ex";
    } else if (plan.isBatched(src)) {
      offset = offsetName;
      decls.stmt("int %s = ex * %d", offsetName, src.shape().size());
    }
    return new Operand(x.array(src), offset, n, view);
  }

  private Code.Builder special(Node n, Access x) {
    if (n.ix() != null) {
      return IndexKernels.kernel(this, plan, x, n);
    }
    if (n.op() == Op.DROPOUT_MASK) {
      return dropoutMask(n, x);
    }
    String wt = plan.transposedOnce(n);
    if (wt != null) {
      // z = W * x in a loop's step, W transposed before the steps: no sums across lanes
      return kernelCall(new Code.Builder(), tiledMatvec(n, x, n), "@K.matmulCols(%s, %s, %s, %d, %d, batch)", wt,
          x.array(n.input(1)), x.array(n), n.shape().rows(), n.input(0).shape().cols());
    }
    if (plan.vectorRows(n)) {
      // z = W * x for the whole batch, in the Vector API's register tiles
      String args = Code.Builder.format("%s, %s, %s, %d, %d, batch", x.array(n.input(0)), x.array(n.input(1)), x.array(n),
          n.shape().rows(), n.input(0).shape().cols());
      return kernelCall(new Code.Builder(), scalarProduct(n.shape().rows() * n.input(0).shape().cols(),
          SCALAR_ROWS_MIN_BATCH, "matmulRows", args, tiledMatvec(n, x, n)), "@K.matmulRows(" + args + ")");
    }
    if (plan.vectorCols(n)) {
      String args = Code.Builder.format("%s, %s, %s, %d, %d, batch", x.array(n.input(0).input(0)), x.array(n.input(1)),
          x.array(n), n.shape().rows(), n.input(0).shape().cols());
      return kernelCall(new Code.Builder(), scalarProduct(n.shape().rows() * n.input(0).shape().cols(),
          SCALAR_COLS_MIN_BATCH, "matmulCols", args, tiledTransposedMatvec(n, x)), "@K.matmulCols(" + args + ")");
    }
    if (n.op() == Op.MATMUL && n.shape().isVector() && !plan.isView(n.input(0)) && !plan.isBatched(n.input(0))
        && plan.isBatched(n.input(1))) {
      return tiledMatvec(n, x, n);
    }
    if (n.op() == Op.MATMUL && n.shape().isVector() && plan.isView(n.input(0)) && !plan.isBatched(n.input(0).input(0))
        && plan.isBatched(n.input(1))) {
      return tiledTransposedMatvec(n, x);
    }
    Code.Builder decls = new Code.Builder();
    Operand a = operand(x, n.input(0), "o0", decls);
    Operand b = n.inputs().size() > 1 ? operand(x, n.input(1), "o1", decls) : null;
    String outArr = x.array(n);
    String oo = "0";
    if (plan.isBatched(n) && n.shape().size() == 1) {
      oo = "ex";
    } else if (plan.isBatched(n)) {
      oo = "oo";
      decls.stmt("int oo = ex * %d", n.shape().size());
    }
    Operand out = new Operand(outArr, oo, n, false);
    Code.Builder body = new Code.Builder().addAll(decls.build());
    int len = n.input(0).shape().size();
    switch (n.op()) {
      case SUM -> body.stmt("double acc = 0")
          .block(loop("i", len), new Code.Builder().stmt("acc += %s", a.at("i")))
          .stmt("%s = %s", out.at("0"), store("acc"));
      case NORM -> body.stmt("double acc = 0")
          .block(loop("i", len), new Code.Builder().stmt("acc += %s%s * %s", wide(), a.at("i"), a.at("i")))
          .stmt("%s = %s", out.at("0"), store("Math.sqrt(acc)"));
      case MAX_ALL, MIN_ALL -> body.stmt("%s mx = %s", type, a.at("0"))
          .block(loop1("i", len), new Code.Builder().block("if (" + a.at("i") + (n.op() == Op.MAX_ALL ? " > " : " < ") + "mx)",
              new Code.Builder().stmt("mx = %s", a.at("i"))))
          .stmt("%s = mx", out.at("0"));
      case ARGMAX_MASK, ARGMIN_MASK -> body.stmt("int best = 0")
          .block(loop1("i", len), new Code.Builder().block("if (" + a.at("i") + (n.op() == Op.ARGMAX_MASK ? " > " : " < ")
              + a.at("best") + ")", new Code.Builder().stmt("best = i")))
          .block(loop("i", len), new Code.Builder().stmt("%s = 0", out.at("i")))
          .stmt("%s = 1", out.at("best"));
      case RESHAPE -> body.block(loop("i", len), new Code.Builder().stmt("%s = %s", out.at("i"), a.at("i")));
      case TRANSPOSE -> {
        Shape s = n.shape();
        body.block(loop("r", s.rows()), new Code.Builder().block(loop("c", s.cols()),
            new Code.Builder().stmt("%s = %s", out.at("r * " + s.cols() + " + c"), a.at("c * " + s.rows() + " + r"))));
      }
      case MATMUL -> matmul(n, a, b, out, body);
      case OUTER -> {
        Shape s = n.shape();
        body.block(loop("r", s.rows()), new Code.Builder().stmt("%s s = %s", type, a.at("r")).block(loop("j", s.cols()),
            new Code.Builder().stmt("%s = s * %s", out.at("r * " + s.cols() + " + j"), b.at("j"))));
      }
      case SOFTMAX -> maxOf(a, len, body)
          .stmt("double tot = 0")
          .block(loop("i", len), new Code.Builder().stmt("double e = Math.exp(%s - mx)", a.at("i"))
              .stmt("%s = %s", out.at("i"), store("e")).stmt("tot += %s", out.at("i")))
          .block(loop("i", len), new Code.Builder().stmt("%s = %s", out.at("i"), store(out.at("i") + " / tot")));
      case LOG_SOFTMAX -> logSumExp(a, len, body)
          .block(loop("i", len), new Code.Builder().stmt("%s = %s", out.at("i"), store(a.at("i") + " - lse")));
      case LOGSUMEXP -> logSumExp(a, len, body).stmt("%s = %s", out.at("0"), store("lse"));
      case SOFTMAX_CROSS_ENTROPY -> logSumExp(a, len, body)
          .stmt("double acc = 0")
          .block(loop("i", len), new Code.Builder().stmt("acc -= %s * (%s - lse)", b.at("i"), a.at("i")))
          .stmt("%s = %s", out.at("0"), store("acc"));
      case SIGMOID_BINARY_CROSS_ENTROPY -> body.stmt("double acc = 0")
          .block(loop("i", len), new Code.Builder().stmt("double z = %s", a.at("i"))
              .stmt("acc += Math.max(z, 0) - z * %s + Math.log1p(Math.exp(-Math.abs(z)))", b.at("i")))
          .stmt("%s = %s", out.at("0"), store("acc"));
      case HINGE -> hot(b, len, body)
          .stmt("double acc = 0")
          .block(loop("j", len), new Code.Builder().block("if (j != hot)",
              new Code.Builder().stmt("acc += Math.max(0, %s%s - %s + 1)", wide(), a.at("j"), a.at("hot"))))
          .stmt("%s = %s", out.at("0"), store("acc"));
      case HINGE_GRAD -> hot(b, len, body)
          .stmt("int cnt = 0")
          .block(loop("j", len), new Code.Builder().block("if (j != hot && " + wide() + a.at("j") + " - " + a.at("hot") + " + 1 > 0)",
              new Code.Builder().stmt("%s = 1", out.at("j")).stmt("cnt++"))
              .block("else", new Code.Builder().stmt("%s = 0", out.at("j"))))
          .stmt("%s = -cnt", out.at("hot"));
      default -> throw new IllegalStateException("no kernel for " + n.op());
    }
    return perExample(n, 1, body);
  }

  //   for (int r = 0; r < m; r++) { double acc = 0; for (int c = 0; c < k; c++) acc += A(r, c) * x(c); y(r) = acc; }
  // or, for a matrix result, row r of C accumulated as sum over c of A(r, c) * row c of B
  private void matmul(Node n, Operand a, Operand b, Operand out, Code.Builder body) {
    Shape as = n.input(0).shape();
    int m = as.rows();
    int k = as.cols();
    if (n.shape().isVector() && a.transposed()) {
      // transpose(X) * v as the sum over c of v[c] times row c of X: unit stride, vectorizable
      body.block(loop("r", m), new Code.Builder().stmt("%s = 0", out.at("r")))
          .block(loop("c", k), new Code.Builder().stmt("%s s = %s", type, b.at("c"))
              .block(loop("r", m), new Code.Builder().stmt("%s += s * %s", out.at("r"), a.at("r", "c"))));
      return;
    }
    if (n.shape().isVector()) {
      body.block(loop("r", m), new Code.Builder().stmt("double acc = 0")
          .block(loop("c", k), new Code.Builder().stmt("acc += %s * %s", a.at("r", "c"), b.at("c")))
          .stmt("%s = %s", out.at("r"), store("acc")));
      return;
    }
    int cols = n.shape().cols();
    if (b.transposed()) {
      // A * transpose(X): each entry is a dot product of two rows, both read with unit stride
      body.block(loop("r", m), new Code.Builder().block(loop("j", cols), new Code.Builder().stmt("double acc = 0")
          .block(loop("c", k), new Code.Builder().stmt("acc += %s * %s", a.at("r", "c"), b.at("c", "j")))
          .stmt("%s = %s", out.at("r * " + cols + " + j"), store("acc"))));
      return;
    }
    body.block(loop("r", m), new Code.Builder()
        .block(loop("j", cols), new Code.Builder().stmt("%s = 0", out.at("r * " + cols + " + j")))
        .block(loop("c", k), new Code.Builder().stmt("%s s = %s", type, a.at("r", "c"))
            .block(loop("j", cols), new Code.Builder().stmt("%s += s * %s", out.at("r * " + cols + " + j"), b.at("c", "j")))));
  }

  /** Examples per register tile of a batched matrix-vector product, and rows per tile with them. */
  static final int TILE_EXAMPLES = 4;

  /**
   * The fewest numbers per example for which a bias's gradient calls the runtime's
   * {@code sumRows}: shorter rows stay a loop.
   */
  static final int MIN_SUM_ROWS = 16;
  static final int TILE_ROWS = 2;
  /** Rows per tile when examples go one at a time (batch 1, and the batch's remainder). */
  static final int TILE_ROWS_ALONE = 4;

  //   int ex = 0;
  //   for (; ex + 4 <= batch; ex += 4) {            // 2 rows x 4 examples: 8 independent sums,
  //     for (int r = 0; r + 2 <= m; r += 2) { ... }  // each W value and x value loaded once a tile
  //   }
  //   for (; ex < batch; ex++) { 4 rows x 1 example, then the remaining rows one by one }
  // Every output is still the sum over c in increasing order, as the reference evaluator adds.
  private Code.Builder tiledMatvec(Node n, Access x, Node target) {
    int m = n.shape().rows();
    int k = n.input(0).shape().cols();
    String w = x.array(n.input(0));
    String v = x.array(n.input(1));
    Epilogue y = new Epilogue(x, n, target);
    Code.Builder body = new Code.Builder().stmt("int ex = 0");
    if (m >= TILE_ROWS) {
      body.block("for (; ex + " + TILE_EXAMPLES + " <= batch; ex += " + TILE_EXAMPLES + ")", new Code.Builder()
          .stmt("int xo = ex * %d", k)
          .addAll(rowTiles(m, k, TILE_ROWS, TILE_EXAMPLES, w, v, y).build()));
    }
    return body.block("for (; ex < batch; ex++)", new Code.Builder()
        .stmt("int xo = ex * %d", k)
        .addAll(rowTiles(m, k, TILE_ROWS_ALONE, 1, w, v, y).build()));
  }

  //   for (ex in steps of 4, then 1) {
  //     zero y(ex..ex+3)
  //     for (int c = 0; c < k; c++) {                 // row c of W, read once for 4 examples
  //       double s0 = d[ex][c], ..., s3 = d[ex + 3][c];
  //       for (int r = 0; r < m; r++) { double w = W[c * m + r]; y0[r] += s0 * w; ... y3[r] += s3 * w; }
  //     }
  //   }
  private Code.Builder tiledTransposedMatvec(Node n, Access x) {
    int m = n.shape().rows();
    int k = n.input(0).shape().cols();
    String w = x.array(n.input(0).input(0));
    String d = x.array(n.input(1));
    String y = x.array(n);
    Code.Builder body = new Code.Builder().stmt("int ex = 0");
    body.block("for (; ex + " + TILE_EXAMPLES + " <= batch; ex += " + TILE_EXAMPLES + ")",
        transposedTile(m, k, TILE_EXAMPLES, w, d, y));
    return body.block("for (; ex < batch; ex++)", transposedTile(m, k, 1, w, d, y));
  }

  private Code.Builder transposedTile(int m, int k, int examples, String w, String d, String y) {
    Code.Builder b = new Code.Builder().stmt("int xo = ex * %d", k).stmt("int yo = ex * %d", m);
    b.block(loop("r", m * examples), new Code.Builder().stmt("%s[yo + r] = 0", y));
    // one example: four rows of W per pass over y, so y is loaded and stored once per 4 products
    int rowsPerPass = examples == 1 ? TILE_ROWS_ALONE : 1;
    int tiled = rowsPerPass > 1 ? k / rowsPerPass * rowsPerPass : 0;
    if (tiled > 0) {
      Code.Builder perRows = new Code.Builder().stmt("int wo = c * %d", m);
      StringBuilder sum = new StringBuilder();
      for (int i = 0; i < rowsPerPass; i++) {
        perRows.stmt("%s x%d = %s[xo + c%s]", type, i, d, i == 0 ? "" : " + " + i);
        sum.append(i == 0 ? "" : " + ").append("x").append(i).append(" * ").append(w).append("[wo + ")
            .append(i == 0 ? "" : (i * m) + " + ").append("r]");
      }
      perRows.block(loop("r", m), new Code.Builder().stmt("%s[yo + r] += %s", y, sum));
      b.block("for (int c = 0; c < " + tiled + "; c += " + rowsPerPass + ")", perRows);
    }
    if (tiled < k) {
      Code.Builder perRow = new Code.Builder().stmt("int wo = c * %d", m);
      for (int e = 0; e < examples; e++) {
        perRow.stmt("%s x%d = %s[xo + %sc]", type, e, d, e == 0 ? "" : (e * k) + " + ");
      }
      Code.Builder inner = new Code.Builder().stmt("%s w0 = %s[wo + r]", type, w);
      for (int e = 0; e < examples; e++) {
        inner.stmt("%s[yo + %sr] += x%d * w0", y, e == 0 ? "" : (e * m) + " + ", e);
      }
      b.block("for (int c = " + tiled + "; c < " + k + "; c++)", perRow.block(loop("r", m), inner));
    }
    return b;
  }

  /** Rows in tiles of {@code rows} (then one by one), each tile over {@code examples} examples. */
  /**
   * What a tile stores: the product itself, or (when the product's only use is an elementwise
   * expression such as {@code tanh(W * x + b)}) that expression of the accumulator, written
   * straight into the expression's buffer.
   */
  private record Epilogue(Access x, Node product, Node target) {
    String store(String accumulator, String ex, String row) {
      String out = x.array(target);
      int size = target.shape().size();
      String at = out + "[" + ex + " * " + size + " + " + row + "]";
      if (target == product) {
        return at + " = " + accumulator;
      }
      return at + " = " + unwrap(x.epilogue(target, ex, row, product, accumulator));
    }
  }

  private Code.Builder rowTiles(int m, int k, int rows, int examples, String w, String v, Epilogue y) {
    Code.Builder b = new Code.Builder();
    int tiled = rows > 1 ? m / rows * rows : 0;
    if (tiled > 0) {
      b.block("for (int r = 0; r < " + tiled + "; r += " + rows + ")", tile(k, m, rows, examples, w, v, y));
    }
    if (tiled < m) {
      b.block("for (int r = " + tiled + "; r < " + m + "; r++)", tile(k, m, 1, examples, w, v, y));
    }
    return b;
  }

  private Code.Builder tile(int k, int m, int rows, int examples, String w, String v, Epilogue y) {
    String acc = isFloat ? "float" : "double";
    Code.Builder b = new Code.Builder().stmt("int wo = r * %d", k);
    Code.Builder inner = new Code.Builder();
    for (int i = 0; i < rows; i++) {
      inner.stmt("%s w%d = %s[wo + %sc]", type, i, w, i == 0 ? "" : (i * k) + " + ");
    }
    for (int e = 0; e < examples; e++) {
      inner.stmt("%s x%d = %s[xo + %sc]", type, e, v, e == 0 ? "" : (e * k) + " + ");
      for (int i = 0; i < rows; i++) {
        inner.stmt("a%d%d += w%d * x%d", i, e, i, e);
      }
    }
    StringBuilder decl = new StringBuilder(acc + " ");
    for (int i = 0; i < rows; i++) {
      for (int e = 0; e < examples; e++) {
        decl.append(i + e == 0 ? "" : ", ").append("a").append(i).append(e).append(" = 0");
      }
    }
    b.stmt(decl.toString()).block(loop("c", k), inner);
    for (int e = 0; e < examples; e++) {
      for (int i = 0; i < rows; i++) {
        b.stmt("%s", y.store("a" + i + e, e == 0 ? "ex" : "(ex + " + e + ")", "r" + (i == 0 ? "" : " + " + i)));
      }
    }
    return b;
  }

  private Code.Builder maxOf(Operand a, int len, Code.Builder body) {
    return body.stmt("double mx = %s", a.at("0"))
        .block(loop1("i", len), new Code.Builder().block("if (" + a.at("i") + " > mx)", new Code.Builder().stmt("mx = %s", a.at("i"))));
  }

  private Code.Builder logSumExp(Operand a, int len, Code.Builder body) {
    return maxOf(a, len, body).stmt("double tot = 0")
        .block(loop("i", len), new Code.Builder().stmt("tot += Math.exp(%s - mx)", a.at("i")))
        .stmt("double lse = mx + Math.log(tot)");
  }

  private Code.Builder hot(Operand y, int len, Code.Builder body) {
    return body.stmt("int hot = 0")
        .block(loop1("i", len), new Code.Builder().block("if (" + y.at("i") + " > " + y.at("hot") + ")", new Code.Builder().stmt("hot = i")));
  }

  /** The runtime class of the Vector API kernels, qualified (the only generated code that names it). */
  private String vectorKernels() {
    return "dev.netc.runtime.VectorKernels" + (isFloat ? "F" : "D");
  }

  /**
   * The smallest matrix (rows times columns) whose product's scalar side calls the runtime's
   * {@code ScalarKernels} (for a batch of at least {@link #SCALAR_ROWS_MIN_BATCH} or
   * {@link #SCALAR_COLS_MIN_BATCH}) instead of the generated register tiles. Measured at two
   * shapes only: the MLP's 128 x 784 in float at batch 64, where the runtime's superword loops
   * took 510-610 µs for {@code W * x} (the transpose of W included) against 1,380-2,160 µs in the
   * tiles, and the chain's 24 x 24, where the tiles won (docs/tools.md).
   */
  static int scalarKernelsMinElements = 16384;
  /** {@code matmulRows} transposes W first: worth it from this batch on. */
  static final int SCALAR_ROWS_MIN_BATCH = 16;
  /** {@code matmulCols} copies the rows of W first: worth it from this batch on. */
  static final int SCALAR_COLS_MIN_BATCH = 4;

  /**
   * The scalar side of a product: for a matrix of at least {@link #scalarKernelsMinElements}, the
   * runtime's {@code method} from {@code minBatch} examples on and {@code tiles} below; else the tiles.
   */
  private Code.Builder scalarProduct(int elements, int minBatch, String method, String args, Code.Builder tiles) {
    if (elements < scalarKernelsMinElements) {
      return tiles;
    }
    return new Code.Builder().block("if (batch >= " + minBatch + ")",
            new Code.Builder().stmt(scalarKernels() + "." + method + "(" + args + ")"))
        .block("else", tiles);
  }

  /** The runtime class of the plain Java kernels, qualified. */
  private String scalarKernels() {
    return "dev.netc.runtime.ScalarKernels" + (isFloat ? "F" : "D");
  }

  /**
   * Adds to {@code b} the call {@code format} (with {@code args}), each {@code @K} standing for the
   * kernels' class: with both kernels (the default), {@code if (Vectorized.ENABLED)} the Vector API
   * one, else the scalar code: {@code tiles} (the generated register tiles of the same product) when
   * not null, else the runtime's plain Java kernel. {@code Vectorized.ENABLED} is a static final,
   * so the JIT keeps only the branch taken, and the vector class is never loaded in a JVM without
   * its module.
   */
  private Code.Builder kernelCall(Code.Builder b, Code.Builder tiles, String format, Object... args) {
    String call = Code.Builder.format(format, args);
    Code.Builder scalar = tiles != null ? tiles : new Code.Builder().stmt(call.replace("@K", scalarKernels()));
    return switch (plan.kernelChoice()) {
      case VECTOR -> b.stmt(call.replace("@K", vectorKernels()));
      case SCALAR -> tiles != null ? b.block("", tiles) : b.stmt(call.replace("@K", scalarKernels()));
      case AUTO -> b.block("if (dev.netc.runtime.Vectorized.ENABLED)",
              new Code.Builder().stmt(call.replace("@K", vectorKernels())))
          .block("else", scalar);
    };
  }

  /**
   * {@code vector} (code calling the Vector API kernels, {@code @K} standing for their class) in a
   * JVM that has them, else {@code scalar}, chosen as {@link #kernelCall} chooses: for a call that
   * needs code of its own around it (a contraction's packed product and the copy of its result).
   */
  Code.Builder vectorOr(Code.Builder vector, Code.Builder scalar) {
    Code.Builder v = new Code.Builder();
    for (Code c : vector.build()) {
      v.add(withKernels(c));
    }
    return switch (plan.kernelChoice()) {
      case VECTOR -> v;
      case SCALAR -> scalar;
      case AUTO -> new Code.Builder().block("if (dev.netc.runtime.Vectorized.ENABLED)", v).block("else", scalar);
    };
  }

  private Code withKernels(Code c) {
    if (c instanceof Code.Stmt st) {
      return new Code.Stmt(st.text().replace("@K", vectorKernels()));
    }
    if (c instanceof Code.Block b) {
      return new Code.Block(b.header(), b.body().stream().map(this::withKernels).toList());
    }
    return c;
  }

  /**
   * A call of a runtime kernel ({@code format} with {@code @K} for the kernels' class) chosen as
   * {@link #kernelCall} chooses, with {@code scalar} as the code a JVM without the Vector API runs.
   */
  Code.Builder runtimeCall(Code.Builder scalar, String format, Object... args) {
    return kernelCall(new Code.Builder(), scalar, format, args);
  }

  private static String loop(String v, int n) {
    return "for (int " + v + " = 0; " + v + " < " + n + "; " + v + "++)";
  }

  private static String loop1(String v, int n) {
    return "for (int " + v + " = 1; " + v + " < " + n + "; " + v + "++)";
  }

  // ---------------------------------------------------------------- gradient accumulation

  //   double[] g = ws.grad.W1;
  //   java.util.Arrays.fill(g, 0);
  //   double inv = 1.0 / batch;
  //   for (int ex = 0; ex < batch; ex++) { ... g[r * 2 + j] += s * x[o1 + j]; }
  /** The accumulation of {@code terms} added into the array {@code target} (a loop's summed adjoint, ScanKernels). */
  Draft accumulationInto(String target, String comment, List<Planner.Term> terms) {
    Access x = new Access();
    Code.Builder body = new Code.Builder();
    accumulate(terms, x, body, true, true);
    x.fixed(target, "g");
    return x.draft(comment, body.build());
  }

  Draft accumulation(ClassPlan.Tensor param, List<Planner.Term> terms, boolean continued) {
    Access x = new Access();
    Code.Builder body = new Code.Builder();
    accumulate(terms, x, body, true, continued);
    x.fixed(gradientOf(param), "g");
    return x.draft(comment(param, continued), body.build());
  }

  /**
   * The accumulation of {@code terms} into {@code g}, declaring {@code inv = 1 / batch} when
   * {@code declareInv}; {@code continued}: {@code g} already holds earlier terms (no fill, every
   * term adds).
   */
  private void accumulate(List<Planner.Term> terms, Access x, Code.Builder body, boolean declareInv,
      boolean continued) {
    // when the first term depends on the example, its first example (or, for an outer product over
    // the batch, its first pass) writes g: no fill
    Node first = terms.isEmpty() ? null : terms.get(0).node();
    boolean assignFirst = !continued && first != null
        && (isBatchOuter(first) || plan.isBatched(first) && !plan.isFusedOuter(first));
    if (!assignFirst && !continued) {
      body.stmt("java.util.Arrays.fill(g, %s)", isFloat ? "0f" : "0.0");
    }
    if (declareInv) {
      body.stmt("%s inv = %s / batch", type, isFloat ? "1.0f" : "1.0");
    }
    for (int ti = 0; ti < terms.size(); ti++) {
      Planner.Term t = terms.get(ti);
      Node n = t.node();
      String op = t.sign() > 0 ? "+=" : "-=";
      int size = n.shape().size();
      Planner.IndexOuter io = plan.isFusedOuter(n) ? plan.indexOuter(n) : null;
      if (io != null && io.window() != null) {
        // g += inv * the sum over the batch's positions of a_p times b's window at p, the windows
        // read in place from b's rows packed per chunk of examples
        Planner.Window w = io.window();
        kernelCall(body, null, "@K.windowGradient(%s, %s, g, %d, %d, %d, %d, %d, %d, batch, %s, %s, %s, %s, %s, ws.packAt)",
            x.array(io.a()), x.array(io.b()), io.rows(), w.planes(), w.height(), w.width(), w.kh(), w.kw(),
            t.sign() > 0 ? "inv" : "-inv", ti == 0 && assignFirst, x.buffer(plan.windowPack(n, 0)),
            x.buffer(plan.windowPack(n, 1)), x.buffer(plan.windowPack(n, 2)));
        continue;
      }
      if (io != null) {
        // g += inv * the sum over the batch's positions of outer(a_p, b_p), each operand first
        // copied into the order [p..., r...] when it is read in another
        String a = io.packA() == null ? x.array(io.a()) : outerPack(body, x, io.a(), io.packA(), plan.outerPack(n, 0));
        String b = io.packB() == null ? x.array(io.b()) : outerPack(body, x, io.b(), io.packB(), plan.outerPack(n, 1));
        kernelCall(body, null, "@K.outerAccumulate(%s, %s, g, %d, %d, batch * %d, %s, %s)", a, b, io.rows(), io.cols(),
            io.positions(), t.sign() > 0 ? "inv" : "-inv", ti == 0 && assignFirst);
        continue;
      }
      if (isBatchOuter(n)) {
        // g += inv * sum over ex of outer(a_ex, c_ex), four examples per pass over g
        int rows = n.shape().rows();
        int cols = n.shape().cols();
        String a = x.array(n.input(0));
        String c = x.array(n.input(1));
        if (plan.vectorOuter(n)) {
          kernelCall(body, null, "@K.outerAccumulate(%s, %s, g, %d, %d, batch, %s, %s)", a, c, rows, cols,
              t.sign() > 0 ? "inv" : "-inv", ti == 0 && assignFirst);
          continue;
        }
        Code.Builder scope = new Code.Builder().stmt("int ex = 0");
        if (ti == 0 && assignFirst) {
          // the first pass: four examples if there are four, else one; it writes g
          String assign = t.sign() > 0 ? "=" : "= -";
          String lhs = "g[r * " + cols + " + j] " + assign + " ";
          scope.block("if (batch >= " + TILE_EXAMPLES + ")",
                  new Code.Builder().block(loop("r", rows), outerRow(rows, cols, TILE_EXAMPLES, a, c, lhs)))
              .block("else", new Code.Builder().block(loop("r", rows), outerRow(rows, cols, 1, a, c, lhs)))
              .stmt("ex = batch >= %d ? %d : 1", TILE_EXAMPLES, TILE_EXAMPLES);
        }
        for (int examples : new int[] {TILE_EXAMPLES, 1}) {
          Code.Builder perRow = outerRow(rows, cols, examples, a, c, "g[r * " + cols + " + j] " + op + " ");
          String header = examples > 1 ? "for (; ex + " + examples + " <= batch; ex += " + examples + ")"
              : "for (; ex < batch; ex++)";
          scope.block(header, new Code.Builder().block(loop("r", rows), perRow));
        }
        body.block("", scope);
      } else if (plan.isFusedOuter(n)) {
        Code.Builder decls = new Code.Builder();
        Operand a = operand(x, n.input(0), "o0", decls);
        Operand c = operand(x, n.input(1), "o1", decls);
        int cols = n.shape().cols();
        body.block("for (int ex = 0; ex < batch; ex++)", decls.block(loop("r", n.shape().rows()),
            new Code.Builder().stmt("%s s = %s * inv", type, a.at("r"))
                .block(loop("j", cols), new Code.Builder().stmt("g[r * %d + j] %s s * %s", cols, op, c.at("j")))));
      } else if (plan.isBatched(n) && size >= MIN_SUM_ROWS && !plan.isView(n)) {
        // a bias's gradient: the runtime sums the examples' rows in registers, the loops' numbers
        Code.Builder loops = new Code.Builder();
        batchedSum(loops, x, n, size, t.sign() > 0, op, ti == 0 && assignFirst);
        body.addAll(vectorOr(new Code.Builder().stmt("@K.sumRows(%s, g, %d, batch, %s, %s)", x.array(n), size,
            t.sign() > 0 ? "inv" : "-inv", ti == 0 && assignFirst), loops).build());
      } else if (plan.isBatched(n)) {
        batchedSum(body, x, n, size, t.sign() > 0, op, ti == 0 && assignFirst);
      } else {
        Operand a = operand(x, n, "o0", new Code.Builder());
        body.block(loop("i", size), new Code.Builder().stmt("g[i] %s %s", op, a.at("i")));
      }
    }
  }

  /**
   * {@code g[i] op a_ex[i] * inv} over the batch's examples {@code ex}, the first writing {@code g}
   * when {@code assign}.
   */
  private void batchedSum(Code.Builder body, Access x, Node n, int size, boolean plus, String op, boolean assign) {
    String from = "0";
    if (assign) {
      // the first example writes g
      Code.Builder decls = new Code.Builder().stmt("int ex = 0");
      Operand a = operand(x, n, "o0", decls);
      body.block("", decls.block(loop("i", size),
          new Code.Builder().stmt("g[i] = %s%s * inv", plus ? "" : "-", a.at("i"))));
      from = "1";
    }
    Code.Builder decls = new Code.Builder();
    Operand a = operand(x, n, "o0", decls);
    body.block("for (int ex = " + from + "; ex < batch; ex++)", decls.block(loop("i", size),
        new Code.Builder().stmt("g[i] %s %s * inv", op, a.at("i"))));
  }


  /**
   * Copies {@code src} for every example into {@code storage} in the order {@code pack.dims()}
   * (each element read at {@code sum(k_i * strides[i])} of its example), and returns its local.
   */
  private String outerPack(Code.Builder body, Access x, Node src, Planner.OuterPack pack, String storage) {
    String dst = x.buffer(storage);
    String from = x.array(src);
    List<dev.netc.compiler.graph.ix.Comprehension.Dim> dims = pack.dims();
    // a run of at least 8 along the last index, contiguous in the source: one copy
    int last = dims.size() - 1;
    boolean runs = pack.strides()[last] == 1 && dims.get(last).extent() >= 8;
    int loops = runs ? last : dims.size();
    StringBuilder at = new StringBuilder("p0");
    for (int i = 0; i < loops; i++) {
      at.append(" + k").append(i).append(pack.strides()[i] == 1 ? "" : " * " + pack.strides()[i]);
    }
    Code.Builder nest = runs
        ? new Code.Builder().stmt("System.arraycopy(%s, %s, %s, ob, %d)", from, at, dst, dims.get(last).extent())
            .stmt("ob += %d", dims.get(last).extent())
        : new Code.Builder().stmt("%s[ob++] = %s[%s]", dst, from, at);
    for (int i = loops - 1; i >= 0; i--) {
      nest = new Code.Builder().block("for (int k" + i + " = 0; k" + i + " < " + dims.get(i).extent() + "; k" + i + "++)", nest);
    }
    int size = src.shape().size();
    body.block("for (int ex = 0; ex < batch; ex++)", new Code.Builder().stmt("int p0 = ex * %d", size)
        .stmt("int ob = ex * %d", size).addAll(nest.build()));
    return dst;
  }

  /** The comment of {@code param}'s gradient accumulation. */
  static String comment(ClassPlan.Tensor param) {
    return "d loss / d " + SafeText.comment(param.name()) + ", the mean over the batch";
  }

  /** {@link #comment(ClassPlan.Tensor)}, saying so when the method adds to earlier terms. */
  static String comment(ClassPlan.Tensor param, boolean continued) {
    return comment(param) + (continued ? " (more terms)" : "");
  }

  /** Where the gradient of {@code param} goes. */
  static String gradientOf(ClassPlan.Tensor param) {
    return "ws.grad." + param.javaName();
  }

  /**
   * The kernel of {@code t = transpose(W) * d} that also writes W's gradient, the one term
   * {@code sign * mean over the batch of d x^T} (see {@link Planner#fusedBackward}).
   */
  Draft fusedBackward(Node t, ClassPlan.Tensor param, Planner.Term term) {
    Access x = new Access();
    Node w = t.input(0).input(0);
    Node outer = term.node();
    Code.Builder body = new Code.Builder()
        .stmt("%s inv = %s / batch", type, isFloat ? "1.0f" : "1.0");
    kernelCall(body, null, "@K.backwardRows(%s, %s, %s, %s, g, %d, %d, batch, %s)", x.array(w), x.array(outer.input(0)),
        x.array(outer.input(1)), x.array(t), w.shape().rows(), w.shape().cols(), term.sign() > 0 ? "inv" : "-inv");
    x.fixed(gradientOf(param), "g");
    return x.draft(comment(t, param), body.build());
  }

  /** The signature of {@link #fusedBackward}{@code (t, param, term)}, apart from the param's gradient array. */
  Signature signature(Node t, Planner.Term term) {
    Signature.Builder b = new Signature.Builder("f");
    describe(t, true, null, b);
    b.text.append(term.sign() > 0 ? '+' : '-');
    describe(term.node(), true, null, b);
    return b.build();
  }

  /** The comment of {@link #fusedBackward}'s kernel. */
  String comment(Node t, ClassPlan.Tensor param) {
    return comment(t) + ", and " + comment(param);
  }

  /** A term summed over the batch as outer products: an {@code OUTER} of two batched operands, or an {@link Planner.IndexOuter}. */
  private boolean isBatchOuter(Node n) {
    return plan.isFusedOuter(n)
        && (plan.indexOuter(n) != null || plan.isBatched(n.input(0)) && plan.isBatched(n.input(1)));
  }

  /** For row r: {@code s_e = a[ex + e][r] * inv}, then for every j: {@code lhs} the sum of s_e c[ex + e][j]. */
  private Code.Builder outerRow(int rows, int cols, int examples, String a, String c, String lhs) {
    Code.Builder perRow = new Code.Builder();
    StringBuilder sum = new StringBuilder();
    for (int e = 0; e < examples; e++) {
      String exE = e == 0 ? "ex" : "(ex + " + e + ")";
      perRow.stmt("%s s%d = %s[%s * %d + r] * inv", type, e, a, exE, rows);
      sum.append(e == 0 ? "" : " + ").append("s").append(e).append(" * ").append(c).append("[").append(exE)
          .append(" * ").append(cols).append(" + j]");
    }
    String rhs = lhs.endsWith("- ") ? "(" + sum + ")" : sum.toString();
    return perRow.block(loop("j", cols), new Code.Builder().stmt("%s%s", lhs, rhs));
  }
}
