package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.compiler.testing.Kinks;
import dev.netc.compiler.testing.RandomNetworks;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Random well-typed networks (testing.RandomNetworks, seeds 0..N-1, up to 40 operations) compiled
 * to Java: no javac warning under -Xlint:all, and the generated loss, outputs, every param gradient
 * and every input gradient agree with the reference evaluator on the same optimized DAG; the
 * batched methods (batch 1..5) agree with the mean of per-example calls.
 *
 * <p>Double: to {@value #DOUBLE_TOL} relative (of {@code max(1, |want|)}). Float: every sixth
 * network (about 50), to {@value #FLOAT_TOL} of {@code max(1, largest |want| of the tensor)} (the
 * largest error seen on seeds 0..299 is 3.5e-7 of that scale): float
 * arithmetic has a relative precision of 6e-8 per operation, and a chain of 40 operations with
 * reductions of up to 36 terms, softmax, exp and log loses a few more digits, mostly in the
 * gradients (cancellation in sums of terms of opposite sign).
 *
 * <p>N is 300, or {@code -Dnetc.randomCodegen=N}. Points within 1e-3 of a kink are resampled
 * (testing.Kinks); a network with no safe point after 20 tries is skipped (under 2% allowed).
 * Networks are compiled 60 to a javac run to keep the test fast.
 */
class RandomNetworksCodegenTest {
  static final double DOUBLE_TOL = 1e-12;
  static final double FLOAT_TOL = 1e-4;
  static final int MAX_OPS = 40;
  static final int CHUNK = 60;
  static final int FLOAT_EVERY = 6;

  record Case(long seed, RandomNetworks.Generated net, Dag dag, Emitter.GeneratedFile file) {}

  @Test
  void generatedCodeAgreesWithTheEvaluator() {
    run(Integer.getInteger("netc.randomCodegen", 300), FLOAT_EVERY, false);
  }

  /**
   * The same networks with straight-line code off ({@code Planner.straightMaxCost = 0}), so that
   * the small ones, which the default compiles straight-line, go through the kernels too.
   */
  @Test
  void kernelsAgreeWithTheEvaluator() {
    withStraightMaxCost(0, () -> run(Integer.getInteger("netc.randomCodegen", 300), FLOAT_EVERY, false));
  }

  /**
   * The same networks with the straight-line budget far above the default
   * ({@code Planner.straightMaxCost = 20000}), so that every network is compiled straight-line,
   * large ones too (at the default budget about a third are).
   */
  @Test
  void straightLineCodeAgreesWithTheEvaluator() {
    withStraightMaxCost(20_000, () -> run(Integer.getInteger("netc.randomCodegen", 300), FLOAT_EVERY, false));
  }

  /** Runs {@code r} with {@code Planner.straightMaxCost} at {@code maxCost}, then restores it. */
  static void withStraightMaxCost(int maxCost, Runnable r) {
    int saved = Planner.straightMaxCost;
    Planner.straightMaxCost = maxCost;
    try {
      r.run();
    } finally {
      Planner.straightMaxCost = saved;
    }
  }

  /**
   * The same with {@code vector} on and the planner's size thresholds at 1, so that every
   * batched {@code W * x}, {@code transpose(W) * d} and batch outer product of these small
   * networks goes through the runtime's Vector API kernels (and their scalar remainders). 120
   * networks (or a third of {@code netc.randomCodegen}), every third one in float too.
   */
  @Test
  void vectorKernelsAgreeWithTheEvaluator() {
    int minElements = Planner.vectorMinElements;
    int minLength = Planner.vectorMinLength;
    int ragged = Planner.floatVectorRaggedMinLength;
    Planner.vectorMinElements = 1;
    Planner.vectorMinLength = 1;
    Planner.floatVectorRaggedMinLength = 1;
    try {
      withStraightMaxCost(0, () -> run(Integer.getInteger("netc.randomCodegen", 300) * 2 / 5, 3, true));
    } finally {
      Planner.vectorMinElements = minElements;
      Planner.vectorMinLength = minLength;
      Planner.floatVectorRaggedMinLength = ragged;
    }
  }

  /**
   * The batched methods at batch 2..9 (not only 1..5) against the per-example ones: 5 seeds (60
   * networks from each, far from the others; under a tenth skipped), kernels only ({@code Planner.straightMaxCost = 0}).
   * Before the fix of Planner.decompose, a param whose gradient is minus another's (a network
   * such as regressions/npe_accumulate.net) crashed the emitter.
   */
  @Test
  void batchedMethodsAgreeAtBatchTwoToNine() {
    int saved = batchFrom;
    int savedSpan = batchSpan;
    batchFrom = 2;
    batchSpan = 8;
    try {
      for (long seed : new long[] {10_000, 20_000, 30_000, 40_000, 50_000}) {
        withStraightMaxCost(0, () -> run(seed, 60, FLOAT_EVERY, false));
      }
    } finally {
      batchFrom = saved;
      batchSpan = savedSpan;
    }
  }

  /** The batch of seed s is {@code batchFrom + s % batchSpan}. */
  static int batchFrom = 1;
  static int batchSpan = 5;

  private static void run(int n, int floatEvery, boolean vector) {
    run(0, n, floatEvery, vector);
  }

  private static void run(long first, int n, int floatEvery, boolean vector) {
    List<String> failures = new ArrayList<>();
    int[] stats = new int[3]; // checked, skipped, float checked
    double[] worst = new double[2]; // largest error / tolerance scale, double and float
    long start = System.nanoTime();
    int vectorized = 0;
    int fused = 0;
    int straight = 0;
    int compiled = 0;
    int dropout = 0;
    for (long from = first; from < first + n; from += CHUNK) {
      for (boolean isFloat : new boolean[] {false, true}) {
        List<Case> cases = new ArrayList<>();
        for (long seed = from; seed < Math.min(first + n, from + CHUNK); seed++) {
          if (isFloat && seed % floatEvery != 0) {
            continue;
          }
          cases.add(generate(seed, isFloat, vector));
        }
        vectorized += (int) cases.stream().filter(k -> k.file().content().contains("VectorKernels")).count();
        fused += (int) cases.stream().filter(k -> k.file().content().contains(".backwardRows(")).count();
        compiled += cases.size();
        dropout += (int) cases.stream().filter(k -> k.net().source().contains("dropout(")).count();
        straight += (int) cases.stream().filter(k -> !k.file().content().contains("void compute")).count();
        InMemoryCompiler.Compiled c = InMemoryCompiler.compile(cases.stream().map(Case::file).toList());
        assertEquals(List.of(), c.warnings(), "javac warnings for seeds from " + from + (isFloat ? " (float)" : ""));
        for (Case k : cases) {
          Model m = Codegen.newModel(c, k.file().qualifiedName(), 0);
          try {
            String problem = check(k, m, isFloat, worst);
            if (problem == null) {
              stats[isFloat ? 2 : 0]++;
            } else if (problem.equals("skip")) {
              stats[1]++;
            } else {
              failures.add("seed " + k.seed() + (isFloat ? " (float)" : "") + ": " + problem + "\n" + k.net().source());
            }
          } catch (RuntimeException | AssertionError e) {
            failures.add("seed " + k.seed() + (isFloat ? " (float)" : "") + ": " + e + "\n" + k.net().source());
          }
        }
      }
    }
    System.out.printf("random networks through codegen%s: %d double checked, %d float checked, %d skipped, %d failures;"
        + " %d straight-line; largest error/scale: double %.3g, float %.3g; %.1f s%n", vector ? " (vector)" : "", stats[0],
        stats[2], stats[1], failures.size(), straight, worst[0], worst[1], (System.nanoTime() - start) / 1e9);
    failures.stream().limit(3).forEach(System.out::println);
    assertEquals(List.of(), failures.stream().limit(3).toList(), failures.size() + " networks disagree");
    // (a batch of 9 needs 9 points away from kinks: up to a tenth of those networks are skipped)
    assertTrue(stats[1] * (batchSpan > 5 ? 10 : 50) < n, "too many skipped: " + stats[1]);
    if (Planner.straightMaxCost == 0) {
      assertEquals(0, straight, "straight-line code with Planner.straightMaxCost = 0");
    } else if (Planner.straightMaxCost > 1000) {
      // every op but dropout's mask (which needs the workspace's training mode) has a straight-line form
      assertEquals(compiled - dropout, straight, "networks without dropout compiled straight-line");
    } else {
      // about a third of the random networks are small enough
      assertTrue(straight * 4 >= n, "only " + straight + " of " + n + " networks are straight-line");
    }
    if (vector) {
      // about a fifth of the random networks have a batched product of a param (34 of 120 + 40 float)
      assertTrue(vectorized * 8 >= n, "only " + vectorized + " of " + n + " networks call the vector kernels");
      // (random networks seldom have a fused layer backward pass: CliTrainTest and the benchmarks' tests cover it)
      System.out.printf("%d networks call the vector kernels, %d the fused backward pass%n", vectorized, fused);
    }
    assertTrue(stats[0] >= n - stats[1] && stats[2] >= n / floatEvery - 2 - stats[1], "checked: " + stats[0] + ", " + stats[2]);
  }

  static Case generate(long seed, boolean isFloat, boolean vector) {
    RandomNetworks.Generated g = RandomNetworks.generate(seed, MAX_OPS);
    List<SourceFile> src = List.of(new SourceFile(g.name() + ".net", g.source()));
    Compilation comp = Compilation.of(src, "");
    assertTrue(!comp.hasErrors(), () -> comp.diagnostics().all() + "\n" + g.source());
    NetcCompiler.Result r = NetcCompiler.compile(src, new NetcCompiler.Options("", isFloat, vector));
    return new Case(seed, g, comp.dags().get(0), r.files().get(0));
  }

  /** null when everything agrees, "skip" without a safe point, else the first disagreement. */
  static String check(Case k, Model m, boolean isFloat, double[] worst) {
    Dag dag = k.dag();
    int batch = batchFrom + (int) (k.seed() % batchSpan);
    List<Map<String, double[]>> examples = new ArrayList<>();
    Map<String, double[]> params = null;
    for (int attempt = 0; attempt < 20 * batch && examples.size() < batch; attempt++) {
      Map<String, double[]> v = RandomNetworks.values(dag.network(), k.seed() * 7919 + attempt);
      if (params == null) {
        params = v;
      }
      for (TensorInfo p : m.params()) {
        v.put(p.name(), params.get(p.name()));
      }
      if (Kinks.safe(dag, v, 1e-3)) {
        examples.add(v);
      }
    }
    if (examples.size() < batch) {
      return "skip";
    }
    for (int i = 0; i < m.params().size(); i++) {
      double[] p = params.get(m.params().get(i).name());
      Object data = m.paramData(i);
      for (int j = 0; j < p.length; j++) {
        if (data instanceof double[] d) {
          d[j] = p[j];
        } else {
          ((float[]) data)[j] = (float) p[j];
          p[j] = ((float[]) data)[j]; // the evaluator sees the same rounded params
        }
      }
    }
    double tol = isFloat ? FLOAT_TOL : DOUBLE_TOL;
    Checker ck = new Checker(isFloat, tol);
    // per example: generated code against the evaluator
    double meanLoss = 0;
    double[][] meanGrad = new double[m.params().size()][];
    double[][][] perExampleOut = new double[batch][][];
    for (int e = 0; e < batch; e++) {
      Map<String, double[]> v = examples.get(e);
      if (isFloat) {
        v.replaceAll((name, a) -> roundToFloat(a));
      }
      Map<Node, double[]> want = Eval.run(dag.nodes(), v);
      double[][] in = arrays(m.inputs(), v);
      double[][] tg = arrays(m.targets(), v);
      double[][] out = new double[m.outputs().size()][];
      for (int o = 0; o < out.length; o++) {
        out[o] = new double[m.outputs().get(o).size()];
      }
      m.predictBatch(1, in, out);
      perExampleOut[e] = out;
      for (int o = 0; o < out.length; o++) {
        String name = m.outputs().get(o).name();
        ck.array("output " + name, want.get(dag.outputs().get(name)), out[o]);
      }
      double loss = want.get(dag.loss())[0];
      ck.scalar("loss", loss, m.lossBatch(1, in, tg));
      Gradient g = m.newGradient();
      ck.scalar("loss of lossAndGradient", loss, m.lossAndGradientBatch(1, in, tg, g));
      for (int i = 0; i < m.params().size(); i++) {
        String name = m.params().get(i).name();
        double[] w = want.get(dag.paramGradients().get(name));
        ck.array("d/d" + name, w, toDouble(g.data(i)));
        if (meanGrad[i] == null) {
          meanGrad[i] = new double[w.length];
        }
        for (int j = 0; j < w.length; j++) {
          meanGrad[i][j] += toDouble(g.data(i))[j] / batch;
        }
      }
      meanLoss += m.lossBatch(1, in, tg) / batch;
      double[][] ig = new double[m.inputs().size()][];
      for (int i = 0; i < ig.length; i++) {
        ig[i] = new double[m.inputs().get(i).size()];
        java.util.Arrays.fill(ig[i], Double.NaN);
      }
      ck.scalar("loss of inputGradient", loss, m.inputGradient(in, tg, ig));
      for (int i = 0; i < ig.length; i++) {
        String name = m.inputs().get(i).name();
        Node gn = dag.inputGradients().get(name);
        ck.array("d/d input " + name, gn == null ? new double[ig[i].length] : want.get(gn), ig[i]);
      }
      if (ck.problem != null) {
        worst[isFloat ? 1 : 0] = Math.max(worst[isFloat ? 1 : 0], ck.worst);
        return "example " + e + " of " + batch + ": " + ck.problem;
      }
    }
    // batched: the mean of per-example calls of the same generated class
    double[][] in = new double[m.inputs().size()][];
    double[][] tg = new double[m.targets().size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = concat(examples, m.inputs().get(i).name());
    }
    for (int t = 0; t < tg.length; t++) {
      tg[t] = concat(examples, m.targets().get(t).name());
    }
    Checker bk = new Checker(isFloat, isFloat ? tol : DOUBLE_TOL);
    bk.scalar("batch " + batch + " loss", meanLoss, m.lossBatch(batch, in, tg));
    Gradient g = m.newGradient();
    bk.scalar("batch " + batch + " loss of lossAndGradient", meanLoss, m.lossAndGradientBatch(batch, in, tg, g));
    for (int i = 0; i < m.params().size(); i++) {
      bk.array("batch " + batch + " d/d" + m.params().get(i).name(), meanGrad[i], toDouble(g.data(i)));
    }
    double[][] out = new double[m.outputs().size()][];
    for (int o = 0; o < out.length; o++) {
      out[o] = new double[batch * m.outputs().get(o).size()];
    }
    m.predictBatch(batch, in, out);
    for (int o = 0; o < out.length; o++) {
      int size = m.outputs().get(o).size();
      for (int e = 0; e < batch; e++) {
        double[] got = java.util.Arrays.copyOfRange(out[o], e * size, e * size + size);
        bk.array("batch " + batch + " output " + m.outputs().get(o).name() + " of example " + e, perExampleOut[e][o], got);
      }
    }
    worst[isFloat ? 1 : 0] = Math.max(worst[isFloat ? 1 : 0], Math.max(ck.worst, bk.worst));
    return bk.problem;
  }

  /** Compares values, keeps the first problem and the largest error relative to its scale. */
  static final class Checker {
    final boolean isFloat;
    final double tol;
    String problem;
    double worst;

    Checker(boolean isFloat, double tol) {
      this.isFloat = isFloat;
      this.tol = tol;
    }

    void scalar(String what, double want, double got) {
      array(what, new double[] {want}, new double[] {got});
    }

    void array(String what, double[] want, double[] got) {
      assertEquals(want.length, got.length, what);
      double largest = 0;
      for (double w : want) {
        largest = Math.max(largest, Math.abs(w));
      }
      for (int j = 0; j < want.length; j++) {
        double scale = Math.max(1, isFloat ? largest : Math.abs(want[j]));
        double err = Math.abs(want[j] - got[j]) / scale;
        if (!(err <= tol)) {
          worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
          if (problem == null) {
            problem = what + "[" + j + "]: want " + want[j] + ", got " + got[j];
          }
        } else {
          worst = Math.max(worst, err);
        }
      }
    }
  }

  static double[] concat(List<Map<String, double[]>> examples, String name) {
    int size = examples.get(0).get(name).length;
    double[] out = new double[examples.size() * size];
    for (int e = 0; e < examples.size(); e++) {
      System.arraycopy(examples.get(e).get(name), 0, out, e * size, size);
    }
    return out;
  }

  static double[][] arrays(List<TensorInfo> infos, Map<String, double[]> v) {
    double[][] out = new double[infos.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(infos.get(i).name()).clone();
    }
    return out;
  }

  static double[] roundToFloat(double[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = (float) a[i];
    }
    return r;
  }

  static double[] toDouble(Object a) {
    if (a instanceof double[] d) {
      return d.clone();
    }
    float[] f = (float[]) a;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

}
