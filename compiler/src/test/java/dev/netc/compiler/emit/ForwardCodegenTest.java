package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.autodiff.ForwardMode;
import dev.netc.compiler.autodiff.ReverseMode;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.testing.IndexNets;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The generated {@code jvp} and {@code hvp} ({@code netc compile --jvp --hvp}) against the
 * reference evaluator running the same forward-mode DAGs: random networks (seeds 0..59 of
 * testing.RandomNetworks, straight-line or with kernels as the planner decides, and again with
 * kernels only) and the index networks of testing.IndexNets, in double (to {@value #REL} of
 * {@code max(1, |evaluator|)}: only the order of summation differs) for one example and for a
 * batch of 3 (the mean of the evaluator's per-example values), and in float on the same values
 * rounded to float (to {@value #FLOAT_REL} of {@code max(1, largest |evaluator| of the tensor)}).
 * The methods allocate nothing once warm (checked in AllocationTest's way would need a loop; here
 * the batch call is made twice and must give the same result, to 1e-12: see compare).
 */
class ForwardCodegenTest {
  static final double REL = 1e-10;
  static final double FLOAT_REL = 1e-3;
  static final Rules RULES = Rules.standard();

  @Test
  void randomNetworksDouble() {
    List<String> sources = new ArrayList<>();
    for (long seed = 0; seed < 60; seed++) {
      sources.add(RandomNetworks.generate(seed, 25).source());
    }
    check(sources, false);
  }

  @Test
  void randomNetworksWithKernels() {
    int saved = Planner.straightMaxCost;
    Planner.straightMaxCost = 0;
    try {
      List<String> sources = new ArrayList<>();
      for (long seed = 100; seed < 130; seed++) {
        sources.add(RandomNetworks.generate(seed, 25).source());
      }
      check(sources, false);
    } finally {
      Planner.straightMaxCost = saved;
    }
  }

  @Test
  void randomNetworksFloat() {
    List<String> sources = new ArrayList<>();
    for (long seed = 200; seed < 220; seed++) {
      sources.add(RandomNetworks.generate(seed, 15).source());
    }
    check(sources, true);
  }

  @Test
  void indexNetworks() {
    check(IndexNets.SOURCES, false);
    check(IndexNets.SOURCES, true);
  }

  /**
   * A 300-layer tanh chain with jvp and hvp: every method under the JIT's limit (the part methods
   * split jvp's and hvp's kernel calls as the others'), and the methods run.
   */
  @Test
  void deepChainHasNoHugeMethod() throws Exception {
    String source = MethodSizeTest.tanhChain(300, 8);
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile("chain.net", source)),
        new NetcCompiler.Options("", false).withDerivatives(true, true));
    InMemoryCompiler.Compiled c = Codegen.javac(r.files());
    MethodSizeTest.assertSmall(c, "300-layer chain with jvp and hvp", true);
    Model m = Codegen.newModel(c, r.files().get(0).qualifiedName(), 1);
    Gradient v = m.newGradient();
    ((double[]) v.data(0))[0] = 1;
    Gradient hv = m.newGradient();
    double loss = (Double) method(m, "hvp").invoke(m, 1, new double[8], new double[8], v, hv);
    assertTrue(Double.isFinite(loss) && Double.isFinite(((double[]) hv.data(0))[0]));
  }

  /** Names that the new methods' parameters and workspace fields would take are given to tensors. */
  @Test
  void namesOfTheNewParametersAreAllocated() {
    check(List.of("network Names {\n input tangent[2]\n input tangentTangent[2]\n target hv[2]\n param v[2, 2]\n"
        + " param tangentV[2]\n param vectorV[2]\n param batch_[2]\n tangentTangentOut = tanh(v * tangent + tangentV) .* tangentTangent\n"
        + " output tangentTangentOut\n loss = mse(tangentTangentOut + vectorV, hv) + l2(batch_)\n}\n"), false);
  }

  @Test
  void withoutTheOptionsThereAreNoMethods() throws Exception {
    String src = IndexNets.SOURCES.get(2);
    List<Emitter.GeneratedFile> files = NetcCompiler.compile(List.of(new SourceFile("t.net", src)),
        new NetcCompiler.Options("", false)).files();
    assertTrue(!files.get(0).content().contains(" jvp(") && !files.get(0).content().contains(" hvp("));
    files = NetcCompiler.compile(List.of(new SourceFile("t.net", src)),
        new NetcCompiler.Options("", false).withDerivatives(false, true)).files();
    assertTrue(!files.get(0).content().contains(" jvp(") && files.get(0).content().contains(" hvp("));
    Model m = Codegen.newModel(Codegen.javac(files), files.get(0).qualifiedName(), 1);
    Gradient g = m.newGradient();
    Method hvp = method(m, "hvp");
    Object[] args = {1, new double[6], g, g};
    Exception e = assertThrows(java.lang.reflect.InvocationTargetException.class, () -> hvp.invoke(m, args));
    assertTrue(e.getCause() instanceof IllegalArgumentException, e.getCause().toString());
  }

  private static void check(List<String> sources, boolean isFloat) {
    List<SourceFile> files = new ArrayList<>();
    for (String s : sources) {
      files.add(new SourceFile(Nets.check(s).name() + ".net", s));
    }
    NetcCompiler.Result r = NetcCompiler.compile(files, new NetcCompiler.Options("", isFloat).withDerivatives(true, true));
    assertTrue(!r.hasErrors(), () -> r.diagnostics().all().stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
    InMemoryCompiler.Compiled c = Codegen.javac(r.files());
    List<String> failures = new ArrayList<>();
    for (int k = 0; k < sources.size(); k++) {
      Model m = Codegen.newModel(c, r.files().get(k).qualifiedName(), 1);
      try {
        String f = compare(sources.get(k), m, isFloat, 1000 + k);
        if (f != null) {
          failures.add(f + "\n" + sources.get(k));
        }
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
    assertEquals(List.of(), failures.stream().limit(2).toList(), failures.size() + " disagree");
  }

  /** The first disagreement between the generated methods and the evaluator, or null. */
  private static String compare(String source, Model m, boolean isFloat, long seed) throws ReflectiveOperationException {
    Network net = Nets.check(source);
    Diagnostics d = new Diagnostics();
    Dag grad = Compilation.differentiated(net, new ReverseMode(RULES), d).orElseThrow();
    Dag jvp = Compilation.jvp(net, RULES, d).orElseThrow();
    Dag hvp = Compilation.hvp(grad, RULES, d).orElseThrow();
    int batch = 3;
    Random rnd = new Random(seed);
    List<Map<String, double[]>> examples = new ArrayList<>();
    for (int ex = 0; ex < batch; ex++) {
      Map<String, double[]> v = RandomNetworks.values(net, seed * 31 + ex);
      // the params are the model's, the same for every example
      for (int p = 0; p < m.params().size(); p++) {
        v.put(m.params().get(p).name(), toDouble(m.paramData(p)));
      }
      for (TensorInfo t : m.inputs()) {
        v.put(ForwardMode.tangentName(t.name()), gaussian(rnd, t.size()));
      }
      examples.add(v);
    }
    Map<String, double[]> paramTangent = new HashMap<>();
    for (TensorInfo t : m.params()) {
      paramTangent.put(t.name(), gaussian(rnd, t.size()));
    }
    if (isFloat) {
      examples.forEach(v -> v.replaceAll((k, x) -> roundToFloat(x)));
      paramTangent.replaceAll((k, x) -> roundToFloat(x));
    }
    for (Map<String, double[]> v : examples) {
      paramTangent.forEach((name, t) -> v.put(ForwardMode.tangentName(name), t));
    }
    for (int b : new int[] {1, batch}) {
      // the evaluator: per example, then the mean
      List<double[]> outs = new ArrayList<>();
      for (int o = 0; o < m.outputs().size(); o++) {
        outs.add(new double[b * m.outputs().get(o).size()]);
      }
      double lossTangent = 0;
      double loss = 0;
      Map<String, double[]> product = new HashMap<>();
      for (TensorInfo t : m.params()) {
        product.put(t.name(), new double[t.size()]);
      }
      for (int ex = 0; ex < b; ex++) {
        Map<Node, double[]> j = Eval.run(jvp.nodes(), examples.get(ex));
        int o = 0;
        for (Node n : jvp.outputs().values()) {
          double[] val = j.get(n);
          System.arraycopy(val, 0, outs.get(o), ex * val.length, val.length);
          o++;
        }
        if (m.hasLoss()) {
          lossTangent += j.get(jvp.loss())[0] / b;
          Map<Node, double[]> h = Eval.run(hvp.nodes(), examples.get(ex));
          loss += h.get(hvp.loss())[0] / b;
          for (TensorInfo t : m.params()) {
            double[] hv = h.get(hvp.paramGradients().get(t.name()));
            double[] acc = product.get(t.name());
            for (int i = 0; i < acc.length; i++) {
              acc[i] += hv[i] / b;
            }
          }
        }
      }
      // the generated methods
      List<Object> args = new ArrayList<>();
      args.add(b);
      List<TensorInfo> targets = m.hasLoss() ? m.targets() : List.of();
      for (TensorInfo t : m.inputs()) {
        args.add(array(examples, t.name(), b, isFloat));
      }
      for (TensorInfo t : targets) {
        args.add(array(examples, t.name(), b, isFloat));
      }
      for (TensorInfo t : m.inputs()) {
        args.add(array(examples, ForwardMode.tangentName(t.name()), b, isFloat));
      }
      Gradient tangent = m.newGradient();
      for (int p = 0; p < m.params().size(); p++) {
        set(tangent.data(p), paramTangent.get(m.params().get(p).name()));
      }
      args.add(tangent);
      List<Object> outArrays = new ArrayList<>();
      for (TensorInfo t : m.outputs()) {
        Object a = isFloat ? new float[b * t.size()] : new double[b * t.size()];
        outArrays.add(a);
        args.add(a);
      }
      Object got = method(m, "jvp").invoke(m, args.toArray());
      Object again = method(m, "jvp").invoke(m, args.toArray());
      // The same call twice must give the same loss tangent: state left over from the first call
      // would show far above rounding. Not bit for bit: the JIT may compile Ops.pow, sin, exp...
      // between the two calls, and HotSpot's compiled and interpreted versions may differ in the
      // last bit (seen once in a full build on a busy 2-core host: -0.0703905999944871 against
      // -0.07039059999448755, with x ^ 0.25 in the network).
      if (m.hasLoss() && Math.abs((double) got - (double) again) > 1e-12 * Math.max(1, Math.abs((double) got))) {
        return "jvp differs between two calls: " + got + " and " + again;
      }
      double tol = isFloat ? FLOAT_REL : REL;
      for (int o = 0; o < outs.size(); o++) {
        String f = close("jvp of " + m.outputs().get(o).name() + " batch " + b, outs.get(o), toDouble(outArrays.get(o)), tol, isFloat);
        if (f != null) {
          return f;
        }
      }
      if (!m.hasLoss()) {
        continue;
      }
      String f = close("jvp of the loss, batch " + b, new double[] {lossTangent}, new double[] {(Double) got}, tol, isFloat);
      if (f != null) {
        return f;
      }
      List<Object> hargs = new ArrayList<>(args.subList(0, 1 + m.inputs().size() + m.targets().size()));
      Gradient v = m.newGradient();
      for (int p = 0; p < m.params().size(); p++) {
        set(v.data(p), paramTangent.get(m.params().get(p).name()));
      }
      Gradient hv = m.newGradient();
      hargs.add(v);
      hargs.add(hv);
      double hloss = (Double) method(m, "hvp").invoke(m, hargs.toArray());
      f = close("hvp's loss, batch " + b, new double[] {loss}, new double[] {hloss}, tol, isFloat);
      if (f != null) {
        return f;
      }
      for (int p = 0; p < m.params().size(); p++) {
        String name = m.params().get(p).name();
        f = close("hvp of " + name + " batch " + b, product.get(name), toDouble(hv.data(p)), tol, isFloat);
        if (f != null) {
          return f;
        }
      }
    }
    return null;
  }

  static Method method(Model m, String name) {
    for (Method x : m.getClass().getMethods()) {
      if (x.getName().equals(name) && x.getParameterCount() > 0 && x.getParameterTypes()[0] == int.class) {
        return x;
      }
    }
    throw new AssertionError("no " + name + " in " + m.getClass());
  }

  private static String close(String what, double[] want, double[] got, double rel, boolean isFloat) {
    double largest = 1;
    for (double w : want) {
      largest = Math.max(largest, Math.abs(w));
    }
    for (int i = 0; i < want.length; i++) {
      double scale = isFloat ? largest : Math.max(1, Math.abs(want[i]));
      if (!(Math.abs(want[i] - got[i]) <= rel * scale)) {
        return String.format("%s[%d]: evaluator %.15g, generated %.15g", what, i, want[i], got[i]);
      }
    }
    return null;
  }

  private static Object array(List<Map<String, double[]>> examples, String name, int b, boolean isFloat) {
    int size = examples.get(0).get(name).length;
    double[] a = new double[b * size];
    for (int ex = 0; ex < b; ex++) {
      System.arraycopy(examples.get(ex).get(name), 0, a, ex * size, size);
    }
    return isFloat ? toFloat(a) : a;
  }

  private static void set(Object target, double[] values) {
    if (target instanceof float[] f) {
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
    } else {
      System.arraycopy(values, 0, (double[]) target, 0, values.length);
    }
  }

  private static double[] toDouble(Object a) {
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

  private static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  private static double[] roundToFloat(double[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = (float) a[i];
    }
    return r;
  }

  private static double[] gaussian(Random r, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextGaussian();
    }
    return x;
  }
}
