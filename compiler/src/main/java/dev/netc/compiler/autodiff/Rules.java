package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The table from op to derivative rule, filled by family (after JAX's {@code ad.py}): linear
 * ops, bilinear ops, zero-derivative ops, elementwise ops whose derivative is a function of
 * their input or of their own output, reductions, and the losses' stable rules. Each rule states
 * the math it builds in a line; conventions at kinks are the spec's.
 */
public final class Rules {
  private final Map<Op, Rule> table = new EnumMap<>(Op.class);

  private Rules() {}

  /** The complete table: a rule for every op that can appear in a differentiated DAG. */
  public static Rules standard() {
    Rules r = new Rules();
    LinearRules.register(r);
    ElementwiseRules.register(r);
    ReductionRules.register(r);
    LossRules.register(r);
    IndexRules.register(r);
    ControlRules.register(r);
    ScanRules.register(r);
    return r;
  }

  /** A copy without the rule for {@code op} (to test the diagnostic for a missing rule). */
  public Rules without(Op op) {
    Rules r = new Rules();
    r.table.putAll(table);
    r.table.remove(op);
    return r;
  }

  public Optional<Rule> rule(Op op) {
    return Optional.ofNullable(table.get(op));
  }

  void put(Op op, Rule rule) {
    if (table.put(op, rule) != null) {
      throw new IllegalStateException("two rules for " + op);
    }
  }

  /** Zero-derivative family: piecewise-constant ops pass no gradient to any argument. */
  void zero(Op... ops) {
    for (Op op : ops) {
      put(op, (b, y, i, g) -> null);
    }
  }

  /** Elementwise unary family: {@code dx = g .* f'(x, y)}, with f' built by {@code derivative}. */
  void unary(Op op, Derivative derivative) {
    put(op, (b, y, i, g) -> b.mul(g, derivative.of(b, y.input(0), y)));
  }

  /** The local derivative of an elementwise unary op, from its input {@code x} and output {@code y}. */
  @FunctionalInterface
  interface Derivative {
    Node of(GraphBuilder b, Node x, Node y);
  }
}
