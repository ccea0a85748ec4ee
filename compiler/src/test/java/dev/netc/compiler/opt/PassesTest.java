package dev.netc.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.DagDump;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each pass twice: an exact structural assertion on a tiny input, and a property over random
 * networks that the pass (and the whole optimizer) changes no number: outputs, loss and every
 * gradient evaluate exactly as before (within 1e-12 relative), and the node count never grows.
 */
class PassesTest {
  static Dag lower(String body) {
    return Lowering.lower(Nets.check("network T {\n" + body + "\n}\n"));
  }

  static List<Op> ops(Dag dag) {
    return dag.nodes().stream().map(Node::op).toList();
  }

  // ---- constant folding --------------------------------------------------------------------

  @Test
  void constantFoldingTurnsTwoTimesThreeIntoSix() {
    Dag dag = new ConstantFolding().run(lower("input k\nloss = 2 * 3 + k"));
    Node loss = dag.loss();
    assertEquals(Op.ADD, loss.op());
    assertEquals(Op.CONST, loss.input(0).op());
    assertEquals(6.0, loss.input(0).attr());
    assertEquals(Op.INPUT, loss.input(1).op());
    assertFalse(Dag.closure(dag.nodes(), List.of(loss)).stream().anyMatch(n -> n.op() == Op.MUL));
  }

  @Test
  void constantFoldingLeavesNonConstantsAndNonScalarsAlone() {
    Dag before = lower("input k[2]\nloss = sum(k * (1 + 1))");
    Dag after = new ConstantFolding().run(before);
    // 1 + 1 folds; the product with the vector k does not
    assertTrue(after.nodes().stream().anyMatch(n -> n.op() == Op.CONST && n.attr() == 2.0));
    assertEquals(Op.SUM, after.loss().op());
    assertEquals(Op.MUL, after.loss().input(0).op());
    assertEquals(before.nodes().size(), after.nodes().size());
  }

  // ---- algebraic simplification ------------------------------------------------------------

  @Test
  void timesOneAndPlusZeroDisappear() {
    Dag dag = new AlgebraicSimplification().run(lower("input x[3]\nloss = sum(x * 1 + 0)"));
    assertEquals(Op.SUM, dag.loss().op());
    assertEquals(Op.INPUT, dag.loss().input(0).op());
    assertEquals("x", dag.loss().input(0).name());
  }

  @Test
  void doubleNegationDisappears() {
    Dag dag = new AlgebraicSimplification().run(lower("input x[3]\nloss = sum(-(-x))"));
    assertEquals(Op.SUM, dag.loss().op());
    assertEquals(Op.INPUT, dag.loss().input(0).op());
  }

  @Test
  void timesZeroIsNotSimplified() {
    // x * 0 is NaN for x = NaN or infinity, so it must stay a product
    Dag dag = Optimizer.optimize(lower("input x[3]\nloss = sum(x * 0)"));
    Node product = dag.loss().input(0);
    assertEquals(Op.MUL, product.op());
    assertEquals(Op.INPUT, product.input(0).op());
    assertTrue(product.input(1).isConstant(0));
    double[] nan = {Double.NaN, 1, Double.POSITIVE_INFINITY};
    assertTrue(Double.isNaN(Eval.run(dag.nodes(), Map.of("x", nan)).get(dag.loss())[0]));
  }

  @Test
  void timesMinusOneIsNegationAndTransposeTwiceIsIdentity() {
    // -1 is NEG(1) in source; constant folding makes it the constant -1 first
    Dag dag = new AlgebraicSimplification().run(new ConstantFolding().run(
        lower("input A[2, 3]\nloss = sum(transpose(transpose(A)) * -1)")));
    Node neg = dag.loss().input(0);
    assertEquals(Op.NEG, neg.op());
    assertEquals(Op.INPUT, neg.input(0).op());
  }

  // ---- common-subexpression elimination ----------------------------------------------------

  @Test
  void cseMergesEqualSubtreesBuiltWithoutSharing() {
    Network net = Nets.check("network T {\n input x[2]\n loss = sum(tanh(x)) + sum(tanh(x))\n}\n");
    GraphBuilder b = new GraphBuilder(false);
    Node x = b.leaf(Op.INPUT, "x", Shape.vector(2), Pos.NONE);
    Node loss = b.add(b.sum(b.unary(Op.TANH, x)), b.sum(b.unary(Op.TANH, x)));
    Dag dag = new Dag(net, b.nodes(), Map.of(), loss, Map.of(), Map.of());
    assertEquals(List.of(Op.INPUT, Op.TANH, Op.SUM, Op.TANH, Op.SUM, Op.ADD), ops(dag));

    Dag merged = new CommonSubexpressionElimination().run(dag);
    assertEquals(List.of(Op.INPUT, Op.TANH, Op.SUM, Op.ADD), ops(merged));
    assertSame(merged.loss().input(0), merged.loss().input(1));
  }

  @Test
  void cseKeepsDifferentAttributesApart() {
    Network net = Nets.check("network T {\n input x[2]\n loss = sum(x ^ 2) + sum(x ^ 3)\n}\n");
    GraphBuilder b = new GraphBuilder(false);
    Node x = b.leaf(Op.INPUT, "x", Shape.vector(2), Pos.NONE);
    Node loss = b.add(b.sum(b.unary(Op.POW, x, 2)), b.sum(b.unary(Op.POW, x, 3)));
    Dag dag = new CommonSubexpressionElimination().run(new Dag(net, b.nodes(), Map.of(), loss, Map.of(), Map.of()));
    assertEquals(List.of(Op.INPUT, Op.POW, Op.SUM, Op.POW, Op.SUM, Op.ADD), ops(dag));
  }

  // ---- dead-code elimination ---------------------------------------------------------------

  @Test
  void dceDropsAnUnusedBranchButKeepsDeclarations() {
    Dag before = lower("input x[2]\nparam unused[3]\nu = exp(x)\nloss = sum(x)");
    assertTrue(ops(before).contains(Op.EXP));
    Dag after = new DeadCodeElimination().run(before);
    assertEquals(List.of(Op.INPUT, Op.PARAM, Op.SUM), ops(after));
  }

  // ---- scatter fusion ----------------------------------------------------------------------

  static final String POOLED_RELU = "network T {\n input x[2, 8, 8]\n target y[4]\n param K[3, 2, 3, 3]\n"
      + " param W[4, 27]\n h = max_pool2d(relu(conv2d(x, K)), 2)\n z = W * flatten(h)\n output z\n"
      + " loss = softmax_cross_entropy(z, y)\n}\n";

  /**
   * The gradient through relu of a max pooling's gradient: the product with {@code step} is gone,
   * read inside the pooling's scatter instead, and every root keeps its value (a zero's sign
   * aside, which {@link #assertSameNumbers} does not tell apart) for random inputs and params.
   */
  @Test
  void scatterFusionMovesReluGradientIntoThePoolingsScatter() {
    Dag raw = Nets.differentiate(POOLED_RELU);
    Dag after = new ScatterFusion().run(raw);
    Dag optimized = Optimizer.optimize(raw);
    for (Dag d : List.of(after, optimized)) {
      assertFalse(Dag.closure(d.nodes(), d.roots()).stream().anyMatch(n -> n.op() == Op.MUL
          && n.inputs().stream().anyMatch(i -> i.op() == Op.STEP)), DagDump.dump(d));
      assertTrue(Dag.closure(d.nodes(), d.roots()).stream().anyMatch(n -> n.op() == Op.SCATTER
          && n.ix().toString().contains("step")), DagDump.dump(d));
    }
    Network net = Nets.check(POOLED_RELU);
    for (long seed = 1; seed <= 20; seed++) {
      Map<String, double[]> values = RandomNetworks.values(net, seed);
      List<double[]> expected = rootValues(raw, values);
      for (Dag d : List.of(after, optimized)) {
        List<double[]> actual = rootValues(d, values);
        for (int i = 0; i < expected.size(); i++) {
          assertSameNumbers(expected.get(i), actual.get(i), "root " + i + ", seed " + seed);
        }
      }
    }
  }

  // ---- the whole optimizer, as a dump ------------------------------------------------------

  @Test
  void optimizerDumpOfATinyNetwork() {
    Dag dag = Optimizer.optimize(Nets.differentiate("network T {\n input x[3]\n loss = sum(x * 1 + 0)\n}\n"));
    assertEquals("""
        network T
          %0    input x        [3]                        ; line 2
          %1    const 1.0      scalar                     ; line 3
          %2    broadcast      [3]       %1               ; line 3
          %3    sum            scalar    %0               ; line 3
          loss = %3
          d loss/d x = %2
        """, DagDump.dump(dag).replace("\r\n", "\n"));
  }

  // ---- properties: no pass changes a number ------------------------------------------------

  static final List<Pass> PASSES = List.of(new ConstantFolding(), new AlgebraicSimplification(),
      new CommonSubexpressionElimination(), new ScatterFusion(), new DeadCodeElimination());

  @Test
  void everyPassAndTheOptimizerKeepEveryValue() {
    AtomicInteger compared = new AtomicInteger();
    qt().withExamples(300).withFixedSeed(20260303L).forAll(longs().between(0, Long.MAX_VALUE / 2)).checkAssert(seed -> {
      RandomNetworks.Generated g = RandomNetworks.generate(seed, 40);
      Network net = Nets.check(g.source());
      Dag raw = Nets.differentiate(g.source());
      Map<String, double[]> values = RandomNetworks.values(net, seed);
      List<double[]> expected = rootValues(raw, values);
      List<Pass> all = new ArrayList<>(PASSES);
      all.add(new Pass() {
        @Override
        public String name() {
          return "optimizer";
        }

        @Override
        public Dag run(Dag dag) {
          return Optimizer.optimize(dag);
        }
      });
      for (Pass p : all) {
        Dag after = p.run(raw);
        String where = p.name() + " on " + g.name() + "\n" + g.source();
        assertTrue(after.nodes().size() <= raw.nodes().size(), "grew: " + where);
        assertEquals(raw.outputs().keySet(), after.outputs().keySet(), where);
        assertEquals(raw.paramGradients().keySet(), after.paramGradients().keySet(), where);
        assertEquals(raw.inputGradients().keySet(), after.inputGradients().keySet(), where);
        List<double[]> actual = rootValues(after, values);
        for (int i = 0; i < expected.size(); i++) {
          assertSameNumbers(expected.get(i), actual.get(i), "root " + i + " after " + where);
        }
        compared.incrementAndGet();
      }
    });
    System.out.println("passes: " + compared + " optimized DAGs compared with the unoptimized ones");
  }

  @Test
  void theOptimizerShrinksDifferentiatedDags() {
    int before = 0;
    int after = 0;
    for (long seed = 0; seed < 200; seed++) {
      Dag raw = Nets.differentiate(RandomNetworks.generate(seed, 40).source());
      before += raw.nodes().size();
      after += Optimizer.optimize(raw).nodes().size();
    }
    System.out.printf("optimizer: %d nodes before, %d after (%.0f%%)%n", before, after, 100.0 * after / before);
    assertTrue(after < before, before + " -> " + after);
  }

  /** The values of outputs, loss, param gradients and input gradients, in that order. */
  static List<double[]> rootValues(Dag dag, Map<String, double[]> values) {
    Map<Node, double[]> v = Eval.run(dag.nodes(), values);
    List<double[]> out = new ArrayList<>();
    dag.outputs().values().forEach(n -> out.add(v.get(n)));
    out.add(v.get(dag.loss()));
    dag.paramGradients().values().forEach(n -> out.add(v.get(n)));
    dag.inputGradients().values().forEach(n -> out.add(v.get(n)));
    return out;
  }

  static void assertSameNumbers(double[] expected, double[] actual, String where) {
    assertEquals(expected.length, actual.length, where);
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      boolean same = Double.compare(e, a) == 0 || e == a
          || Math.abs(e - a) <= 1e-12 * Math.max(Math.abs(e), Math.abs(a));
      assertTrue(same, where + "\n[" + i + "]: " + e + " became " + a);
    }
  }
}
