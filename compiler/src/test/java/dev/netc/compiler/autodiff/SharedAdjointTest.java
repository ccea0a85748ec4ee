package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.ops.Scalar;
import dev.netc.compiler.testing.Nets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IndexRules.throughShared: in {@code f[t, j] = gelu(b[j] + h[t, j])} the bias's gradient is the
 * sum over {@code t} of the node that is {@code h}'s adjoint, so gelu's derivative is computed
 * once per point, not once for {@code h} and again inside {@code b}'s sum. The gradients' values
 * are checked against central differences and the generated classes by
 * IndexGradientPropertiesTest.sharedPointwiseAdjointGradients.
 */
class SharedAdjointTest {
  static final String SRC = """
      network M {
        input x[16, 8]
        param W[32, 8]
        param b[32]
        param c[16]
        target y[16, 32]
        h[t, j] = sum(d) W[j, d] * x[t, d]
        f[t, j] = gelu(b[j] + h[t, j])
        g[t, j] = log_sigmoid(c[t] * b[j] + h[t, j])
        loss = sum(f .* y) + sum(g .* y)
      }
      """;

  @Test
  void aBroadcastReadSumsTheAdjointAtThePoint() {
    Dag dag = Nets.differentiate(SRC.replace(" + sum(g .* y)", ""));
    Node db = dag.paramGradients().get("b");
    assertEquals(Op.COMPUTE, db.op(), db.toString());
    assertEquals(1, db.inputs().size(), "b's gradient reads one tensor");
    Node p = db.inputs().get(0);
    assertTrue(IndexRules.costly(((Comprehension) p.ix()).body()), "the tensor it sums holds gelu's derivative");
    assertFalse(IndexRules.costly(((Comprehension) db.ix()).body()), "b's own sum only adds");
    assertTrue(Dag.closure(dag.nodes(), List.of(dag.paramGradients().get("W"))).contains(p),
        "the same node is on W's path, through h's adjoint");
    assertEquals(1, applying(dag, Scalar.SIGMOID), "gelu's derivative (through a sigmoid) is computed by one node");
  }

  /**
   * {@code log_sigmoid(c[t] * b[j] + h[t, j])}: each broadcast read's partial carries the other
   * factor, so neither equals the point's, and each keeps its own sum.
   */
  @Test
  void differentPartialsKeepTheirOwnSums() {
    Dag dag = Nets.differentiate(SRC.replace("sum(f .* y) + ", ""));
    for (String name : List.of("b", "c")) {
      Node d = dag.paramGradients().get(name);
      assertTrue(IndexRules.costly(((Comprehension) d.ix()).body()), name + "'s gradient computes log_sigmoid' itself");
    }
    assertEquals(3, applying(dag, Scalar.SIGMOID), "log_sigmoid' (a sigmoid) in b's, c's and h's adjoints");
  }

  /** The nodes reachable from the gradients whose index body applies {@code op}. */
  private static long applying(Dag dag, Scalar op) {
    List<Node> reach = Dag.closure(dag.nodes(), dag.roots());
    return reach.stream().filter(n -> n.ix() instanceof Comprehension c && applies(c.body(), op)).count();
  }

  private static boolean applies(IExpr e, Scalar op) {
    if (e instanceof IExpr.Apply a) {
      return a.op() == op || a.args().stream().anyMatch(x -> applies(x, op));
    } else if (e instanceof IExpr.Select s) {
      return applies(s.then(), op) || applies(s.otherwise(), op);
    }
    return false;
  }
}
