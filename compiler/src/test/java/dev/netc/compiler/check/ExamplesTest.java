package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The spec's example networks, and the others under {@code examples/}, check without errors. */
class ExamplesTest {

  @TestFactory
  Stream<DynamicTest> everyExampleChecksWithoutErrors() {
    List<Path> files = Corpus.netFiles("examples");
    assertTrue(files.size() >= 5);
    return files.stream().map(net -> DynamicTest.dynamicTest(net.getFileName().toString(), () -> {
      Diagnostics diagnostics = new Diagnostics();
      List<Network> networks = Frontend.check(List.of(Corpus.source(net)), "", diagnostics);
      assertEquals(0, diagnostics.errorCount(), () -> String.join("\n", Corpus.headers(Corpus.source(net))));
      assertTrue(!networks.isEmpty());
    }));
  }

  @Test
  void theSpecsNetworksGiveNoDiagnosticsAtAll() {
    for (String name : List.of("xor", "gate", "digits")) {
      assertEquals(List.of(), headers(name), name);
    }
  }

  @Test
  void allOpsWarnsOnlyAboutStepSignAndAnOutputWithoutParams() {
    assertEquals(List.of(
        "examples/allops.net:12:10: warning: 'step' has a zero gradient, so nothing under it learns through this path to the loss",
        "examples/allops.net:12:20: warning: 'sign' has a zero gradient, so nothing under it learns through this path to the loss",
        "examples/allops.net:18:15: warning: output 'lp' does not depend on any param"),
        headers("allops"));
  }

  @Test
  void unicodeNamesAndJavaKeywordsAreNames() {
    assertEquals(List.of(), headers("unicode"));
    Network n = only("unicode");
    assertEquals(List.of("가중치", "σ", "new"), n.params().stream().map(p -> p.symbol().name()).toList());
    assertEquals(List.of("class", "int"), n.values().stream().map(v -> v.symbol().name()).toList());
    assertEquals(Shape.matrix(2, 3), n.params().get(0).symbol().shape(), "a size may be a const");
  }

  @Test
  void xorIsTypedAndTakesItsPackageFromTheFile() {
    Network xor = only("xor");
    assertEquals("com.example.nets.Xor", xor.qualifiedName());
    assertEquals(List.of("x"), xor.inputs().stream().map(Symbol::name).toList());
    assertEquals(List.of("y"), xor.targets().stream().map(Symbol::name).toList());
    assertEquals(Shape.vector(1), xor.outputs().get(0).shape());
    assertTrue(xor.loss().orElseThrow().shape().isScalar());
  }

  @Test
  void aFileWithoutPackageGetsTheDefaultPackage() {
    Diagnostics diagnostics = new Diagnostics();
    List<Network> networks = Frontend.check(List.of(Corpus.source(example("gate"))), "org.acme", diagnostics);
    assertEquals("org.acme.Gate", networks.get(0).qualifiedName());
  }

  private static Path example(String name) {
    return Corpus.RESOURCES.resolve("examples").resolve(name + ".net");
  }

  private static List<String> headers(String name) {
    return Corpus.headers(Corpus.source(example(name)));
  }

  private static Network only(String name) {
    SourceFile source = Corpus.source(example(name));
    List<Network> networks = Frontend.check(List.of(source), "", new Diagnostics());
    assertEquals(1, networks.size());
    return networks.get(0);
  }
}
