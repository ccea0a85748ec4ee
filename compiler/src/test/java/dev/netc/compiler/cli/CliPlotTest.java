package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code netc train --plot}: valid PNG and SVG files; a bad extension is exit 2. */
class CliPlotTest {
  static final Path XOR = Path.of("../samples/xor/xor.net");
  static final Path XOR_CSV = Path.of("../samples/xor/xor.csv");
  static final Path IRIS = Path.of("../samples/iris/iris.net");
  static final Path IRIS_CSV = Path.of("../samples/iris/iris.csv.gz");

  @TempDir Path tmp;

  @Test
  void plotsAPng() throws Exception {
    Path png = tmp.resolve("plots/loss.png");
    CliRun r = CliRun.of("train", IRIS, "--data", IRIS_CSV, "--standardize", "--epochs", "20",
        "--plot", png);
    expect(0, r);
    assertTrue(r.out().contains("plotted to " + png), r::toString);
    byte[] bytes = Files.readAllBytes(png);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8));
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img);
    assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, img::toString);
  }

  @Test
  void plotsAnSvg() throws Exception {
    Path svg = tmp.resolve("loss.SVG");
    expect(0, CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--optimizer", "sgd",
        "--lr", "2", "--batch", "4", "--epochs", "50", "--plot", svg));
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    // XChart's SVG names the SVG 1.1 DTD: well-formedness needs no download
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document doc = f.newDocumentBuilder().parse(svg.toFile());
    assertEquals("svg", doc.getDocumentElement().getLocalName());
    assertTrue(doc.getElementsByTagNameNS("*", "path").getLength() > 0);
    try (var s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary files left");
    }
  }

  @Test
  void badPlotExtensionIsUsageAndNothingTrains() {
    CliRun r = CliRun.of("train", XOR, "--data", XOR_CSV, "--plot", tmp.resolve("loss.jpg"));
    expect(2, r);
    assertTrue(r.err().contains(".png or .svg"), r::toString);
    assertFalse(r.out().contains("epoch"), r::toString);
  }

  @Test
  void unwritablePlotIsExit3() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "x");
    expect(3, CliRun.of("train", XOR, "--data", XOR_CSV, "--plot", file.resolve("loss.png")));
  }
}
