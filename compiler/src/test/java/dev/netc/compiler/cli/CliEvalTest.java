package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc eval}: the generated code agrees with the reference evaluator; bad JSON is exit 3. */
class CliEvalTest {
  static final Path GATE = Path.of("../samples/gate/gate.net");
  static final Path XOR = Path.of("../samples/xor/xor.net");

  static final Path REGRESSIONS = Path.of("src/test/resources/regressions");

  @TempDir Path tmp;

  /** A file named {@code price$5.net} (a JavaPoet format string once: exit 4) compiles and evaluates. */
  @Test
  void dollarInTheFileName() throws Exception {
    Path f = tmp.resolve("price$5.net");
    Files.copy(GATE, f);
    expect(0, CliRun.of("check", f));
    expect(0, CliRun.of("compile", f, "-d", tmp.resolve("out")));
    String java;
    try (Stream<Path> s = Files.walk(tmp.resolve("out"))) {
      java = Files.readString(s.filter(p -> p.toString().endsWith(".java")).findFirst().orElseThrow());
    }
    assertTrue(java.contains("from price$5.net."), java.substring(0, 200));
    expect(0, CliRun.of("eval", f, "--values", "../samples/gate/values.json"));
  }

  /**
   * Valid programs that once crashed the emitter (exit 4): check, and compile in double, float
   * and vector modes, exit 0 (eval is checked against the evaluator with the examples).
   */
  @Test
  void regressionsCheckAndCompile() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(REGRESSIONS)) {
      files = s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    }
    assertTrue(!files.isEmpty());
    for (Path f : files) {
      expect(0, CliRun.of("check", f));
      expect(0, CliRun.of("compile", f, "-d", tmp.resolve("d")));
      expect(0, CliRun.of("compile", f, "-d", tmp.resolve("f"), "--precision", "float"));
      expect(0, CliRun.of("compile", f, "-d", tmp.resolve("v"), "--vector"));
    }
  }

  @Test
  void gateSampleGivesTheLectureGradients() {
    CliRun r = CliRun.of("eval", GATE, "--values", "../samples/gate/values.json");
    expect(0, r);
    Json.Obj o = parse(r.out());
    assertEquals(-12.0, ((Json.Num) o.members.get("loss")).value());
    Map<String, double[]> g = arrays(o.members.get("gradients"));
    assertEquals(List.of("x", "y", "z"), List.copyOf(g.keySet()));
    assertEquals(-4.0, g.get("x")[0]);
    assertEquals(-4.0, g.get("y")[0]);
    assertEquals(3.0, g.get("z")[0]);
    assertEquals(-12.0, arrays(o.members.get("outputs")).get("f")[0]);
  }

  @TestFactory
  Stream<DynamicTest> agreesWithTheReferenceEvaluator() throws Exception {
    List<Path> files;
    try (Stream<Path> examples = Files.list(Path.of("src/test/resources/examples"));
        Stream<Path> regressions = Files.list(REGRESSIONS);
        Stream<Path> samples = Files.walk(Path.of("../samples"), 2)) {
      files = Stream.concat(Stream.concat(examples, regressions), samples).filter(p -> p.toString().endsWith(".net"))
          .sorted().toList();
    }
    assertTrue(files.size() >= 10, files::toString);
    return files.stream().map(p -> DynamicTest.dynamicTest(p.toString(), () -> agrees(p)));
  }

  /** Whether {@code name} is an int input or target of {@code dag}'s network (its values: ids). */
  private static boolean integer(Dag dag, String name) {
    return java.util.stream.Stream.concat(dag.network().inputs().stream(), dag.network().targets().stream())
        .anyMatch(s -> s.integer() && s.name().equals(name));
  }

  private void agrees(Path file) throws Exception {
    Compilation c = Compilation.of(List.of(new SourceFile(file.toString(), Files.readString(file))), "");
    assertTrue(!c.hasErrors(), () -> c.diagnostics().all().toString());
    Random rnd = new Random(file.toString().hashCode());
    for (Dag dag : c.dags()) {
      Map<String, double[]> leaves = new LinkedHashMap<>();
      for (Node n : dag.nodes()) {
        if (n.op() == Op.INPUT || n.op() == Op.TARGET || n.op() == Op.PARAM) {
          double[] v = new double[n.shape().size()];
          Integer ids = integer(dag, n.name()) ? dag.network().idLimits().getOrDefault(n.name(), 1) : null;
          for (int i = 0; i < v.length; i++) {
            v[i] = ids != null ? rnd.nextInt(ids) : n.op() == Op.PARAM ? rnd.nextGaussian() * 0.3 : 0.1 + 0.8 * rnd.nextDouble();
          }
          leaves.put(n.name(), v);
        }
      }
      Path values = tmp.resolve(dag.network().name() + ".json");
      Files.writeString(values, Json.arrays(leaves, ""));
      CliRun r = CliRun.of("eval", file, "--network", dag.network().name(), "--values", values);
      expect(0, r);
      Map<Node, double[]> want = Eval.run(dag.nodes(), leaves);
      Json.Obj got = parse(r.out());
      String what = file + " " + dag.network().name();
      if (dag.loss() != null) {
        close(want.get(dag.loss())[0], ((Json.Num) got.members.get("loss")).value(), what + " loss");
      }
      Map<String, double[]> outputs = arrays(got.members.get("outputs"));
      assertEquals(dag.outputs().keySet(), outputs.keySet(), what);
      dag.outputs().forEach((name, node) -> close(want.get(node), outputs.get(name), what + " output " + name));
      Map<String, double[]> grads = arrays(got.members.get("gradients"));
      int expected = dag.network().params().size() + dag.network().inputs().size();
      assertEquals(dag.loss() == null ? 0 : expected, grads.size(), what + ": " + grads.keySet());
      for (var e : grads.entrySet()) {
        Node g = dag.paramGradients().containsKey(e.getKey()) ? dag.paramGradients().get(e.getKey())
            : dag.inputGradients().get(e.getKey());
        double[] w = g == null ? new double[e.getValue().length] : want.get(g);
        close(w, e.getValue(), what + " d/d" + e.getKey());
      }
    }
  }

  @Test
  void floatPrecisionAndSeededParams() throws Exception {
    Path v = Files.writeString(tmp.resolve("v.json"), "{\"x\": [1, 0], \"y\": [1]}");
    CliRun d1 = CliRun.of("eval", XOR, "--values", v, "--seed", "5");
    CliRun d2 = CliRun.of("eval", XOR, "--values", v, "--seed", "5");
    CliRun other = CliRun.of("eval", XOR, "--values", v, "--seed", "6");
    CliRun f = CliRun.of("eval", XOR, "--values", v, "--seed", "5", "--precision", "float");
    expect(0, d1);
    expect(0, f);
    assertEquals(d1.out(), d2.out(), "deterministic for a seed");
    assertTrue(!d1.out().equals(other.out()), "params come from the seed");
    double ld = ((Json.Num) parse(d1.out()).members.get("loss")).value();
    double lf = ((Json.Num) parse(f.out()).members.get("loss")).value();
    assertEquals(ld, lf, 1e-5);
    // params given in the JSON override the seeded ones (nested rows are accepted too)
    Path p = Files.writeString(tmp.resolve("p.json"), """
        {"x": [1, 0], "y": [1], "W1": [[0, 0], [0, 0], [0, 0], [0, 0]], "W2": [0, 0, 0, 0], "b2": [0]}""");
    Json.Obj o = parse(CliRun.of("eval", XOR, "--values", p).out());
    assertEquals(0.125, ((Json.Num) o.members.get("loss")).value()); // a = sigmoid(0) = 0.5
  }

  @Test
  void numbersReadBackToTheSameDouble() {
    for (double d : new double[] {0.1, 1.0 / 3, -1e-300, 4.9e-324, 1.7976931348623157e308, -0.0, 123456789.123}) {
      assertEquals(d, ((Json.Num) parseAny(Json.number(d))).value());
    }
  }

  @Test
  void badJsonIsExit3NamingLineColumnOrField() throws Exception {
    Path xor = Path.of("src/test/resources/examples/xor.net");
    Object[][] cases = {
      {"{\"x\": [1, 0],\n \"y\": [1],, }", ":2:11: expected a member name in double quotes, found ','"},
      {"{\"x\": [1, 0],\n \"y\": [1]", ":2:10: expected ',' or '}', found end of file"},
      {"", ":1:1: empty file"},
      {"[1, 2]", ":1:1: expected a JSON object"},
      {"{\"x\": [1, 0], \"y\": [1], \"W1\": [1, 2, 3]}", ":1:31: W1: expected 8 numbers (shape [4, 2]), found 3"},
      {"{\"x\": [1, \"a\"], \"y\": [1]}", ":1:7: x: expected numbers in the array, found the string \"a\""},
      {"{\"x\": [1, 0], \"y\": true}", ":1:20: y: expected a number or an array of numbers, found true"},
      {"{\"x\": [1, 0], \"y\": [1], \"w\": 3}", ":1:30: unknown name \"w\": network Xor has inputs x[2]; targets y[1];"},
      {"{\"y\": [1]}", ": missing input x[2]"},
      {"{\"x\": [1, 0]}", ": missing target y[1]"},
      {"{\"x\": [1, 0], \"y\": [1e999]}", ":1:21: number out of range"},
      {"{\"x\": [1, 0], \"x\": [1]}", ":1:15: duplicate name \"x\""},
      {"{\"x\": [01, 0]}", ":1:9: malformed number"},
    };
    for (Object[] c : cases) {
      Path v = Files.writeString(tmp.resolve("v.json"), (String) c[0]);
      CliRun r = CliRun.of("eval", xor, "--values", v);
      expect(3, r);
      assertTrue(r.err().contains(v + (String) c[1]), () -> c[0] + " -> " + r);
    }
    CliRun missing = CliRun.of("eval", xor, "--values", tmp.resolve("none.json"));
    expect(3, missing);
    assertTrue(missing.err().contains("none.json: no such file"), missing::toString);
  }

  static Json.Obj parse(String text) {
    return (Json.Obj) parseAny(text);
  }

  static Object parseAny(String text) {
    try {
      return Json.parse(text);
    } catch (Json.JsonException e) {
      throw new AssertionError(e.getMessage() + " in\n" + text);
    }
  }

  static Map<String, double[]> arrays(Object obj) {
    Map<String, double[]> m = new LinkedHashMap<>();
    ((Json.Obj) obj).members.forEach((k, v) -> {
      List<Object> items = ((Json.Arr) v).items;
      double[] a = new double[items.size()];
      for (int i = 0; i < a.length; i++) {
        Object x = items.get(i);
        a[i] = x instanceof Json.Num n ? n.value() : Double.parseDouble((String) x);
      }
      m.put(k, a);
    });
    return m;
  }

  static void close(double want, double got, String what) {
    double err = Math.abs(want - got);
    assertTrue(err <= 1e-10 * Math.max(1, Math.abs(want)) || Double.compare(want, got) == 0,
        what + ": want " + want + " got " + got);
  }

  static void close(double[] want, double[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      close(want[i], got[i], what + "[" + i + "]");
    }
  }
}
