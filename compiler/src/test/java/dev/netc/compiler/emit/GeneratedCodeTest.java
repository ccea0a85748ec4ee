package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.compiler.testing.Nets;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Generated classes compile cleanly and agree with the reference evaluator. */
class GeneratedCodeTest {
  @TestFactory
  Stream<DynamicTest> examplesAgreeWithTheEvaluator() throws IOException {
    return Files.list(Path.of("src/test/resources/examples")).filter(p -> p.toString().endsWith(".net")).sorted()
        .flatMap(p -> Stream.of(false, true).map(f -> DynamicTest.dynamicTest(p.getFileName() + (f ? " float" : ""),
            () -> check(Files.readString(p), f, 7))));
  }

  static void check(String source, boolean isFloat, long seed) throws Exception {
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile("t.net", source)),
        new NetcCompiler.Options("", isFloat));
    assertTrue(!r.hasErrors(), r.diagnostics().all().toString());
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(r.files());
    assertEquals(List.of(), c.warnings());
    Model m = (Model) c.load(r.files().get(0).qualifiedName()).getConstructor(long.class).newInstance(seed);
    Dag dag = dev.netc.compiler.opt.Optimizer.optimize(Nets.differentiate(source));
    Random rnd = new Random(seed);
    Map<String, double[]> values = new HashMap<>();
    int batch = 3;
    double[][] inputs = data(m.inputs(), batch, rnd);
    double[][] targets = data(m.targets(), batch, rnd);
    for (int i = 0; i < m.params().size(); i++) {
      values.put(m.params().get(i).name(), toDouble(m.paramData(i)));
    }
    double tol = isFloat ? 1e-3 : 1e-12;
    double meanLoss = 0;
    double[][] meanGrad = new double[m.params().size()][];
    for (int ex = 0; ex < batch; ex++) {
      for (int i = 0; i < m.inputs().size(); i++) {
        values.put(m.inputs().get(i).name(), slice(inputs[i], ex, m.inputs().get(i).size()));
      }
      for (int i = 0; i < m.targets().size(); i++) {
        values.put(m.targets().get(i).name(), slice(targets[i], ex, m.targets().get(i).size()));
      }
      Map<Node, double[]> v = Eval.run(dag.nodes(), values);
      if (dag.loss() != null) {
        meanLoss += v.get(dag.loss())[0] / batch;
        for (int i = 0; i < m.params().size(); i++) {
          double[] g = v.get(dag.paramGradients().get(m.params().get(i).name()));
          if (meanGrad[i] == null) {
            meanGrad[i] = new double[g.length];
          }
          for (int k = 0; k < g.length; k++) {
            meanGrad[i][k] += g[k] / batch;
          }
        }
      }
    }
    if (m.hasLoss()) {
      Gradient g = m.newGradient();
      double loss = m.lossAndGradientBatch(batch, inputs, targets, g);
      close(meanLoss, loss, tol, "loss");
      close(meanLoss, m.lossBatch(batch, inputs, targets), tol, "loss");
      for (int i = 0; i < m.params().size(); i++) {
        double[] got = toDouble(g.data(i));
        for (int k = 0; k < got.length; k++) {
          close(meanGrad[i][k], got[k], tol, "d/d" + m.params().get(i).name() + "[" + k + "]");
        }
      }
    }
  }

  static void close(double want, double got, double tol, String what) {
    double err = Math.abs(want - got);
    assertTrue(err <= tol * Math.max(1, Math.abs(want)), what + ": want " + want + " got " + got);
  }

  static double[] slice(double[] a, int ex, int size) {
    double[] out = new double[size];
    System.arraycopy(a, ex * size, out, 0, size);
    return out;
  }

  static double[][] data(List<TensorInfo> infos, int batch, Random r) {
    double[][] out = new double[infos.size()][];
    for (int i = 0; i < infos.size(); i++) {
      out[i] = new double[batch * infos.get(i).size()];
      for (int k = 0; k < out[i].length; k++) {
        out[i][k] = 0.1 + 0.8 * r.nextDouble();
      }
    }
    return out;
  }

  static double[] toDouble(Object a) {
    return RandomNetworksCodegenTest.toDouble(a);
  }
}
