package dev.netc.compiler.cli;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Compiles a network to Java in memory, runs the generated class on one example and prints"
          + " JSON: {\"loss\": L, \"outputs\": {name: [...]}, \"gradients\": {name: [...]}},"
          + " with the gradient of the loss with respect to every param and every input.",
      "V.json maps names to a number or a flat row-major array, e.g."
          + " {\"x\": [1, 0], \"y\": [1], \"W1\": [0.1, 0.2, ...]}. Every input, and every target"
          + " of a network with a loss, must be given; params left out are initialized from --seed."
          + " Numbers are printed so that they read back to the same double.",
      "With \"tangent\": {name: [...]} (inputs and params; missing ones 0) it also prints \"jvp\": the loss's"
          + " and the outputs' directional derivatives (forward mode); with \"hvp\": {param: [...]} (missing ones 0),"
          + " \"hvp\": the Hessian of the loss times that vector, by param (forward-over-reverse)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc eval samples/gate/gate.net --values samples/gate/values.json",
      "  netc eval nets.net --network Xor --values v.json --seed 7 --precision float"
    })
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .net file")
  Path file;

  @Option(names = "--network", paramLabel = "N",
      description = "which network, when the file declares several")
  String network;

  @Option(names = "--values", paramLabel = "V.json", required = true,
      description = "the example (inputs, targets) and any params to override, as JSON")
  Path values;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "seed of the params not given in V.json (default: 1)")
  long seed;

  @Mixin CodegenOptions codegen;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Networks.readText(file); // a missing network is reported before the values
    Json.Obj json = readValues(values);
    Json.Obj tangent = derivativeRequest(json, TANGENT);
    Json.Obj vector = derivativeRequest(json, HVP);
    codegen.jvp = tangent != null;
    codegen.hvp = vector != null;
    Model model = Networks.load(file, network, codegen, seed, spec.commandLine().getErr());
    Example ex = bind(model, json, values.toString());
    String text = evaluate(model, ex);
    if (tangent != null || vector != null) {
      String fileName = values.toString();
      StringBuilder more = new StringBuilder();
      if (tangent != null) {
        more.append(",\n  \"jvp\": ").append(jvp(model, ex, tangent, fileName));
      }
      if (vector != null) {
        if (!model.hasLoss()) {
          int[] at = json.where.get(HVP);
          throw CliException.data(fileName + ":" + at[0] + ":" + at[1] + ": " + HVP + ": network " + model.name()
              + " has no loss, so no Hessian");
        }
        more.append(",\n  \"hvp\": ").append(hvp(model, ex, vector, fileName));
      }
      text = text.substring(0, text.length() - 2) + more + "\n}";
    }
    out.println(text);
    return Main.EXIT_OK;
  }

  /** The key of a tangent of the inputs and params (jvp), and of a vector in the params' layout (hvp). */
  static final String TANGENT = "tangent";
  static final String HVP = "hvp";

  /**
   * The object under {@code key}, removed from {@code json}, or null: a key whose value is not an
   * object is a tensor of that name, as before.
   */
  private static Json.Obj derivativeRequest(Json.Obj json, String key) {
    if (json.members.get(key) instanceof Json.Obj o) {
      json.members.remove(key);
      return o;
    }
    return null;
  }

  /**
   * The tangent's arrays by name (checked against {@code allowed}: sizes and names; missing
   * ones are zero), in the order of {@code allowed}.
   */
  private static List<double[]> tangentArrays(Json.Obj o, List<TensorInfo> allowed, String key, String fileName) {
    Map<String, TensorInfo> byName = byName(allowed);
    Map<String, double[]> given = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o.members.entrySet()) {
      int[] at = o.where.get(e.getKey());
      String where = fileName + ":" + at[0] + ":" + at[1] + ": " + key + "." + e.getKey();
      TensorInfo info = byName.get(e.getKey());
      if (info == null) {
        throw CliException.data(where + ": not one of " + list(allowed));
      }
      List<Double> flat = new ArrayList<>();
      flatten(e.getValue(), flat, fileName, where);
      if (flat.size() != info.size()) {
        throw CliException.data(where + ": expected " + Networks.count(info.size(), "number")
            + " (shape " + Arrays.toString(info.shape()) + "), found " + flat.size());
      }
      given.put(e.getKey(), flat.stream().mapToDouble(Double::doubleValue).toArray());
    }
    List<double[]> out = new ArrayList<>();
    for (TensorInfo t : allowed) {
      out.add(given.getOrDefault(t.name(), new double[t.size()]));
    }
    return out;
  }

  /**
   * The generated {@code jvp} on the example along the tangent: {@code {"loss": L', "outputs":
   * {...}}}, the loss's derivative null without a loss.
   */
  private static String jvp(Model model, Example ex, Json.Obj tangent, String fileName) {
    List<TensorInfo> leaves = new ArrayList<>(model.inputs());
    leaves.addAll(model.params());
    List<double[]> t = tangentArrays(tangent, leaves, TANGENT, fileName);
    boolean f = model.precision() == dev.netc.runtime.Precision.FLOAT;
    List<Object> args = new ArrayList<>();
    args.add(1);
    for (double[] x : ex.inputs()) {
      args.add(typed(x, f));
    }
    if (model.hasLoss()) {
      for (double[] y : ex.targets()) {
        args.add(typed(y, f));
      }
    }
    int k = 0;
    for (; k < model.inputs().size(); k++) {
      args.add(typed(t.get(k), f));
    }
    Gradient g = model.newGradient();
    for (int p = 0; p < model.params().size(); p++, k++) {
      set(g.data(p), t.get(k));
    }
    args.add(g);
    List<Object> outs = new ArrayList<>();
    for (TensorInfo o : model.outputs()) {
      Object a = f ? new float[o.size()] : new double[o.size()];
      outs.add(a);
      args.add(a);
    }
    Object loss = invoke(model, "jvp", args);
    Map<String, double[]> outputs = new LinkedHashMap<>();
    for (int o = 0; o < outs.size(); o++) {
      outputs.put(model.outputs().get(o).name(), toDouble(outs.get(o)));
    }
    return "{\n    \"loss\": " + (loss == null ? "null" : Json.number((Double) loss)) + ",\n    \"outputs\": "
        + Json.arrays(outputs, "    ") + "\n  }";
  }

  /** The generated {@code hvp} on the example: the Hessian of the loss times the vector, by param. */
  private static String hvp(Model model, Example ex, Json.Obj vector, String fileName) {
    List<double[]> v = tangentArrays(vector, model.params(), HVP, fileName);
    boolean f = model.precision() == dev.netc.runtime.Precision.FLOAT;
    List<Object> args = new ArrayList<>();
    args.add(1);
    for (double[] x : ex.inputs()) {
      args.add(typed(x, f));
    }
    for (double[] y : ex.targets()) {
      args.add(typed(y, f));
    }
    Gradient g = model.newGradient();
    for (int p = 0; p < model.params().size(); p++) {
      set(g.data(p), v.get(p));
    }
    Gradient product = model.newGradient();
    args.add(g);
    args.add(product);
    invoke(model, "hvp", args);
    Map<String, double[]> out = new LinkedHashMap<>();
    for (int p = 0; p < model.params().size(); p++) {
      out.put(model.params().get(p).name(), toDouble(product.data(p)));
    }
    return Json.arrays(out, "  ");
  }

  /** Calls the batched {@code name} (its first parameter the batch) of the generated class. */
  private static Object invoke(Model model, String name, List<Object> args) {
    for (java.lang.reflect.Method m : model.getClass().getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == args.size() && m.getParameterTypes()[0] == int.class) {
        try {
          return m.invoke(model, args.toArray());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("calling the generated " + name, e);
        }
      }
    }
    throw new IllegalStateException("the generated class has no " + name);
  }

  private static Object typed(double[] x, boolean isFloat) {
    if (!isFloat) {
      return x;
    }
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
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

  /** One example's inputs and targets, in the model's order. */
  record Example(double[][] inputs, double[][] targets) {}

  static Json.Obj readValues(Path path) {
    String text = Networks.readText(path);
    Object v;
    try {
      v = Json.parse(text);
    } catch (Json.JsonException e) {
      throw CliException.data(path + ":" + e.getMessage());
    }
    if (!(v instanceof Json.Obj o)) {
      throw CliException.data(path + ":1:1: expected a JSON object mapping names to values, found "
          + kind(v));
    }
    return o;
  }

  /**
   * Checks the JSON's names and sizes against {@code model}, writes any params it gives into the
   * model, and returns the example. Errors are exit 3 and name the file, line, column and field.
   */
  static Example bind(Model model, Json.Obj json, String fileName) {
    Map<String, TensorInfo> inputs = byName(model.inputs());
    Map<String, TensorInfo> targets = byName(model.targets());
    Map<String, TensorInfo> params = byName(model.params());
    Map<String, double[]> given = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.members.entrySet()) {
      String name = e.getKey();
      int[] at = json.where.get(name);
      String where = fileName + ":" + at[0] + ":" + at[1] + ": " + name;
      TensorInfo info = inputs.containsKey(name) ? inputs.get(name)
          : targets.containsKey(name) ? targets.get(name) : params.get(name);
      if (info == null) {
        throw CliException.data(fileName + ":" + at[0] + ":" + at[1] + ": unknown name \"" + name
            + "\": network " + model.name() + " has " + describe(model));
      }
      List<Double> flat = new ArrayList<>();
      flatten(e.getValue(), flat, fileName, where);
      if (flat.size() != info.size()) {
        throw CliException.data(where + ": expected " + Networks.count(info.size(), "number")
            + " (shape " + Arrays.toString(info.shape()) + "), found " + flat.size());
      }
      double[] a = new double[flat.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = flat.get(i);
        if (info.integer() && !info.validId(a[i])) {
          String pos = info.position(i);
          throw CliException.data(where + (pos.isEmpty() ? "" : " " + pos) + ": " + plain(a[i]) + " is not "
              + info.validIds() + " ('" + name + "' is int)");
        }
      }
      given.put(name, a);
    }
    List<String> missing = new ArrayList<>();
    for (TensorInfo t : model.inputs()) {
      if (!given.containsKey(t.name())) {
        missing.add("input " + t);
      }
    }
    if (model.hasLoss()) {
      for (TensorInfo t : model.targets()) {
        if (!given.containsKey(t.name())) {
          missing.add("target " + t);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw CliException.data(fileName + ": missing " + String.join(", ", missing));
    }
    for (int i = 0; i < model.params().size(); i++) {
      double[] v = given.get(model.params().get(i).name());
      if (v != null) {
        Object data = model.paramData(i);
        if (data instanceof double[] d) {
          System.arraycopy(v, 0, d, 0, v.length);
        } else {
          float[] f = (float[]) data;
          for (int k = 0; k < v.length; k++) {
            f[k] = (float) v[k];
          }
        }
      }
    }
    double[][] in = new double[model.inputs().size()][];
    for (int i = 0; i < in.length; i++) {
      in[i] = given.get(model.inputs().get(i).name());
    }
    double[][] tg = new double[model.targets().size()][];
    for (int t = 0; t < tg.length; t++) {
      TensorInfo info = model.targets().get(t);
      double[] v = given.get(info.name());
      tg[t] = v != null ? v : new double[info.size()];
    }
    return new Example(in, tg);
  }

  /** {@code 5} for a whole number, {@code 0.5} otherwise. */
  private static String plain(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** Runs the generated code; returns the JSON text. */
  static String evaluate(Model model, Example ex) {
    Map<String, double[]> outputs = new LinkedHashMap<>();
    double[][] out = new double[model.outputs().size()][];
    for (int o = 0; o < out.length; o++) {
      out[o] = new double[model.outputs().get(o).size()];
    }
    if (out.length > 0) {
      model.predictBatch(1, ex.inputs(), out);
    }
    for (int o = 0; o < out.length; o++) {
      outputs.put(model.outputs().get(o).name(), out[o]);
    }
    Map<String, double[]> gradients = new LinkedHashMap<>();
    String loss = "null";
    if (model.hasLoss()) {
      Gradient g = model.newGradient();
      loss = Json.number(model.lossAndGradientBatch(1, ex.inputs(), ex.targets(), g));
      for (int i = 0; i < model.params().size(); i++) {
        gradients.put(model.params().get(i).name(), toDouble(g.data(i)));
      }
      double[][] ig = new double[model.inputs().size()][];
      for (int i = 0; i < ig.length; i++) {
        ig[i] = new double[model.inputs().get(i).size()];
      }
      model.inputGradient(ex.inputs(), ex.targets(), ig);
      for (int i = 0; i < ig.length; i++) {
        gradients.put(model.inputs().get(i).name(), ig[i]);
      }
    }
    return "{\n  \"loss\": " + loss + ",\n  \"outputs\": " + Json.arrays(outputs, "  ")
        + ",\n  \"gradients\": " + Json.arrays(gradients, "  ") + "\n}";
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

  private static void flatten(Object v, List<Double> out, String fileName, String where) {
    if (v instanceof Json.Arr a) {
      for (Object item : a.items) {
        if (item instanceof Json.Arr inner) {
          for (Object x : inner.items) {
            if (x instanceof Json.Arr deep) {
              throw CliException.data(fileName + ":" + deep.line + ":" + deep.column + ": "
                  + "arrays nest at most two deep (the rows of a matrix)");
            }
            number(x, out, where, "in the array");
          }
        } else {
          number(item, out, where, "in the array");
        }
      }
    } else {
      number(v, out, where, "");
    }
  }

  private static void number(Object x, List<Double> out, String where, String in) {
    if (x instanceof Json.Num n) {
      out.add(n.value());
    } else if (x instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
      out.add(Double.parseDouble(s));
    } else {
      throw CliException.data(where + ": expected " + (in.isEmpty() ? "a number or an array of numbers"
          : "numbers " + in) + ", found " + kind(x));
    }
  }

  static String kind(Object v) {
    if (v instanceof Json.Obj) {
      return "an object";
    }
    if (v instanceof Json.Arr) {
      return "an array";
    }
    if (v instanceof String s) {
      return "the string " + Json.string(s);
    }
    if (v instanceof Boolean b) {
      return b.toString();
    }
    if (v instanceof Json.Num n) {
      return "the number " + Json.number(n.value());
    }
    return "null";
  }

  private static Map<String, TensorInfo> byName(List<TensorInfo> infos) {
    Map<String, TensorInfo> m = new LinkedHashMap<>();
    for (TensorInfo t : infos) {
      m.put(t.name(), t);
    }
    return m;
  }

  private static String describe(Model m) {
    List<String> parts = new ArrayList<>();
    if (!m.inputs().isEmpty()) {
      parts.add("inputs " + list(m.inputs()));
    }
    if (!m.targets().isEmpty()) {
      parts.add("targets " + list(m.targets()));
    }
    if (!m.params().isEmpty()) {
      parts.add("params " + list(m.params()));
    }
    return parts.isEmpty() ? "no inputs, targets or params" : String.join("; ", parts);
  }

  private static String list(List<TensorInfo> infos) {
    return String.join(", ", infos.stream().map(TensorInfo::toString).toList());
  }
}
