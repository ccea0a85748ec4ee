package dev.netc.compiler.viz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.viz.Layout.Rect;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** An SVG written by {@link Svg}, parsed by the JDK's XML parser (which fails on malformed XML). */
public final class SvgDoc {
  public final Map<String, Element> nodes = new LinkedHashMap<>();
  public final Map<String, Element> edges = new LinkedHashMap<>();

  public SvgDoc(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertTrue(doc.getDocumentElement().getLocalName().equals("svg"));
    NodeList gs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
    for (int i = 0; i < gs.getLength(); i++) {
      Element g = (Element) gs.item(i);
      String cls = g.getAttribute("class");
      if (cls.equals("node") || cls.startsWith("node ")) {
        assertTrue(nodes.put(g.getAttribute("id"), g) == null, "duplicate node id " + g.getAttribute("id"));
      } else if (cls.equals("edge") || cls.startsWith("edge ")) {
        assertTrue(edges.put(g.getAttribute("id"), g) == null, "duplicate edge id " + g.getAttribute("id"));
      }
    }
  }

  /** The contents of the {@code <text>} elements of {@code g} with class {@code cls} (any if null). */
  public static List<String> texts(Element g, String cls) {
    List<String> out = new ArrayList<>();
    NodeList ts = g.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
    for (int i = 0; i < ts.getLength(); i++) {
      Element t = (Element) ts.item(i);
      if (cls == null || t.getAttribute("class").equals(cls)) {
        out.add(t.getTextContent());
      }
    }
    return out;
  }

  /** The rounded rectangle of a node group. */
  public static Rect box(Element g) {
    Element r = (Element) g.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").item(0);
    return new Rect(d(r, "x"), d(r, "y"), d(r, "width"), d(r, "height"));
  }

  private static double d(Element e, String attr) {
    return Double.parseDouble(e.getAttribute(attr));
  }

  /** The edge from the node with first line {@code from} to the node with first line {@code to}. */
  public Element edge(String from, String to) {
    String f = nodeNamed(from);
    String t = nodeNamed(to);
    List<Element> found = edges.values().stream()
        .filter(e -> e.getAttribute("data-from").equals(f) && e.getAttribute("data-to").equals(t)).toList();
    assertTrue(found.size() == 1, "edges " + from + " -> " + to + ": " + found.size());
    return found.get(0);
  }

  public String nodeNamed(String firstLine) {
    List<String> ids = nodes.entrySet().stream()
        .filter(e -> texts(e.getValue(), "label").get(0).equals(firstLine))
        .filter(e -> !e.getValue().getAttribute("class").contains("gradient")
            && !e.getValue().getAttribute("class").equals("node output"))
        .map(Map.Entry::getKey).toList();
    assertTrue(ids.size() == 1, "nodes named " + firstLine + ": " + ids);
    return ids.get(0);
  }
}
