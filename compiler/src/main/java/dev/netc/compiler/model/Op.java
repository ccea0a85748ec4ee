package dev.netc.compiler.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every operation of the language and of the expression DAG. Ops with a {@link #functionName()}
 * are the built-in functions users call by name; the others come from operators, from lowering
 * (e.g. {@link #BROADCAST}) or from differentiation (e.g. {@link #GE}, {@link #ARGMAX_MASK}).
 * Shape rules live in {@code check.ShapeRules}; derivative rules in {@code autodiff.Rules};
 * numeric semantics in {@code graph.Eval}, and emitted Java in {@code emit}.
 */
public enum Op {
  // leaves
  CONST(null, 0),
  INPUT(null, 0),
  TARGET(null, 0),
  PARAM(null, 0),

  // arithmetic (elementwise; same shapes after lowering inserts BROADCAST)
  ADD(null, 2),
  SUB(null, 2),
  MUL(null, 2),
  DIV(null, 2),
  NEG(null, 1),
  /** {@code x ^ c}, the exponent a constant held in the node's attribute. */
  POW(null, 1),
  MATMUL(null, 2),

  // elementwise functions
  SIGMOID("sigmoid", 1),
  TANH("tanh", 1),
  RELU("relu", 1),
  SOFTPLUS("softplus", 1),
  EXP("exp", 1),
  LOG("log", 1),
  SQRT("sqrt", 1),
  ABS("abs", 1),
  SQUARE("square", 1),
  SIN("sin", 1),
  COS("cos", 1),
  /** {@code leaky_relu(x, alpha)}: alpha a constant held in the node's attribute. */
  LEAKY_RELU("leaky_relu", 2),
  STEP("step", 1),
  SIGN("sign", 1),
  MAX("max", 1, 2),
  MIN("min", 1, 2),

  // reductions and linear algebra
  SUM("sum", 1),
  MEAN("mean", 1),
  DOT("dot", 2),
  NORM("norm", 1),
  TRANSPOSE("transpose", 1),
  OUTER("outer", 2),
  SOFTMAX("softmax", 1),
  LOG_SOFTMAX("log_softmax", 1),
  LOGSUMEXP("logsumexp", 1),

  // losses
  MSE("mse", 2),
  CROSS_ENTROPY("cross_entropy", 2),
  SOFTMAX_CROSS_ENTROPY("softmax_cross_entropy", 2),
  BINARY_CROSS_ENTROPY("binary_cross_entropy", 2),
  SIGMOID_BINARY_CROSS_ENTROPY("sigmoid_binary_cross_entropy", 2),
  HINGE("hinge", 2),
  L2("l2", 1),

  // regularization
  /** {@code dropout(x, p)}: p a constant in [0, 1) held in the node's attribute; lowered to {@code x .* DROPOUT_MASK}. */
  DROPOUT("dropout", 2),

  // DAG-only ops (from lowering and differentiation); each is itself differentiable
  /** A scalar repeated to the node's shape. */
  BROADCAST(null, 1),
  /** Elementwise maximum of two same-shaped values (ties to the first). */
  MAX2(null, 2),
  /** Elementwise minimum of two same-shaped values (ties to the first). */
  MIN2(null, 2),
  /** Maximum over all elements: a scalar. */
  MAX_ALL(null, 1),
  /** Minimum over all elements: a scalar. */
  MIN_ALL(null, 1),
  /** {@code a >= b ? 1 : 0}, elementwise; zero derivative. */
  GE(null, 2),
  /** {@code x > 0 ? 1 : alpha}, elementwise (leaky_relu's derivative); zero derivative. */
  LEAKY_STEP(null, 1),
  /** One-hot at the first index attaining the maximum; zero derivative. */
  ARGMAX_MASK(null, 1),
  /** One-hot at the first index attaining the minimum; zero derivative. */
  ARGMIN_MASK(null, 1),
  /** {@code b == 0 ? 0 : a / b} (norm's derivative at 0). */
  DIV_NO_NAN(null, 2),
  /** d hinge / d s: piecewise constant in s, so its own derivative is zero. */
  HINGE_GRAD(null, 2),

  /**
   * The mask of one {@code dropout(x, p)} (p in the attribute), shaped like its input x, whose
   * values it does not read: in training, each element is 0 with probability p, else
   * {@code 1 / (1 - p)}, drawn anew by every forward pass; in evaluation (and in the reference
   * evaluator) all ones. Its name makes each call's mask its own node. Zero derivative.
   */
  DROPOUT_MASK(null, 1),

  /** The same elements in row-major order, in the node's shape ({@code reshape}, {@code flatten}). */
  RESHAPE(null, 1),

  // controlling derivatives (LANGUAGE-2.md); both are the identity on their first input, and the
  // optimizer removes them once reverse mode has run (opt.DerivativeMarkers)
  /** {@code stop_gradient(x)}: the value of x, with a zero derivative. */
  STOP_GRADIENT("stop_gradient", 1),
  /**
   * A call of a def with its own derivative: inputs {@code [body, x, vjp]}, the value that of
   * {@code body}; reverse mode gives x the adjoint {@code vjp} with its {@link #HOLE} replaced by
   * the incoming gradient, and does not differentiate {@code body}.
   */
  CUSTOM_VJP(null, 3),
  /** The incoming gradient {@code g} inside a {@link #CUSTOM_VJP}'s derivative; never evaluated for real (zeros). */
  HOLE(null, 0),
  /**
   * {@code grad(f, v)} in a checked expression: inputs {@code [f, v]}. Lowering replaces it by the
   * adjoint nodes of f for v (autodiff.GradExpression), so it never appears in a DAG.
   */
  GRAD(null, 2),

  // index notation: the node carries its definition (graph.ix)
  /** An index definition: a {@code Comprehension} over the node's inputs. */
  COMPUTE(null, 0, Integer.MAX_VALUE),
  /** An accumulation {@code out[target] += value} (an adjoint without a gather form). */
  SCATTER(null, 0, Integer.MAX_VALUE),
  /** The winners of a max/min {@code Comprehension}: each element's winning reduced point; zero derivative. */
  WINNERS(null, 0, Integer.MAX_VALUE),

  // recurrences (for blocks): the node carries its body (graph.ix.ScanBody)
  /** A {@code for} block: the states after every step and the collected rows, per example. */
  SCAN(null, 0, Integer.MAX_VALUE),
  /** The reverse of a {@code SCAN} (backpropagation through time): the adjoint of each of its inputs. */
  SCAN_BACK(null, 0, Integer.MAX_VALUE),
  /**
   * The adjoint of a SCAN input (attr: its number) that does not depend on the example (a param),
   * summed over the steps; its one input is the SCAN_BACK, whose loop computes it. In generated
   * code it does not depend on the example either: the mean over the batch.
   */
  SCAN_GRAD(null, 1),
  /**
   * A leaf of a checked {@code for} block's body (typed expressions only): slot {@code attr} of its
   * loop ({@code model.Loop}), lowered to the body's {@code INPUT} leaf of that slot.
   */
  STEP_IN(null, 0);

  private final String functionName;
  private final int minArity;
  private final int maxArity;

  Op(String functionName, int arity) {
    this(functionName, arity, arity);
  }

  Op(String functionName, int minArity, int maxArity) {
    this.functionName = functionName;
    this.minArity = minArity;
    this.maxArity = maxArity;
  }

  /** The name users call this function by, or null for operators and DAG-only ops. */
  public String functionName() {
    return functionName;
  }

  public int minArity() {
    return minArity;
  }

  public int maxArity() {
    return maxArity;
  }

  /**
   * A call of this function as users write it, with its arguments named for what they take
   * ({@code dot(x, y)}, {@code leaky_relu(x, 0.01)}, {@code mse(y, t)}): E024's hint. Null for
   * ops that are not functions.
   */
  public String exampleCall() {
    if (functionName == null) {
      return null;
    }
    return switch (this) {
      case LEAKY_RELU -> "leaky_relu(x, 0.01)";
      case DROPOUT -> "dropout(x, 0.5)";
      case MAX, MIN -> functionName + "(x) or " + functionName + "(x, y)";
      case MSE, CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY, BINARY_CROSS_ENTROPY, SIGMOID_BINARY_CROSS_ENTROPY, HINGE ->
          functionName + "(y, t)";
      default -> minArity == 1 ? functionName + "(x)" : functionName + "(x, y)";
    };
  }

  /** The built-in function called {@code name}, if any. */
  public static Optional<Op> function(String name) {
    return Arrays.stream(values()).filter(o -> name.equals(o.functionName)).findFirst();
  }
}
