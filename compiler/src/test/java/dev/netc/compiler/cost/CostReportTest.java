package dev.netc.compiler.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FLOPs against hand counts (the rules in {@link Cost} and docs/tools.md). */
public class CostReportTest {
  public static final String MLP = """
      network Mlp {
          input  x[784]
          target y[10]
          param  W1[128, 784] init he
          param  b1[128]
          param  W2[10, 128]
          param  b2[10]
          h = relu(W1 * x + b1)
          o = W2 * h + b2
          output o
          loss = softmax_cross_entropy(o, y)
      }
      """;

  static Dag dag(String source) {
    Compilation c = Compilation.of(List.of(new SourceFile("t.net", source)), "");
    assertTrue(!c.hasErrors(), () -> c.diagnostics().all().toString());
    return c.dags().get(0);
  }

  /** Forward: the two products at 2 FLOPs a multiply-add, 128 adds and 128 relus, 10 adds. */
  static final long PREDICT = 2L * (784 * 128 + 128 * 10) + 128 + 128 + 10;
  /** softmax_cross_entropy of 10 values: 7n + 2. */
  static final long LOSS = PREDICT + 7 * 10 + 2;

  @Test
  void mlpHandCounts() {
    CostReport r = CostReport.of(dag(MLP), false, 1);
    assertEquals(784 * 128 + 128 + 128 * 10 + 10, r.params());
    assertEquals(PREDICT, r.methods().get("predict").batchFlops(), r::table);
    assertEquals(LOSS, r.methods().get("loss").batchFlops(), r::table);
    // the backward pass holds at least dW1 and dW2 (an outer product summed over the batch: a
    // multiply-add per element) and W2^T d
    long grad = r.methods().get("lossAndGradient").batchFlops();
    assertTrue(grad >= LOSS + 2L * (128 * 784 + 10 * 128) + 2L * 10 * 128, r::table);
    assertTrue(r.gradientRatio() >= 2 && r.gradientRatio() <= 4, r::table);
    assertEquals(8L * r.params(), r.methods().get("lossAndGradient").paramBytes());
    assertEquals(8L * r.params(), r.methods().get("predict").paramBytes());
    assertTrue(r.methods().get("predict").workspaceBytes() > 0, r::table);
    // the input gradient also needs W1^T d: 2 * 784 * 128 more than loss
    assertTrue(r.methods().get("inputGradient").batchFlops() >= LOSS + 2L * 784 * 128, r::table);
  }

  @Test
  void floatHalvesTheBytesAndKeepsTheFlops() {
    CostReport d = CostReport.of(dag(MLP), false, 32);
    CostReport f = CostReport.of(dag(MLP), true, 32);
    for (String m : d.methods().keySet()) {
      assertEquals(d.methods().get(m).batchFlops(), f.methods().get(m).batchFlops());
      assertEquals(d.methods().get(m).paramBytes(), 2 * f.methods().get(m).paramBytes());
      assertEquals(d.methods().get(m).workspaceBytes(), 2 * f.methods().get(m).workspaceBytes());
    }
    // every node of this network depends on the example: per-example FLOPs do not depend on the batch
    assertEquals(PREDICT, d.methods().get("predict").flops(), 0);
    assertEquals(32 * PREDICT, d.methods().get("predict").batchFlops());
  }

  /** A regularizer of the params is computed once per call: its FLOPs per example shrink with the batch. */
  @Test
  void batchIndependentWorkIsSharedByTheBatch() {
    String net = MLP.replace("loss = softmax_cross_entropy(o, y)", "loss = softmax_cross_entropy(o, y) + l2(W2)");
    Dag dag = dag(net);
    long one = CostReport.of(dag, false, 1).methods().get("loss").batchFlops();
    long many = CostReport.of(dag, false, 4).methods().get("loss").batchFlops();
    long perExample = LOSS + 1; // the sum of the two
    long shared = one - perExample;
    assertTrue(shared >= 10 * 128, () -> "l2 of 1,280 values costs " + shared);
    assertEquals(4 * perExample + shared, many);
  }

  /** An index definition costs its body's ops plus the reduction's add, times its iteration count. */
  @Test
  void indexDefinitionMatchesTheMatrixProduct() {
    String written = """
        network Written {
            input x[30]
            param W[20, 30]
            y[i] = sum(j) W[i, j] * x[j]
            output y
        }
        """;
    String product = """
        network Product {
            input x[30]
            param W[20, 30]
            y = W * x
            output y
        }
        """;
    long a = CostReport.of(dag(written), false, 1).methods().get("predict").batchFlops();
    long b = CostReport.of(dag(product), false, 1).methods().get("predict").batchFlops();
    assertEquals(2 * 20 * 30, a);
    assertEquals(2 * 20 * 30, b);
    String guarded = """
        network Guarded {
            input A[5, 5]
            y[i, j] = select(j <= i, exp(A[i, j]) * 2, 0)
            output y
        }
        """;
    // exp and a multiply in the dearer branch, over 25 points; the index comparison is free
    assertEquals(2 * 25, CostReport.of(dag(guarded), false, 1).methods().get("predict").batchFlops());
  }
}
