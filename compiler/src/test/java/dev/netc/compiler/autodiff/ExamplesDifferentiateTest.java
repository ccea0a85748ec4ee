package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.DagDump;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.testing.GradCheck;
import dev.netc.compiler.testing.Kinks;
import dev.netc.compiler.testing.Nets;
import dev.netc.compiler.testing.RandomNetworks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The spec's example networks differentiate, and their gradients are right. */
class ExamplesDifferentiateTest {
  static final Path EXAMPLES = Path.of("src/test/resources/examples");

  static List<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    }
  }

  static Compilation compile(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return Compilation.of(List.of(new SourceFile(file.getFileName().toString(), text)), "");
  }

  static Dag only(String fileName) throws IOException {
    Compilation c = compile(EXAMPLES.resolve(fileName));
    assertFalse(c.hasErrors(), () -> render(c.diagnostics()));
    assertEquals(1, c.dags().size());
    return c.dags().get(0);
  }

  static String render(Diagnostics d) {
    return d.all().stream().map(Diagnostic::render).collect(Collectors.joining("\n"));
  }

  @TestFactory
  Stream<DynamicTest> everyExampleDifferentiatesAndAgreesWithFiniteDifferences() throws IOException {
    List<Path> files = examples();
    assertTrue(files.size() >= 5, "examples: " + files);
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      Compilation c = compile(f);
      assertFalse(c.hasErrors(), () -> render(c.diagnostics()));
      assertFalse(c.dags().isEmpty());
      for (Dag dag : c.dags()) {
        assertNotNull(dag.loss(), dag.network().name());
        assertEquals(dag.network().params().size(), dag.paramGradients().size());
        assertEquals(dag.network().inputs().size(), dag.inputGradients().size());
        int checked = 0;
        for (long seed = 0; seed < 3; seed++) {
          Map<String, double[]> values = null;
          for (int attempt = 0; attempt < 500 && values == null; attempt++) {
            Map<String, double[]> v = RandomNetworks.values(dag.network(), seed * 7919 + attempt);
            if (Kinks.safe(dag, v, 1e-3)) {
              values = v;
            }
          }
          assertNotNull(values, dag.network().name() + ": no point away from kinks");
          assertNull(GradCheck.firstMismatch(dag, values, 1e-7, 1e-5), dag.network().name());
          checked++;
        }
        assertEquals(3, checked);
      }
    }));
  }

  @Test
  void gateGivesTheLectureNumbersExactly() throws IOException {
    Dag dag = only("gate.net");
    Map<Node, double[]> v = Eval.run(dag.nodes(), Map.of("x", new double[] {-2}, "y", new double[] {5}, "z", new double[] {-4}));
    assertEquals(-12.0, v.get(dag.loss())[0]);
    assertEquals(-4.0, v.get(dag.inputGradients().get("x"))[0]);
    assertEquals(-4.0, v.get(dag.inputGradients().get("y"))[0]);
    assertEquals(3.0, v.get(dag.inputGradients().get("z"))[0]);
    assertEquals(-12.0, v.get(dag.outputs().get("f"))[0]);
  }

  @Test
  void aMissingRuleIsADiagnosticAtTheCallNotAnException() {
    String src = "network T {\n    input x[2]\n    loss = sum(tanh(x))\n}\n";
    Diagnostics d = new Diagnostics();
    var result = new ReverseMode(Rules.standard().without(Op.TANH)).differentiate(Lowering.lower(Nets.check(src)), d);
    assertTrue(result.isEmpty());
    assertEquals(1, d.all().size());
    Diagnostic e = d.all().get(0);
    assertEquals(DiagCode.NO_DERIVATIVE, e.code());
    assertEquals("E090", e.code().code());
    assertEquals("no derivative rule for 'tanh'", e.message());
    assertEquals(3, e.pos().line());
    assertEquals(src.lines().toList().get(2).indexOf("tanh") + 1, e.pos().column());
    assertTrue(e.render().startsWith("test.net:3:" + e.pos().column() + ": error: no derivative rule for 'tanh'"), e.render());
  }

  @Test
  void aMissingRuleOffThePathToTheLossIsNoError() {
    // tanh feeds only an output: the loss does not need its derivative
    String src = "network T {\n    input x[2]\n    t = tanh(x)\n    output t\n    loss = sum(x)\n}\n";
    Diagnostics d = new Diagnostics();
    assertTrue(new ReverseMode(Rules.standard().without(Op.TANH)).differentiate(Lowering.lower(Nets.check(src)), d).isPresent());
    assertFalse(d.hasErrors());
  }

  @Test
  void xorGradientsHaveTheBackpropForm() throws IOException {
    Dag dag = only("xor.net");
    String dump = DagDump.dump(dag);
    // dW = delta * transpose(x): for a vector x, the outer product of delta and x
    Node dW1 = dag.paramGradients().get("W1");
    Node dW2 = dag.paramGradients().get("W2");
    assertEquals(Op.OUTER, dW1.op(), dump);
    assertEquals(Op.OUTER, dW2.op(), dump);
    assertEquals("x", dW1.input(1).name(), dump);
    assertEquals("h", dW2.input(1).label(), dump);
    // delta1 = transpose(W2) * delta2 .* sigmoid'(...): a product with the transposed weights
    List<Node> backward = Dag.closure(dag.nodes(), List.of(dW1));
    assertTrue(backward.stream().anyMatch(n -> n.op() == Op.MATMUL && n.input(0).op() == Op.TRANSPOSE
        && "W2".equals(n.input(0).input(0).name())), dump);
    // and the same delta feeds db1 (biases get delta itself) and dW1
    assertEquals(dW1.input(0), dag.paramGradients().get("b1"), dump);
    assertEquals(dW2.input(0), dag.paramGradients().get("b2"), dump);
    assertTrue(dump.contains("outer") && dump.contains("transpose") && dump.contains("matmul"), dump);
  }

  @Test
  void matrixProductsGiveTransposedProducts() {
    Dag dag = Nets.differentiate("network T {\n input X[3, 4]\n param W[2, 3]\n loss = sum(W * X)\n}\n");
    Node dW = dag.paramGradients().get("W");
    Node dX = dag.inputGradients().get("X");
    // dW = G * transpose(X), dX = transpose(W) * G
    assertEquals(Op.MATMUL, dW.op());
    assertEquals(Op.TRANSPOSE, dW.input(1).op());
    assertEquals("X", dW.input(1).input(0).name());
    assertEquals(Op.MATMUL, dX.op());
    assertEquals(Op.TRANSPOSE, dX.input(0).op());
    assertEquals("W", dX.input(0).input(0).name());
  }

  @Test
  void softmaxCrossEntropyGradientHasNoLog() {
    assertNoLogInGradients("softmax_cross_entropy(W * x + b, y)", "[3]");
  }

  @Test
  void sigmoidBinaryCrossEntropyGradientHasNoLog() {
    assertNoLogInGradients("sigmoid_binary_cross_entropy(W * x + b, y)", "[3]");
  }

  @Test
  void digitsGradientHasNoLogAndUsesSoftmax() throws IOException {
    Dag dag = only("digits.net");
    List<Node> gradients = new ArrayList<>(dag.paramGradients().values());
    gradients.addAll(dag.inputGradients().values());
    List<Node> needed = Dag.closure(dag.nodes(), gradients);
    assertFalse(needed.stream().anyMatch(n -> n.op() == Op.LOG || n.op() == Op.LOG_SOFTMAX), DagDump.dump(dag));
    assertTrue(needed.stream().anyMatch(n -> n.op() == Op.SOFTMAX), DagDump.dump(dag));
  }

  static void assertNoLogInGradients(String loss, String shape) {
    Dag dag = Nets.differentiate("network T {\n input x[4]\n target y" + shape + "\n param W[3, 4]\n param b[3]\n loss = "
        + loss + "\n}\n");
    List<Node> gradients = new ArrayList<>(dag.paramGradients().values());
    gradients.addAll(dag.inputGradients().values());
    List<Node> needed = Dag.closure(dag.nodes(), gradients);
    assertFalse(needed.stream().anyMatch(n -> n.op() == Op.LOG || n.op() == Op.LOG_SOFTMAX), DagDump.dump(dag));
    // and it is right: at logits of +-30, a chain through log(softmax(z)) would lose it
    Map<String, double[]> v = Map.of("x", new double[] {30, -30, 1, 0}, "y", new double[] {0, 1, 0},
        "W", new double[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}, "b", new double[3]);
    Map<Node, double[]> values = Eval.run(dag.nodes(), v);
    for (Node g : gradients) {
      for (double d : values.get(g)) {
        assertTrue(Double.isFinite(d), loss + ": " + java.util.Arrays.toString(values.get(g)));
      }
    }
  }
}
