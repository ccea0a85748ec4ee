package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Kinks;
import dev.netc.compiler.testing.Nets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op and function of the spec, one row each: random shapes (sizes 1..6), random values from
 * the op's valid domain kept away from kinks, and the gradient through the reference evaluator
 * against central finite differences, in at least 200 cases per op.
 *
 * <p>Tolerances (docs/autodiff.md): absolute 1e-7 or relative 1e-5 for every op; central
 * differences with step 1e-6 * max(1, |x|) have truncation error O(h^2 f''') and rounding error
 * O(eps |f| / h), both under these bounds for the domains below.
 */
class OpGradientTest {
  static final int CASES = 200;
  static final double ABS_TOL = 1e-7;
  static final double REL_TOL = 1e-5;

  /** How one case is made: the inputs' declarations, and the expression under test. */
  record Case(String name, Function<Random, Instance> make) {}

  /** One instance: declarations of inputs a, b (and their shapes), and the expression. */
  record Instance(String decls, String expr, String resultShape, Map<String, double[]> values) {}

  static final List<Case> CASES_TABLE = List.of(
      unary("add", "a + b", Dom.REAL, true),
      unary("sub", "a - b", Dom.REAL, true),
      unary("scale", "a * s", Dom.REAL, false),
      unary("hadamard", "a .* b", Dom.REAL, true),
      unary("hadamard-unicode", "a \u2299 b", Dom.REAL, true),
      unary("div", "a / b", Dom.AWAY_FROM_ZERO, true),
      unary("neg", "-a", Dom.REAL, false),
      unary("pow-int", "a ^ 3", Dom.REAL, false),
      unary("pow-frac", "a ^ 1.5", Dom.POSITIVE, false),
      unary("pow-neg", "a ^ -2", Dom.AWAY_FROM_ZERO, false),
      unary("sigmoid", "sigmoid(a)", Dom.REAL, false),
      unary("tanh", "tanh(a)", Dom.REAL, false),
      unary("relu", "relu(a)", Dom.AWAY_FROM_ZERO, false),
      unary("softplus", "softplus(a)", Dom.REAL, false),
      unary("exp", "exp(a)", Dom.REAL, false),
      unary("log", "log(a)", Dom.POSITIVE, false),
      unary("sqrt", "sqrt(a)", Dom.POSITIVE, false),
      unary("abs", "abs(a)", Dom.AWAY_FROM_ZERO, false),
      unary("square", "square(a)", Dom.REAL, false),
      unary("sin", "sin(a)", Dom.REAL, false),
      unary("cos", "cos(a)", Dom.REAL, false),
      unary("leaky_relu", "leaky_relu(a, 0.01)", Dom.AWAY_FROM_ZERO, false),
      unary("dropout", "dropout(a, 0.5) .* a", Dom.REAL, false), // evaluation mode: the identity
      unary("step", "step(a) .* a", Dom.AWAY_FROM_ZERO, false),
      // its argument's derivative is zero here, so the rule's zero agrees with finite differences
      unary("stop_gradient", "stop_gradient(sign(a)) .* a", Dom.AWAY_FROM_ZERO, false),
      unary("sign", "sign(a) .* square(a)", Dom.AWAY_FROM_ZERO, false),
      unary("max2", "max(a, b)", Dom.REAL, true),
      unary("min2", "min(a, b)", Dom.REAL, true),
      unary("max2-scalar", "max(a, s)", Dom.REAL, false),
      unary("sum", "sum(a)", Dom.REAL, false),
      unary("mean", "mean(a)", Dom.REAL, false),
      unary("max", "max(a)", Dom.REAL, false),
      unary("min", "min(a)", Dom.REAL, false),
      unary("norm", "norm(a)", Dom.REAL, false),
      unary("l2", "l2(a)", Dom.REAL, false),
      unary("mse", "mse(a, b)", Dom.REAL, true),
      unary("binary_cross_entropy", "binary_cross_entropy(a, b)", Dom.PROBABILITY, true),
      unary("sigmoid_binary_cross_entropy", "sigmoid_binary_cross_entropy(a, b)", Dom.REAL, true),
      unary("cross_entropy", "cross_entropy(a, b)", Dom.PROBABILITY, true),
      vector("dot", "dot(a, b)", true),
      vector("softmax", "softmax(a)", false),
      vector("log_softmax", "log_softmax(a)", false),
      vector("logsumexp", "logsumexp(a)", false),
      vector("softmax_cross_entropy", "softmax_cross_entropy(a, b)", true),
      vector("hinge", "hinge(a, b)", true),
      new Case("outer", r -> {
        int m = size(r);
        int n = size(r);
        return instance(r, "input a[" + m + "], b[" + n + "]", "outer(a, b)", "[" + m + ", " + n + "]",
            Map.of("a", m, "b", n), Dom.REAL);
      }),
      new Case("transpose", r -> {
        int m = size(r);
        int n = size(r);
        return instance(r, "input a[" + m + ", " + n + "]", "transpose(a)", "[" + n + ", " + m + "]",
            Map.of("a", m * n), Dom.REAL);
      }),
      new Case("matmul", r -> {
        int m = size(r);
        int k = size(r);
        int n = size(r);
        return instance(r, "input a[" + m + ", " + k + "], b[" + k + ", " + n + "]", "a * b", "[" + m + ", " + n + "]",
            Map.of("a", m * k, "b", k * n), Dom.REAL);
      }),
      new Case("matvec", r -> {
        int m = size(r);
        int k = size(r);
        return instance(r, "input a[" + m + ", " + k + "], b[" + k + "]", "a * b", "[" + m + "]",
            Map.of("a", m * k, "b", k), Dom.REAL);
      }));

  enum Dom {
    REAL, POSITIVE, AWAY_FROM_ZERO, PROBABILITY;

    double sample(Random r) {
      return switch (this) {
        case REAL -> r.nextGaussian();
        case POSITIVE -> 0.2 + 2.5 * r.nextDouble();
        case AWAY_FROM_ZERO -> (r.nextBoolean() ? 1 : -1) * (0.2 + 2 * r.nextDouble());
        case PROBABILITY -> 0.05 + 0.9 * r.nextDouble();
      };
    }
  }

  static int size(Random r) {
    return 1 + r.nextInt(6);
  }

  static String shape(Random r) {
    return switch (r.nextInt(3)) {
      case 0 -> "";
      case 1 -> "[" + size(r) + "]";
      default -> "[" + size(r) + ", " + size(r) + "]";
    };
  }

  static int count(String shape) {
    if (shape.isEmpty()) {
      return 1;
    }
    int n = 1;
    for (String d : shape.substring(1, shape.length() - 1).split(",")) {
      n *= Integer.parseInt(d.trim());
    }
    return n;
  }

  /** An op on a random shape; {@code twoInputs} adds b of the same shape; s is a scalar input. */
  static Case unary(String name, String expr, Dom dom, boolean twoInputs) {
    return new Case(name, r -> {
      String s = shape(r);
      String decls = "input a" + s + (twoInputs ? ", b" + s : "") + ", s";
      Map<String, Integer> sizes = new LinkedHashMap<>();
      sizes.put("a", count(s));
      if (twoInputs) {
        sizes.put("b", count(s));
      }
      sizes.put("s", 1);
      return instance(r, decls, expr, resultShapeOf(name, s), sizes, dom);
    });
  }

  static String resultShapeOf(String name, String s) {
    return Set.of("sum", "mean", "max", "min", "norm", "l2", "mse", "binary_cross_entropy",
        "sigmoid_binary_cross_entropy", "cross_entropy").contains(name) ? "" : s;
  }

  static Case vector(String name, String expr, boolean twoInputs) {
    return new Case(name, r -> {
      int n = size(r);
      String decls = "input a[" + n + "]" + (twoInputs ? ", b[" + n + "]" : "");
      Map<String, Integer> sizes = new LinkedHashMap<>();
      sizes.put("a", n);
      if (twoInputs) {
        sizes.put("b", n);
      }
      String result = Set.of("softmax", "log_softmax").contains(name) ? "[" + n + "]" : "";
      return instance(r, decls, expr, result, sizes, Dom.REAL);
    });
  }

  static Instance instance(Random r, String decls, String expr, String result, Map<String, Integer> sizes, Dom dom) {
    Map<String, double[]> values = new LinkedHashMap<>();
    sizes.forEach((k, n) -> {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = dom.sample(r);
      }
      values.put(k, v);
    });
    double[] w = new double[count(result)];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextGaussian();
    }
    values.put("w", w);
    return new Instance(decls, expr, result, values);
  }

  /** The network that checks one instance: a random weighting of the result, summed. */
  static String source(Instance in) {
    String loss = in.resultShape().isEmpty() ? "(" + in.expr() + ") * w" : "sum((" + in.expr() + ") .* w)";
    return "network T {\n  " + in.decls() + "\n  target w" + in.resultShape() + "\n  loss = " + loss + "\n}\n";
  }

  @TestFactory
  Stream<DynamicTest> everyOpAgreesWithFiniteDifferences() {
    return CASES_TABLE.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(Case c) {
    AtomicInteger checked = new AtomicInteger();
    AtomicInteger skipped = new AtomicInteger();
    qt().withExamples(CASES).withFixedSeed(c.name().hashCode()).forAll(longs().all()).checkAssert(seed -> {
      Random r = new Random(seed);
      Instance in = c.make().apply(r);
      String src = source(in);
      Dag dag = Nets.differentiate(src);
      for (int attempt = 0; attempt < 50 && !Kinks.safe(dag, in.values(), 1e-3); attempt++) {
        in = c.make().apply(new Random(r.nextLong()));
        src = source(in);
        dag = Nets.differentiate(src);
      }
      if (!Kinks.safe(dag, in.values(), 1e-3)) {
        skipped.incrementAndGet();
        return;
      }
      String mismatch = GradCheck.firstMismatch(dag, in.values(), ABS_TOL, REL_TOL);
      String where = src + "\nat " + describe(in.values());
      assertEquals(null, mismatch, where);
      checked.incrementAndGet();
    });
    assertTrue(checked.get() >= CASES - 2, c.name() + ": only " + checked.get() + " cases checked, " + skipped + " skipped");
  }

  static String describe(Map<String, double[]> values) {
    StringBuilder b = new StringBuilder();
    values.forEach((k, v) -> b.append(k).append('=').append(java.util.Arrays.toString(v)).append(' '));
    return b.toString();
  }

  @Test
  void tableCoversEveryFunctionOfTheSpec() {
    Set<Op> functions = EnumSet.noneOf(Op.class);
    for (Op op : Op.values()) {
      if (op.functionName() != null) {
        functions.add(op);
      }
    }
    List<String> exprs = new ArrayList<>();
    for (Case c : CASES_TABLE) {
      exprs.add(c.make().apply(new Random(1)).expr());
    }
    for (Op f : functions) {
      assertTrue(exprs.stream().anyMatch(e -> e.contains(f.functionName() + "(")), "no case for " + f.functionName());
    }
  }
}
