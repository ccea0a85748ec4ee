package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.viz.SvgDoc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/** {@code netc graph}: the gate sample shows the CS231n numbers; DOT output; exit codes. */
class CliGraphTest {
  static final Path GATE = Path.of("../samples/gate/gate.net");
  static final Path GATE_VALUES = Path.of("../samples/gate/values.json");

  @TempDir Path tmp;

  @Test
  void gateShowsTheLectureValuesAndGradients() throws Exception {
    Path svg = tmp.resolve("gate.svg");
    CliRun r = CliRun.of("graph", GATE, "--backward", "--at", GATE_VALUES, "-o", svg);
    expect(0, r);
    assertTrue(r.out().startsWith("wrote " + svg), r::toString);
    SvgDoc doc = new SvgDoc(Files.readString(svg));
    // forward values in green above the edges, gradients of the loss in red below them
    edge(doc, "x", "q", "-2", "-4");
    edge(doc, "y", "q", "5", "-4");
    edge(doc, "z", "f", "-4", "3");
    edge(doc, "q", "f", "3", "-4");
    edge(doc, "f", "loss", "-12", "1");
    // the backward part: a gradient box per input, fed by a red dashed edge
    for (String[] g : new String[][] {{"x", "-4"}, {"y", "-4"}, {"z", "3"}}) {
      List<Element> boxes = doc.nodes.values().stream()
          .filter(e -> SvgDoc.texts(e, "label").get(0).equals("∂loss/∂" + g[0])
              && e.getAttribute("class").equals("node gradient")).toList();
      assertEquals(1, boxes.size(), g[0]);
      String id = boxes.get(0).getAttribute("id");
      Element in = doc.edges.values().stream().filter(e -> e.getAttribute("data-to").equals(id)).findFirst().orElseThrow();
      assertEquals("edge gradient", in.getAttribute("class"));
      assertEquals(List.of(g[1]), SvgDoc.texts(in, "value"));
    }
  }

  private static void edge(SvgDoc doc, String from, String to, String value, String grad) {
    Element e = doc.edge(from, to);
    assertEquals("edge", e.getAttribute("class"), from + " -> " + to);
    assertEquals(List.of(value), SvgDoc.texts(e, "value"), from + " -> " + to);
    assertEquals(List.of(grad), SvgDoc.texts(e, "grad"), from + " -> " + to);
  }

  @Test
  void forwardOnlyHasNoGradientPart() throws Exception {
    Path svg = tmp.resolve("gate-forward.svg");
    expect(0, CliRun.of("graph", GATE, "-o", svg));
    SvgDoc doc = new SvgDoc(Files.readString(svg));
    // x, y, z, q, f, the output f and the loss
    assertEquals(7, doc.nodes.size());
    assertEquals(6, doc.edges.size());
    assertTrue(doc.nodes.values().stream().noneMatch(e -> e.getAttribute("class").contains("gradient")));
    assertTrue(doc.edges.values().stream().allMatch(e -> SvgDoc.texts(e, null).isEmpty()), "no values without --at");
  }

  @Test
  void indexDefinitionsAreOneBoxEachWithTheirIndices() throws Exception {
    Path dot = tmp.resolve("conv.dot");
    expect(0, CliRun.of("graph", Path.of("src/test/resources/examples/convnet.net"), "--backward", "-o", dot));
    String text = Files.readString(dot);
    // the convolution's reduction, the pooling and the dense layer, each one box, not loops
    assertTrue(text.contains("[o, r, q] = sum(i, p, s) K[o, i, p, s] * x[i, p + r, q + s]"), text);
    assertTrue(text.contains("pool\\n[ch, r, q] = max(p, s) h[ch, p + 2*r, 2*q + s]"), text);
    assertTrue(text.contains("∂loss/∂K\\n"), text);
    assertTrue(!text.contains("for (int"), text);
  }

  @Test
  void writesDotForGraphviz() throws Exception {
    Path dot = tmp.resolve("gate.DOT");
    expect(0, CliRun.of("graph", GATE, "--backward", "--at", GATE_VALUES, "-o", dot));
    String text = Files.readString(dot);
    assertTrue(text.startsWith("digraph netc {"), text);
    assertTrue(text.contains("rankdir=LR"), text);
    assertTrue(text.contains("<font color=\"#1a7f1a\">-2</font><br/><font color=\"#c62828\">-4</font>"), text);
    assertTrue(text.contains("style=dashed"), text);
    assertTrue(text.trim().endsWith("}"), text);
  }

  @Test
  void xorWithSeededParamsAndTensorSummaries() throws Exception {
    Path values = tmp.resolve("v.json");
    Files.writeString(values, "{\"x\": [1, 0], \"y\": [1]}");
    Path svg = tmp.resolve("xor.svg");
    expect(0, CliRun.of("graph", "../samples/xor/xor.net", "--at", values, "--seed", "3", "-o", svg));
    SvgDoc doc = new SvgDoc(Files.readString(svg));
    Element w1 = doc.edges.values().stream()
        .filter(e -> e.getAttribute("data-from").equals(doc.nodeNamed("W1"))).findFirst().orElseThrow();
    assertTrue(SvgDoc.texts(w1, "value").get(0).startsWith("[4, 2] norm "), () -> SvgDoc.texts(w1, null).toString());
    assertTrue(SvgDoc.texts(w1, "grad").get(0).startsWith("[4, 2] norm "));
    Element x = doc.edges.values().stream()
        .filter(e -> e.getAttribute("data-from").equals(doc.nodeNamed("x"))).findFirst().orElseThrow();
    assertEquals(List.of("[1, 0]"), SvgDoc.texts(x, "value"));
  }

  @Test
  void badOutputExtensionIsUsage() {
    CliRun r = CliRun.of("graph", GATE, "-o", tmp.resolve("gate.png"));
    expect(2, r);
    assertTrue(r.err().contains(".svg or .dot"), r::toString);
    assertFalse(Files.exists(tmp.resolve("gate.png")));
  }

  @Test
  void unwritableOutputIsExit3() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "x");
    expect(3, CliRun.of("graph", GATE, "-o", file.resolve("gate.svg")));
    Path dir = Files.createDirectories(tmp.resolve("a.svg"));
    expect(3, CliRun.of("graph", GATE, "-o", dir));
  }

  @Test
  void writesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
    Path svg = tmp.resolve("out.svg");
    Files.writeString(svg, "old");
    expect(0, CliRun.of("graph", GATE, "-o", svg));
    assertTrue(Files.readString(svg).startsWith("<?xml"));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(svg), s.toList());
    }
  }

  @Test
  void badSourceAndBadValues() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.net"), "network N { input x\n y = nope(x)\n output y }\n");
    CliRun r = CliRun.of("graph", bad, "-o", tmp.resolve("b.svg"));
    expect(1, r);
    assertTrue(r.err().contains("bad.net:"), r::toString);
    Path values = Files.writeString(tmp.resolve("v.json"), "{\"x\": -2}");
    r = CliRun.of("graph", GATE, "--at", values, "-o", tmp.resolve("g.svg"));
    expect(3, r);
    assertTrue(r.err().contains("missing"), r::toString);
    expect(2, CliRun.of("graph", GATE, "--network", "Nope", "-o", tmp.resolve("g.svg")));
  }
}
