package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.testing.Nets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backprop's whole point: for a chain of N layers {@code h_i = tanh(W_i * h_{i-1} + b_i)}, the
 * differentiated, optimized DAG has O(N) nodes (each layer's adjoint is built once from the
 * next layer's), where naive symbolic differentiation would grow quadratically.
 */
class GrowthTest {
  static final int WIDTH = 8;

  static String chain(int layers) {
    StringBuilder s = new StringBuilder("network Chain {\n    input x[" + WIDTH + "]\n    target y[" + WIDTH + "]\n");
    String previous = "x";
    for (int i = 1; i <= layers; i++) {
      s.append("    param W").append(i).append('[').append(WIDTH).append(", ").append(WIDTH).append("]\n");
      s.append("    param b").append(i).append('[').append(WIDTH).append("]\n");
      s.append("    h").append(i).append(" = tanh(W").append(i).append(" * ").append(previous).append(" + b").append(i).append(")\n");
      previous = "h" + i;
    }
    return s.append("    loss = mse(").append(previous).append(", y)\n}\n").toString();
  }

  static Dag differentiated(int layers) {
    Diagnostics d = new Diagnostics();
    return Compilation.differentiated(Nets.check(chain(layers)), new ReverseMode(Rules.standard()), d)
        .orElseThrow(() -> new AssertionError(d.all()));
  }

  @Test
  void gradientDagGrowsLinearlyWithDepth() {
    Map<Integer, Integer> nodes = new LinkedHashMap<>();
    for (int n : List.of(10, 100, 1000)) {
      long start = System.nanoTime();
      Dag dag = differentiated(n);
      assertEquals(2 * n, dag.paramGradients().size());
      nodes.put(n, dag.nodes().size());
      System.out.printf("chain of %4d tanh layers: %6d nodes (%.1f per layer), differentiated and optimized in %d ms%n",
          n, dag.nodes().size(), dag.nodes().size() / (double) n, (System.nanoTime() - start) / 1_000_000);
    }
    for (Map.Entry<Integer, Integer> e : nodes.entrySet()) {
      assertTrue(e.getValue() <= 20.0 * e.getKey(), e.getKey() + " layers: " + e.getValue() + " nodes");
    }
    double ratio = nodes.get(1000) / (double) nodes.get(100);
    assertTrue(ratio > 9 && ratio < 11, "nodes(1000)/nodes(100) = " + ratio + ", not about 10");
    double small = nodes.get(100) / (double) nodes.get(10);
    assertTrue(small > 8 && small < 11, "nodes(100)/nodes(10) = " + small);
  }

  @Test
  void eachLayerCostsTheSameNumberOfNodes() {
    // the marginal cost of a layer is a constant: forward matmul, add, tanh; backward the
    // tanh derivative, the two products for dW and dh, and dh's sum
    int perLayer = differentiated(11).nodes().size() - differentiated(10).nodes().size();
    assertEquals(perLayer, differentiated(101).nodes().size() - differentiated(100).nodes().size());
    assertTrue(perLayer <= 15, "a layer costs " + perLayer + " nodes");
  }

  @Test
  void everyWeightGradientIsAnOuterProduct() {
    Dag dag = differentiated(5);
    for (int i = 1; i <= 5; i++) {
      Node dW = dag.paramGradients().get("W" + i);
      assertEquals(dev.netc.compiler.model.Op.OUTER, dW.op(), "dW" + i);
    }
  }
}
