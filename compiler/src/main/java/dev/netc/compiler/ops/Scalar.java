package dev.netc.compiler.ops;

import static dev.netc.compiler.graph.ix.IExpr.ONE;
import static dev.netc.compiler.graph.ix.IExpr.ZERO;
import static dev.netc.compiler.graph.ix.IExpr.add;
import static dev.netc.compiler.graph.ix.IExpr.call;
import static dev.netc.compiler.graph.ix.IExpr.constant;
import static dev.netc.compiler.graph.ix.IExpr.div;
import static dev.netc.compiler.graph.ix.IExpr.mul;
import static dev.netc.compiler.graph.ix.IExpr.neg;
import static dev.netc.compiler.graph.ix.IExpr.select;
import static dev.netc.compiler.graph.ix.IExpr.sub;

import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.Cond.Cmp;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.model.Op;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scalar operations a comprehension body is made of, each in one place: its value on
 * doubles and its partial derivatives as expressions (which may use the op's own value,
 * {@code y}, as {@code tanh' = 1 - y²} does). Conventions at kinks are the language's:
 * {@code relu'(0) = 0}, {@code abs'(0) = 0}, {@code max} and {@code min} tie to the first
 * argument, {@code clamp} passes the gradient where {@code lo <= x <= hi}.
 */
public enum Scalar {
  ADD(2, a -> a[0] + a[1]),
  SUB(2, a -> a[0] - a[1]),
  MUL(2, a -> a[0] * a[1]),
  DIV(2, a -> a[0] / a[1]),
  NEG(1, a -> -a[0]),
  /** {@code a ^ b}; {@code d/db = a^b log a} (defined for a > 0). */
  POW(2, a -> Math.pow(a[0], a[1])),
  EXP(1, a -> Math.exp(a[0])),
  LOG(1, a -> Math.log(a[0])),
  SQRT(1, a -> Math.sqrt(a[0])),
  ABS(1, a -> Math.abs(a[0])),
  SQUARE(1, a -> a[0] * a[0]),
  SIN(1, a -> Math.sin(a[0])),
  COS(1, a -> Math.cos(a[0])),
  TANH(1, a -> Math.tanh(a[0])),
  SIGMOID(1, a -> sigmoid(a[0])),
  RELU(1, a -> Math.max(a[0], 0.0)),
  SOFTPLUS(1, a -> softplus(a[0])),
  /** {@code x > 0 ? 1 : 0}; derivative 0. */
  STEP(1, a -> a[0] > 0 ? 1 : 0),
  SIGN(1, a -> Math.signum(a[0])),
  /** {@code leaky_relu(x, alpha)}: {@code x > 0 ? x : alpha x}. */
  LEAKY_RELU(2, a -> a[0] > 0 ? a[0] : a[1] * a[0]),
  MAX2(2, a -> a[0] >= a[1] ? a[0] : a[1]),
  MIN2(2, a -> a[0] <= a[1] ? a[0] : a[1]),
  /** The tanh form: {@code 0.5 x (1 + tanh(k (x + 0.044715 x³)))}, {@code k = sqrt(2/pi)}. */
  GELU(1, a -> gelu(a[0])),
  /** {@code x sigmoid(x)}; derivative {@code s (1 + x (1 - s))}. */
  SILU(1, a -> a[0] * sigmoid(a[0])),
  /** {@code x > 0 ? x : exp(x) - 1} (alpha 1, as PyTorch's default). */
  ELU(1, a -> a[0] > 0 ? a[0] : Math.expm1(a[0])),
  /** {@code -softplus(-x)}; derivative {@code sigmoid(-x)}. */
  LOG_SIGMOID(1, a -> -softplus(-a[0])),
  ATAN(1, a -> Math.atan(a[0])),
  LOG1P(1, a -> Math.log1p(a[0])),
  EXPM1(1, a -> Math.expm1(a[0])),
  /** {@code clamp(x, lo, hi)}: the gradient passes to x where {@code lo <= x <= hi}. */
  CLAMP(3, a -> Math.min(Math.max(a[0], a[1]), a[2]));

  /**
   * The elementwise functions that are also ops of the DAG ({@code sigmoid(x)} on a whole
   * tensor is one {@link Op#SIGMOID} node, fused and scheduled by the emitter like any
   * elementwise op): their value, derivative and Java come from here alone (graph.Eval,
   * check.ConstFolder, check.ShapeRules, autodiff.ElementwiseRules, emit.Kernels and
   * emit.Planner ask {@link #of}).
   */
  private static final Map<Op, Scalar> OF_OP = new EnumMap<>(Map.ofEntries(
      Map.entry(Op.SIGMOID, SIGMOID), Map.entry(Op.TANH, TANH), Map.entry(Op.RELU, RELU),
      Map.entry(Op.SOFTPLUS, SOFTPLUS), Map.entry(Op.EXP, EXP), Map.entry(Op.LOG, LOG), Map.entry(Op.SQRT, SQRT),
      Map.entry(Op.ABS, ABS), Map.entry(Op.SQUARE, SQUARE), Map.entry(Op.SIN, SIN), Map.entry(Op.COS, COS),
      Map.entry(Op.STEP, STEP), Map.entry(Op.SIGN, SIGN)));

  /** The scalar function that the elementwise DAG op {@code op} applies to every element, if it is one. */
  public static Optional<Scalar> of(Op op) {
    return Optional.ofNullable(OF_OP.get(op));
  }

  /** The DAG op that applies this function to every element of a tensor, if there is one. */
  public Optional<Op> op() {
    return OF_OP.entrySet().stream().filter(e -> e.getValue() == this).map(Map.Entry::getKey).findFirst();
  }

  /** The DAG ops that are a function of this table applied to every element. */
  public static java.util.Set<Op> elementwiseOps() {
    return java.util.Collections.unmodifiableSet(OF_OP.keySet());
  }

  /** sqrt(2 / pi), gelu's constant. */
  public static final double GELU_K = Math.sqrt(2 / Math.PI);

  private final int arity;
  private final Value value;

  Scalar(int arity, Value value) {
    this.arity = arity;
    this.value = value;
  }

  public int arity() {
    return arity;
  }

  public double apply(double... args) {
    return value.of(args);
  }

  /**
   * The partial derivative with respect to argument {@code i}, as an expression of the
   * arguments {@code x} and of the op's value {@code y} (the caller passes an expression that
   * reads the stored value, or the application itself).
   */
  public IExpr partial(List<IExpr> x, IExpr y, int i) {
    return switch (this) {
      case ADD -> ONE;
      case SUB -> i == 0 ? ONE : constant(-1);
      case MUL -> x.get(1 - i);
      case DIV -> i == 0 ? div(ONE, x.get(1)) : neg(div(y, x.get(1)));
      case NEG -> constant(-1);
      case POW -> i == 0
          ? mul(x.get(1), call(POW, x.get(0), sub(x.get(1), ONE)))
          : mul(y, call(LOG, x.get(0)));
      case EXP -> y;
      case LOG -> div(ONE, x.get(0));
      case SQRT -> div(ONE, mul(constant(2), y));
      case ABS -> call(SIGN, x.get(0));
      case SQUARE -> mul(constant(2), x.get(0));
      case SIN -> call(COS, x.get(0));
      case COS -> neg(call(SIN, x.get(0)));
      case TANH -> sub(ONE, call(SQUARE, y));
      case SIGMOID -> mul(y, sub(ONE, y));
      case RELU -> call(STEP, x.get(0));
      case SOFTPLUS -> call(SIGMOID, x.get(0));
      case STEP, SIGN -> ZERO;
      case LEAKY_RELU -> i == 0
          ? select(positive(x.get(0)), ONE, x.get(1))
          : select(positive(x.get(0)), ZERO, x.get(0));
      case MAX2 -> select(new Cond.OnValues(x.get(0), Cmp.GE, x.get(1)), i == 0 ? ONE : ZERO, i == 0 ? ZERO : ONE);
      case MIN2 -> select(new Cond.OnValues(x.get(0), Cmp.LE, x.get(1)), i == 0 ? ONE : ZERO, i == 0 ? ZERO : ONE);
      case GELU -> geluPrime(x.get(0));
      case SILU -> {
        IExpr s = call(SIGMOID, x.get(0));
        yield mul(s, add(ONE, mul(x.get(0), sub(ONE, s))));
      }
      case ELU -> select(positive(x.get(0)), ONE, add(y, ONE));
      case LOG_SIGMOID -> call(SIGMOID, neg(x.get(0)));
      case ATAN -> div(ONE, add(ONE, mul(x.get(0), x.get(0))));
      case LOG1P -> div(ONE, add(ONE, x.get(0)));
      case EXPM1 -> add(y, ONE);
      case CLAMP -> {
        Cond below = new Cond.OnValues(x.get(0), Cmp.LT, x.get(1));
        Cond above = new Cond.OnValues(x.get(0), Cmp.GT, x.get(2));
        yield switch (i) {
          case 0 -> select(below, ZERO, select(above, ZERO, ONE));
          case 1 -> select(below, ONE, ZERO);
          default -> select(below, ZERO, select(above, ONE, ZERO));
        };
      }
    };
  }

  /**
   * The op in generated Java, in double arithmetic, applied to the argument expressions
   * {@code a}; the runtime's {@code Ops} holds the functions the JDK lacks or has slowly.
   */
  public String java(List<String> a) {
    return switch (this) {
      case ADD -> "(" + a.get(0) + " + " + a.get(1) + ")";
      case SUB -> "(" + a.get(0) + " - " + a.get(1) + ")";
      case MUL -> "(" + a.get(0) + " * " + a.get(1) + ")";
      case DIV -> "(" + a.get(0) + " / " + a.get(1) + ")";
      case NEG -> "(-" + a.get(0) + ")";
      case POW -> "Math.pow(" + a.get(0) + ", " + a.get(1) + ")";
      case ATAN, LOG1P, EXPM1 -> "Math." + name().toLowerCase(java.util.Locale.ROOT) + "(" + a.get(0) + ")";
      case LEAKY_RELU -> "Ops.leakyRelu(" + a.get(0) + ", " + a.get(1) + ")";
      case MAX2 -> "Ops.max2(" + a.get(0) + ", " + a.get(1) + ")";
      case MIN2 -> "Ops.min2(" + a.get(0) + ", " + a.get(1) + ")";
      case LOG_SIGMOID -> "Ops.logSigmoid(" + a.get(0) + ")";
      case CLAMP -> "Ops.clamp(" + a.get(0) + ", " + a.get(1) + ", " + a.get(2) + ")";
      default -> "Ops." + name().toLowerCase(java.util.Locale.ROOT) + "(" + a.get(0) + ")";
    };
  }

  @FunctionalInterface
  private interface Value {
    double of(double[] a);
  }

  public static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  public static double softplus(double x) {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  /**
   * gelu's tanh form, {@code 0.5 x (1 + tanh(k (x + 0.044715 x³)))}, computed as the equal
   * {@code x sigmoid(2k (x + 0.044715 x³))} (as {@code 1 + tanh(u) = 2 sigmoid(2u)}): one
   * exponential and no cancellation where {@code tanh(u)} nears -1 (so it is accurate to the last
   * bits for large negative x, where the tanh form loses them), and about 2x faster on JDK 17.
   */
  public static double gelu(double x) {
    return x * sigmoid(2 * GELU_K * (x + 0.044715 * x * x * x));
  }

  private static Cond positive(IExpr x) {
    return new Cond.OnValues(x, Cmp.GT, ZERO);
  }

  /**
   * {@code s + x s (1 - s) 2k (1 + 3·0.044715 x²)}, {@code s = sigmoid(2k (x + 0.044715 x³))}:
   * the tanh form's {@code 0.5 (1 + t) + 0.5 x (1 - t²) k (1 + 3·0.044715 x²)} with
   * {@code t = 2s - 1}, one sigmoid instead of a tanh (whose JDK 17 call cost twice as much here).
   */
  private static IExpr geluPrime(IExpr x) {
    IExpr x2 = mul(x, x);
    IExpr s = call(SIGMOID, mul(constant(2 * GELU_K), add(x, mul(constant(0.044715), mul(x2, x)))));
    IExpr slope = mul(constant(2 * GELU_K), add(ONE, mul(constant(3 * 0.044715), x2)));
    return add(s, mul(mul(x, mul(s, sub(ONE, s))), slope));
  }
}
