package dev.netc.compiler.testing;

import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Random well-typed {@code .net} networks, as SOURCE TEXT, so that every stage of the compiler
 * (front end, differentiation, passes, code generation) can be tested on them.
 *
 * <p>A network has 1..maxOps operations: named values {@code vK = expr}, each built around one
 * op of the spec (every operator and function, including every loss), over scalars, vectors and
 * matrices of sizes 1..6. Inputs and params are declared on demand just before their first use,
 * with shapes that make matrix products fit; targets just before the loss that needs them.
 * Values are used several times (fan-out), and some are written twice with the same text
 * (shared subexpressions). The network ends with {@code loss = } a sum of reductions of every
 * value nobody else uses, so most of the graph reaches the loss.
 *
 * <p>Values are kept sane by construction: ops with a restricted domain get wrapped arguments
 * ({@code log(square(v) + 1)}, {@code sqrt(square(v) + 0.5)}, {@code v / (square(w) + 1)},
 * {@code exp(tanh(v))}, fractional powers of {@code square(v) + 0.5}); a rough bound on every
 * value's magnitude is tracked and a large operand is squashed with {@code tanh} before an op
 * that would amplify it; and the piecewise ops (relu, abs, step, sign, leaky_relu, max, min,
 * hinge) never get an argument that is itself piecewise-constant on a region (which would sit
 * on a kink for every sample), nor two arguments that compute the same thing.
 *
 * <p>Target names tell {@link #values} how to sample them: {@code yc*} one-hot (hinge),
 * {@code yp*} probabilities in (0.05, 0.95), {@code yr*} reals.
 */
public final class RandomNetworks {
  private RandomNetworks() {}

  /** A generated network: its source text and its number of operations (named values). */
  public record Generated(String source, int ops, String name) {}

  /** A random network with 1..maxOps operations, the same for the same seed. */
  public static Generated generate(long seed, int maxOps) {
    Random r = new Random(seed);
    int ops = 1 + r.nextInt(Math.max(1, maxOps));
    return new Gen(r, "R" + Long.toHexString(seed).toUpperCase(Locale.ROOT)).build(ops);
  }

  /**
   * Random values for every input, target and param of {@code network}, the same for the same
   * seed: inputs standard normal, params normal with deviation 0.5, targets by their name (see
   * the class comment; others standard normal).
   */
  public static Map<String, double[]> values(Network network, long seed) {
    Random r = new Random(seed);
    Map<String, double[]> v = new LinkedHashMap<>();
    for (Symbol s : network.inputs()) {
      v.put(s.name(), gaussian(r, s.shape().size(), 1.0));
    }
    for (Network.Param p : network.params()) {
      v.put(p.symbol().name(), gaussian(r, p.symbol().shape().size(), 0.5));
    }
    for (Symbol s : network.targets()) {
      int n = s.shape().size();
      double[] t;
      if (s.name().startsWith("yc")) {
        t = new double[n];
        t[r.nextInt(n)] = 1;
      } else if (s.name().startsWith("yp")) {
        t = new double[n];
        for (int i = 0; i < n; i++) {
          t[i] = 0.05 + 0.9 * r.nextDouble();
        }
      } else {
        t = gaussian(r, n, 1.0);
      }
      v.put(s.name(), t);
    }
    return v;
  }

  private static double[] gaussian(Random r, int n, double std) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = std * r.nextGaussian();
    }
    return x;
  }

  /** A value of the network under construction. */
  private static final class Val {
    final String name;
    final Shape shape;
    final double scale; // rough bound on |element|
    boolean piecewise; // computed through a piecewise op: may be constant on a region
    final long identity; // equal for values that compute the same thing
    final String text; // the defining expression (null for leaves)
    int uses;

    Val(String name, Shape shape, double scale, boolean piecewise, long identity, String text) {
      this.name = name;
      this.shape = shape;
      this.scale = scale;
      this.piecewise = piecewise;
      this.identity = identity;
      this.text = text;
    }
  }

  /** An operand as written in an expression, with its bound and identity. */
  private record Arg(String text, Shape shape, double scale, boolean piecewise, long identity) {}

  private static final class Gen {
    private Val last() {
      return values.get(values.size() - 1);
    }

    static final double SQUASH = 4; // operands of amplifying ops are squashed above this bound
    static final String[] KINDS = {
      "add", "sub", "scale", "matmul", "matvec", "hadamard", "div", "neg", "plus", "pow-int", "pow-neg",
      "pow-frac", "sigmoid", "tanh", "relu", "softplus", "exp", "log", "sqrt", "abs", "square", "sin",
      "cos", "leaky_relu", "step", "sign", "max2", "min2", "max-scalar", "min-scalar", "sum", "mean",
      "max1", "min1", "dot", "norm", "transpose", "outer", "softmax", "log_softmax", "logsumexp", "mse",
      "cross_entropy", "softmax_cross_entropy", "binary_cross_entropy", "sigmoid_binary_cross_entropy",
      "hinge", "l2", "duplicate",
    };

    final Random r;
    final String networkName;
    final StringBuilder body = new StringBuilder();
    final List<Val> values = new ArrayList<>(); // leaves and named values, in declaration order
    final Map<String, Long> ancestry = new java.util.HashMap<>(); // name -> bit set of the leaves it depends on
    int leafCount;
    int targetCount;
    int valueCount;
    int constCount;
    long targetBits; // the ancestry bits of the targets (bits are shared modulo 64: conservative)

    Gen(Random r, String networkName) {
      this.r = r;
      this.networkName = networkName;
    }

    Generated build(int ops) {
      for (int k = 0; k < ops; k++) {
        operation();
      }
      List<String> terms = new ArrayList<>();
      for (Val v : values) {
        if (v.text != null && v.uses == 0) {
          terms.add(reduce(v));
        }
      }
      List<String> outputs = new ArrayList<>();
      for (Val v : values) {
        // predict has no targets: an output must not depend on one
        if (v.text != null && r.nextInt(5) == 0 && (ancestry.get(v.name) & targetBits) == 0) {
          outputs.add(v.name);
        }
      }
      if (!outputs.isEmpty()) {
        line("output " + String.join(", ", outputs));
      }
      line("loss = " + String.join(" + ", terms));
      String src = "// random network, " + ops + " operations\nnetwork " + networkName + " {\n" + body + "}\n";
      return new Generated(src, ops, networkName);
    }

    private String reduce(Val v) {
      if (v.shape.isScalar()) {
        return v.scale > 100 ? "tanh(" + v.name + ")" : v.name;
      }
      String f = v.scale * v.shape.size() > 100 || r.nextBoolean() ? "mean" : "sum";
      return f + "(" + v.name + ")";
    }

    private void line(String s) {
      body.append("    ").append(s).append('\n');
    }

    private static long mix(String op, long... ids) {
      long h = op.hashCode() * 0x9E3779B97F4A7C15L;
      for (long id : ids) {
        h = (h ^ id) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
      }
      return h;
    }

    /** Commutative ops: operand order does not change the value. */
    private static long mixSorted(String op, long a, long b) {
      return mix(op, Math.min(a, b), Math.max(a, b));
    }

    // ---- operands ------------------------------------------------------------------------

    private Arg arg(Val v) {
      v.uses++;
      return new Arg(v.name, v.shape, v.scale, v.piecewise, v.identity);
    }

    /** An existing value matching {@code p} (recent ones likelier), or a new leaf of shape {@code fresh}. */
    private Arg pick(Predicate<Shape> p, Shape fresh, boolean smooth) {
      List<Val> ok = new ArrayList<>();
      for (Val v : values) {
        if (p.test(v.shape) && !(smooth && v.piecewise)) {
          ok.add(v);
        }
      }
      if (!ok.isEmpty() && r.nextInt(6) != 0) {
        // prefer recent values: the pool's second half twice as often
        int i = r.nextBoolean() ? ok.size() - 1 - r.nextInt((ok.size() + 1) / 2) : r.nextInt(ok.size());
        return arg(ok.get(i));
      }
      return arg(leaf(fresh));
    }

    private Arg any(boolean smooth) {
      return pick(s -> true, randomShape(), smooth);
    }

    private Arg ofShape(Shape shape, boolean smooth) {
      return pick(shape::equals, shape, smooth);
    }

    /** A new input or param of the given shape, declared here. */
    private Val leaf(Shape shape) {
      boolean param = r.nextInt(3) != 0;
      String name = (param ? (shape.isMatrix() ? "W" : "b") : "x") + leafCount++;
      String init = "";
      if (param && r.nextInt(4) == 0) {
        init = switch (r.nextInt(3)) {
          case 0 -> " init normal(0, 0.5)";
          case 1 -> " init uniform(-1, 1)";
          default -> " init xavier";
        };
      }
      line((param ? "param " : "input ") + name + dims(shape) + init);
      Val v = new Val(name, shape, param ? 1.5 : 3, false, mix(name), null);
      ancestry.put(name, 1L << (ancestry.size() % 64));
      values.add(v);
      return v;
    }

    private String target(String kind, Shape shape) {
      String name = kind + targetCount++;
      line("target " + name + dims(shape));
      ancestry.put(name, 1L << (ancestry.size() % 64));
      targetBits |= ancestry.get(name);
      return name;
    }

    private static String dims(Shape s) {
      return switch (s.rank()) {
        case 0 -> "";
        case 1 -> "[" + s.rows() + "]";
        default -> "[" + s.rows() + ", " + s.cols() + "]";
      };
    }

    private int size() {
      return 1 + r.nextInt(6);
    }

    private Shape randomShape() {
      return switch (r.nextInt(3)) {
        case 0 -> Shape.SCALAR;
        case 1 -> Shape.vector(size());
        default -> Shape.matrix(size(), size());
      };
    }

    /** {@code a} itself, or {@code tanh(a)} when its bound exceeds {@code limit}. */
    private static Arg squash(Arg a, double limit) {
      if (a.scale <= limit) {
        return a;
      }
      return new Arg("tanh(" + a.text + ")", a.shape, 1, a.piecewise, mix("tanh", a.identity));
    }

    /**
     * An operand fit for a piecewise op with its kink at 0. A leaf goes as it is half the time;
     * anything else is shifted by an odd constant of random sign, so that the kink sits where the
     * operand crosses that level, at a generic point: a computed value can be exactly constant
     * (step gives 0 or 1, logsumexp(log_softmax(z)) is 0) or flat at 0 (square(x)^3) on a whole
     * region, where every sample would be within the kink margin.
     */
    private Arg kinkSafe(Arg a) {
      if (a.text.matches("[bWx]\\d+") && r.nextBoolean()) {
        return a;
      }
      String c = String.format(Locale.ROOT, "%.3f", (r.nextBoolean() ? 1 : -1) * (0.2 + 0.5 * r.nextDouble()) + 0.0001);
      String text = c.startsWith("-") ? a.text + " - " + c.substring(1) : a.text + " + " + c;
      return new Arg("(" + text + ")", a.shape, a.scale + 1, a.piecewise, mix("shift" + c, a.identity));
    }

    private String constant(double value) {
      if (r.nextInt(8) == 0) {
        String name = "k" + constCount++;
        line("const " + name + " = " + fmt(value));
        return name;
      }
      return fmt(value);
    }

    private static String fmt(double x) {
      return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    // ---- operations ----------------------------------------------------------------------

    private void define(String text, Shape shape, double scale, boolean piecewise, long identity) {
      String name = "v" + valueCount++;
      line(name + " = " + text);
      values.add(new Val(name, shape, Math.min(scale, 1e6), piecewise, identity, text));
      ancestry.put(name, ancestry(text));
    }

    /** The leaves (inputs, params, targets) that an expression depends on, as a bit set. */
    private long ancestry(String text) {
      long mask = 0;
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z_]\\w*").matcher(text);
      while (m.find()) {
        mask |= ancestry.getOrDefault(m.group(), 0L);
      }
      return mask;
    }

    /**
     * {@code b} as the second operand of max or min with {@code a}: when the two depend on a
     * common leaf they may touch (as sin(x) and x do at 0), so b is shifted by an odd constant.
     */
    private Arg untouching(Arg a, Arg b) {
      if ((ancestry(a.text) & ancestry(b.text)) == 0) {
        return b;
      }
      String c = String.format(Locale.ROOT, "%.3f", (r.nextBoolean() ? 1 : -1) * (0.3 + 0.5 * r.nextDouble()) + 0.0001);
      return new Arg("(" + b.text + " + " + c + ")", b.shape, b.scale + 1, b.piecewise, mix("shift" + c, b.identity));
    }

    private void unary(String op, String template, Arg a, double scale, boolean piecewise) {
      define(template.replace("#", a.text), a.shape, scale, piecewise || a.piecewise, mix(op, a.identity));
    }

    /** A second operand for an elementwise binary op with {@code a}: same shape, or a scalar. */
    private Arg partner(Arg a, boolean smooth, boolean distinct) {
      for (int attempt = 0; attempt < 4; attempt++) {
        Arg b = r.nextInt(4) == 0 ? ofShape(Shape.SCALAR, smooth) : ofShape(a.shape, smooth);
        if (!distinct || b.identity != a.identity) {
          return b;
        }
      }
      return arg(leaf(r.nextBoolean() ? Shape.SCALAR : a.shape));
    }

    private static Shape wider(Arg a, Arg b) {
      return a.shape.isScalar() ? b.shape : a.shape;
    }

    private void operation() {
      String kind = KINDS[r.nextInt(KINDS.length)];
      switch (kind) {
        case "add", "sub", "hadamard" -> {
          Arg a = any(false);
          Arg b = partner(a, false, kind.equals("sub"));
          if (kind.equals("hadamard")) {
            a = squash(a, SQUASH);
            b = squash(b, SQUASH);
          }
          if (r.nextBoolean()) {
            Arg t = a;
            a = b;
            b = t;
          }
          String op = switch (kind) {
            case "add" -> " + ";
            case "sub" -> " - ";
            default -> r.nextInt(4) == 0 ? " \u2299 " : " .* ";
          };
          double scale = kind.equals("hadamard") ? a.scale * b.scale : a.scale + b.scale;
          long id = kind.equals("sub") ? mix("sub", a.identity, b.identity) : mixSorted(kind, a.identity, b.identity);
          define(a.text + op + b.text, wider(a, b), scale, a.piecewise || b.piecewise, id);
        }
        case "scale" -> {
          Arg s = squash(ofShape(Shape.SCALAR, false), SQUASH);
          Arg a = squash(any(false), SQUASH);
          boolean left = r.nextBoolean();
          String text = left ? s.text + " * " + a.text : a.text + " * " + s.text;
          if (values.size() % 4 == 1) {
            // dropout, the identity in evaluation mode (where the evaluator and the gradient checks
            // run), chosen without drawing from r so that the networks are those of before it
            text = "dropout(" + text + ", " + fmt(values.size() % 8 == 1 ? 0.5 : 0.1) + ")";
          }
          define(text, wider(s, a), s.scale * a.scale, s.piecewise || a.piecewise, mixSorted("hadamard", s.identity, a.identity));
        }
        case "matmul", "matvec" -> {
          boolean vec = kind.equals("matvec");
          Arg x;
          if (vec) {
            x = pick(Shape::isVector, Shape.vector(size()), false);
          } else {
            x = pick(Shape::isMatrix, Shape.matrix(size(), size()), false);
          }
          int k = x.shape.rows();
          Arg w = pick(s -> s.isMatrix() && s.cols() == k, Shape.matrix(size(), k), false);
          w = squash(w, 2);
          x = squash(x, 2);
          Shape out = vec ? Shape.vector(w.shape.rows()) : Shape.matrix(w.shape.rows(), x.shape.cols());
          // W * transpose(W) is symmetric: equal entries tie in max(.) and min(.)
          boolean symmetric = x.identity == mix("transpose", w.identity) || w.identity == mix("transpose", x.identity);
          define(w.text + " * " + x.text, out, k * w.scale * x.scale, w.piecewise || x.piecewise || symmetric,
              mix("matmul", w.identity, x.identity));
        }
        case "div" -> {
          Arg a = any(false);
          Arg b = squash(partner(a, false, false), 30);
          define(a.text + " / (square(" + b.text + ") + 1)", wider(a, b), a.scale, a.piecewise || b.piecewise,
              mix("div", a.identity, b.identity));
        }
        case "neg" -> {
          Arg a = any(false);
          if (r.nextInt(4) == 0) {
            // -(-a) is a itself
            define("-(-" + a.text + ")", a.shape, a.scale, a.piecewise, a.identity);
          } else {
            unary("neg", "-" + (a.text.matches("\\w+") ? "#" : "(#)"), a, a.scale, false);
          }
        }
        case "plus" -> {
          Arg a = any(false);
          // +a is a no-op: the same value as a
          define("+" + a.text, a.shape, a.scale, a.piecewise, a.identity);
        }
        case "pow-int" -> {
          int c = 2 + r.nextInt(2);
          Arg a = squash(any(false), 2);
          unary("pow" + c, "# ^ " + constant(c), a, Math.pow(a.scale, c), false);
        }
        case "pow-neg" -> {
          Arg a = squash(any(false), 10);
          unary("pow-neg", "(square(#) + 1) ^ " + constant(-1 - r.nextInt(2)), a, 1, false);
        }
        case "pow-frac" -> {
          double[] exps = {0.5, 1.5, -0.5, 2.5, 0.25, -1.5};
          double c = exps[r.nextInt(exps.length)];
          Arg a = squash(any(false), 4);
          if (r.nextBoolean()) {
            unary("powf" + c, "(square(#) + 0.5) ^ " + constant(c), a, Math.pow(a.scale * a.scale + 1, Math.max(c, 1)), false);
          } else {
            unary("powe" + c, "exp(tanh(#)) ^ " + constant(c), a, 5, false);
          }
        }
        case "sigmoid", "tanh", "sin", "cos" -> unary(kind, kind + "(#)", any(false), 1, false);
        case "softplus" -> {
          Arg a = any(false);
          unary(kind, "softplus(#)", a, a.scale + 1, false);
        }
        case "exp" -> unary(kind, "exp(tanh(#))", any(false), 3, false);
        case "log" -> {
          Arg a = squash(any(false), 1e3);
          unary(kind, "log(square(#) + 1)", a, 2 * Math.log(a.scale + 1) + 1, false);
        }
        case "sqrt" -> {
          Arg a = squash(any(false), 1e3);
          unary(kind, "sqrt(square(#) + 0.5)", a, a.scale + 1, false);
        }
        case "square" -> {
          Arg a = squash(any(false), SQUASH);
          unary(kind, "square(#)", a, a.scale * a.scale, false);
        }
        case "relu", "abs" -> {
          Arg a = kinkSafe(any(false));
          unary(kind, kind + "(#)", a, a.scale, true);
        }
        case "leaky_relu" -> {
          Arg a = kinkSafe(any(false));
          unary(kind, "leaky_relu(#, " + constant(r.nextBoolean() ? 0.01 : 0.2) + ")", a, a.scale, true);
        }
        case "step", "sign" -> {
          Arg a = kinkSafe(any(false));
          unary(kind, kind + "(#) .* #", a, a.scale, true);
        }
        case "max2", "min2" -> {
          Arg a = any(true);
          Arg b = a.shape.isScalar() ? ofShape(Shape.SCALAR, true) : ofShape(a.shape, true);
          if (b.identity == a.identity) {
            b = arg(leaf(a.shape));
          }
          b = untouching(a, b);
          String f = kind.substring(0, 3);
          define(f + "(" + a.text + ", " + b.text + ")", a.shape, Math.max(a.scale, b.scale), true,
              mixSorted(f, a.identity, b.identity));
        }
        case "max-scalar", "min-scalar" -> {
          Arg a = any(true);
          String f = kind.substring(0, 3);
          // a scalar side: a constant or a scalar value
          String side;
          long sideId;
          double sideScale = 1;
          if (r.nextBoolean() || a.shape.isScalar()) {
            String c = String.format(Locale.ROOT, "%.3f", r.nextGaussian() * 0.5 + 0.0001);
            side = c;
            sideId = mix("const" + c);
          } else {
            Arg s = untouching(a, ofShape(Shape.SCALAR, true));
            side = s.text;
            sideId = s.identity;
            sideScale = s.scale;
          }
          boolean first = r.nextBoolean();
          define(f + "(" + (first ? a.text + ", " + side : side + ", " + a.text) + ")", a.shape,
              Math.max(a.scale, sideScale), true,
              mixSorted(f, a.identity, sideId));
        }
        case "sum", "mean" -> {
          Arg a = any(false);
          define(kind + "(" + a.text + ")", Shape.SCALAR, kind.equals("sum") ? a.scale * a.shape.size() : a.scale,
              a.piecewise, mix(kind, a.identity));
        }
        case "max1", "min1" -> {
          Arg a = pick(s -> !s.isScalar(), Shape.vector(size()), true);
          String f = kind.substring(0, 3);
          define(f + "(" + a.text + ")", Shape.SCALAR, a.scale, true, mix(f + "1", a.identity));
        }
        case "dot" -> {
          Arg a = squash(pick(Shape::isVector, Shape.vector(size()), false), SQUASH);
          Arg b = squash(ofShape(a.shape, false), SQUASH);
          define("dot(" + a.text + ", " + b.text + ")", Shape.SCALAR, a.scale * b.scale * a.shape.size(),
              a.piecewise || b.piecewise, mixSorted("dot", a.identity, b.identity));
        }
        case "norm" -> {
          Arg a = kinkSafe(any(false));
          define("norm(" + a.text + ")", Shape.SCALAR, a.scale * Math.sqrt(a.shape.size()), a.piecewise,
              mix("norm", a.identity));
        }
        case "transpose" -> {
          Arg a = pick(Shape::isMatrix, Shape.matrix(size(), size()), false);
          define("transpose(" + a.text + ")", Shape.matrix(a.shape.cols(), a.shape.rows()), a.scale, a.piecewise,
              mix("transpose", a.identity));
        }
        case "outer" -> {
          Arg a = squash(pick(Shape::isVector, Shape.vector(size()), false), SQUASH);
          Arg b = squash(pick(Shape::isVector, Shape.vector(size()), false), SQUASH);
          define("outer(" + a.text + ", " + b.text + ")", Shape.matrix(a.shape.rows(), b.shape.rows()),
              a.scale * b.scale, a.piecewise || b.piecewise || a.identity == b.identity, // symmetric
              mix("outer", a.identity, b.identity));
        }
        case "softmax", "log_softmax", "logsumexp" -> {
          Arg a = squash(pick(Shape::isVector, Shape.vector(size()), false), 30);
          double scale = kind.equals("softmax") ? 1 : 2 * a.scale + 2;
          boolean constant = a.shape.size() == 1 && !kind.equals("logsumexp"); // softmax of one logit is 1
          define(kind + "(" + a.text + ")", kind.equals("logsumexp") ? Shape.SCALAR : a.shape, scale, a.piecewise || constant,
              mix(kind, a.identity));
        }
        case "mse" -> {
          Arg a = squash(any(false), SQUASH);
          String t = target("yr", a.shape);
          loss("mse(" + a.text + ", " + t + ")", a, a.shape.size() * (a.scale + 3) * (a.scale + 3) / 2);
        }
        case "cross_entropy" -> {
          Arg a = squash(any(false), SQUASH);
          String p = a.shape.isVector() && r.nextBoolean() ? "softmax(" + a.text + ")" : "sigmoid(" + a.text + ")";
          String t = target("yp", a.shape);
          loss("cross_entropy(" + p + ", " + t + ")", a, a.shape.size() * (a.scale + 3));
          if (a.shape.size() == 1 && p.startsWith("softmax")) {
            last().piecewise = true; // constant 0
          }
        }
        case "softmax_cross_entropy" -> {
          Arg a = squash(pick(Shape::isVector, Shape.vector(size()), false), SQUASH);
          String t = target("yp", a.shape);
          loss("softmax_cross_entropy(" + a.text + ", " + t + ")", a, a.shape.size() * (2 * a.scale + 3));
          if (a.shape.size() == 1) {
            last().piecewise = true; // constant 0
          }
        }
        case "binary_cross_entropy" -> {
          Arg a = squash(any(false), SQUASH);
          String t = target("yp", a.shape);
          loss("binary_cross_entropy(sigmoid(" + a.text + "), " + t + ")", a, a.shape.size() * (a.scale + 3));
        }
        case "sigmoid_binary_cross_entropy" -> {
          Arg a = squash(any(false), 30);
          String t = target("yp", a.shape);
          loss("sigmoid_binary_cross_entropy(" + a.text + ", " + t + ")", a, a.shape.size() * (a.scale + 1));
        }
        case "hinge" -> {
          Arg a = squash(pick(Shape::isVector, Shape.vector(size()), true), 30);
          String t = target("yc", a.shape);
          // piecewise (and constant 0 for one class)
          define("hinge(" + a.text + ", " + t + ")", Shape.SCALAR, a.shape.size() * (2 * a.scale + 1), true,
              mix("hinge" + t, a.identity));
        }
        case "l2" -> {
          Arg a = squash(any(false), 30);
          loss("l2(" + a.text + ")", a, a.shape.size() * a.scale * a.scale / 2);
        }
        case "duplicate" -> {
          List<Val> named = values.stream().filter(v -> v.text != null).toList();
          if (named.isEmpty()) {
            operation();
            return;
          }
          Val v = named.get(r.nextInt(named.size()));
          // the same text again: a shared subexpression; its operands are used once more
          for (Val u : values) {
            if (v.text.matches(".*\\b" + java.util.regex.Pattern.quote(u.name) + "\\b.*")) {
              u.uses++;
            }
          }
          define(v.text, v.shape, v.scale, v.piecewise, v.identity);
        }
        default -> throw new IllegalStateException(kind);
      }
    }

    private void loss(String text, Arg a, double scale) {
      // the losses are compositions of smooth functions of their first argument
      define(text, Shape.SCALAR, scale, a.piecewise, mix(text));
    }

  }
}
