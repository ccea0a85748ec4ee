package dev.netc.compiler.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.check.Frontend;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.model.Symbol;
import dev.netc.compiler.viz.Layout.Rect;
import dev.netc.compiler.viz.Picture.Arrow;
import dev.netc.compiler.viz.Picture.Box;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.w3c.dom.Element;

/**
 * The SVG pictures, structurally: well-formed XML, one group per node and per edge, every label
 * present, no two node boxes overlapping (nor a value label over a box), for every example
 * network and a 40-layer tanh chain, forward only and with the backward part and values.
 */
class PicturesTest {
  static List<Network> networks(String name, String text) {
    Diagnostics d = new Diagnostics();
    List<Network> nets = Frontend.check(List.of(new SourceFile(name, text)), "", d);
    assertFalse(d.hasErrors(), () -> d.all().toString());
    return nets;
  }

  /** Values in (0.1, 0.9) for every input, target and param: safe for log, sqrt and division. */
  static Map<String, double[]> leaves(Network n, long seed) {
    Random rnd = new Random(seed);
    Map<String, double[]> v = new LinkedHashMap<>();
    List<Symbol> all = new ArrayList<>(n.inputs());
    all.addAll(n.targets());
    n.params().forEach(p -> all.add(p.symbol()));
    for (Symbol s : all) {
      double[] a = new double[s.shape().size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = 0.1 + 0.8 * rnd.nextDouble();
      }
      v.put(s.name(), a);
    }
    return v;
  }

  static String chain(int layers) {
    StringBuilder sb = new StringBuilder("network Chain {\n  input x[2]\n  target y[2]\n");
    for (int i = 1; i <= layers; i++) {
      sb.append("  param W").append(i).append("[2, 2]\n");
    }
    sb.append("  h1 = tanh(W1 * x)\n");
    for (int i = 2; i <= layers; i++) {
      sb.append("  h").append(i).append(" = tanh(W").append(i).append(" * h").append(i - 1).append(")\n");
    }
    return sb.append("  output h").append(layers).append("\n  loss = mse(h").append(layers).append(", y)\n}\n").toString();
  }

  @TestFactory
  Stream<DynamicTest> everyExampleDrawsCleanly() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/examples"))) {
      files = s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    }
    assertTrue(files.size() >= 5, files::toString);
    for (Path f : files) {
      for (Network n : networks(f.toString(), Files.readString(f))) {
        tests.add(DynamicTest.dynamicTest(f.getFileName() + " " + n.name() + " forward",
            () -> check(Pictures.of(n, false, null))));
        tests.add(DynamicTest.dynamicTest(f.getFileName() + " " + n.name() + " backward, values",
            () -> check(Pictures.of(n, true, leaves(n, 7)))));
      }
    }
    return tests.stream();
  }

  @Test
  void aFortyLayerTanhChainDrawsCleanly() throws Exception {
    Network n = networks("chain.net", chain(40)).get(0);
    Picture forward = Pictures.of(n, false, leaves(n, 3));
    check(forward);
    // x, y, 40 params, 40 matmuls, 40 tanh, the mse; output and loss boxes
    assertTrue(forward.boxes().size() >= 122, () -> "" + forward.boxes().size());
    check(Pictures.of(n, true, leaves(n, 3)));
  }

  /** Lays out, writes and parses the picture; checks its structure. */
  static SvgDoc check(Picture p) throws Exception {
    Layout.Placed placed = Layout.place(p);
    String svg = Svg.write(placed);
    SvgDoc doc = new SvgDoc(svg);
    assertEquals(p.boxes().size(), doc.nodes.size(), "node groups");
    assertEquals(p.arrows().size(), doc.edges.size(), "edge groups");
    for (Box b : p.boxes()) {
      Element g = doc.nodes.get(b.id());
      assertNotNull(g, b.id());
      assertEquals(b.lines(), SvgDoc.texts(g, "label"), b.id());
      assertTrue(g.getAttribute("class").contains(b.kind().cssClass()));
    }
    for (Arrow a : p.arrows()) {
      Element g = doc.edges.get(a.id());
      assertNotNull(g, a.id());
      assertEquals(a.from(), g.getAttribute("data-from"));
      assertEquals(a.to(), g.getAttribute("data-to"));
      assertEquals(a.value() == null ? List.of() : List.of(a.value()), SvgDoc.texts(g, "value"), a.id());
      assertEquals(a.grad() == null ? List.of() : List.of(a.grad()), SvgDoc.texts(g, "grad"), a.id());
      assertTrue(g.getAttribute("class").contains("gradient") == a.gradient(), a.id());
      assertTrue(g.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline").getLength() == 1, a.id());
    }
    List<Map.Entry<String, Element>> nodes = new ArrayList<>(doc.nodes.entrySet());
    List<Rect> rects = nodes.stream().map(e -> SvgDoc.box(e.getValue())).toList();
    for (int i = 0; i < rects.size(); i++) {
      Rect r = rects.get(i);
      assertTrue(r.x() >= 0 && r.y() >= 0 && r.x() + r.w() <= placed.width() + 0.5
          && r.y() + r.h() <= placed.height() + 0.5, "box inside the picture: " + nodes.get(i).getKey());
      for (int j = i + 1; j < rects.size(); j++) {
        assertFalse(r.overlaps(rects.get(j)),
            "boxes overlap: " + nodes.get(i).getKey() + " " + r + " and " + nodes.get(j).getKey() + " " + rects.get(j));
      }
      for (Map.Entry<String, Rect> l : placed.labels().entrySet()) {
        assertFalse(r.overlaps(l.getValue()), "label of " + l.getKey() + " over box " + nodes.get(i).getKey());
      }
    }
    return doc;
  }

  @Test
  void numbersAreShort() {
    assertEquals("3", Pictures.number(3.0));
    assertEquals("-12", Pictures.number(-12.0));
    assertEquals("0.1235", Pictures.number(0.123456));
    assertEquals("1.5e-07", Pictures.number(1.5e-7));
    assertEquals("[1, 2.5]", Pictures.format(new double[] {1, 2.5}, Shape.vector(2)));
    assertEquals("[[1, 2], [3, 4]]", Pictures.format(new double[] {1, 2, 3, 4}, Shape.matrix(2, 2)));
    assertEquals("[5] norm 5", Pictures.format(new double[] {3, 4, 0, 0, 0}, Shape.vector(5)));
  }

  @Test
  void textIsEscaped() {
    assertEquals("a&lt;b&amp;c&quot;&gt;", Svg.escape("a<b&c\">"));
  }
}
