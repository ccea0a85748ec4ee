package dev.netc.compiler.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.autodiff.Adjoints;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The adjoints the pictures show agree with the gradients the compiler computes: for every param
 * and input of every example, the adjoint from {@link Adjoints} equals the optimized DAG's
 * gradient, both evaluated by {@link Eval}.
 */
class AdjointsTest {
  @Test
  void agreeWithTheCompilersGradients() throws Exception {
    for (String name : List.of("allops", "digits", "gate", "unicode", "xor")) {
      Path f = Path.of("src/test/resources/examples/" + name + ".net");
      String text = Files.readString(f);
      List<Dag> dags = Compilation.of(List.of(new SourceFile(f.toString(), text)), "").dags();
      List<Network> nets = PicturesTest.networks(f.toString(), text);
      for (int k = 0; k < nets.size(); k++) {
        Network n = nets.get(k);
        Dag compiled = dags.get(k);
        if (compiled.loss() == null) {
          continue;
        }
        Map<String, double[]> leaves = PicturesTest.leaves(n, 11);
        Map<Node, double[]> expected = Eval.run(compiled.nodes(), leaves);
        Dag forward = Lowering.lower(n);
        Adjoints.Result ad = Adjoints.of(forward, Rules.standard());
        assertTrue(ad.unknown().isEmpty(), name);
        Map<Node, double[]> actual = Eval.run(ad.nodes(), leaves);
        int checked = 0;
        for (Node leaf : forward.nodes()) {
          Map<String, Node> grads = leaf.op() == Op.PARAM ? compiled.paramGradients()
              : leaf.op() == Op.INPUT ? compiled.inputGradients() : null;
          if (grads == null) {
            continue;
          }
          double[] want = expected.get(grads.get(leaf.name()));
          Node adj = ad.adjoint().get(ad.copy().get(leaf));
          double[] got = adj == null ? new double[want.length] : actual.get(adj);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-9 * (1 + Math.abs(want[i])), name + " " + leaf.name() + "[" + i + "]");
          }
          checked++;
        }
        assertTrue(checked > 0, name);
      }
    }
  }
}
