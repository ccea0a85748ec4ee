package dev.netc.compiler.viz;

import dev.netc.compiler.viz.Picture.Arrow;
import dev.netc.compiler.viz.Picture.Box;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.math.ElkPadding;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeLabelPlacement;
import org.eclipse.elk.core.options.EdgeRouting;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkLabel;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

/**
 * Places a {@link Picture} with ELK's layered algorithm, left to right: box positions, the points
 * of every arrow, and the place of every arrow's label (the edge runs through the middle of it, so
 * that the value sits above the edge and the gradient below). Text is sized for a monospace font.
 */
public final class Layout {
  /** Font sizes and the width of one monospace character, as a fraction of the size. */
  static final double BOX_FONT = 13;
  static final double LABEL_FONT = 12;
  static final double CHAR = 0.61;
  static final double LINE = 1.3;
  static final double TITLE_HEIGHT = 28;

  /** A rectangle. */
  public record Rect(double x, double y, double w, double h) {
    public boolean overlaps(Rect o) {
      return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
    }
  }

  public record Point(double x, double y) {}

  /**
   * @param boxes each box's rectangle by id
   * @param arrows each arrow's points (start, bends, end) by id
   * @param labels each annotated arrow's label rectangle by id
   */
  public record Placed(Picture picture, double width, double height, Map<String, Rect> boxes,
      Map<String, List<Point>> arrows, Map<String, Rect> labels) {}

  private static boolean registered;

  private Layout() {}

  private static synchronized void register() {
    if (!registered) {
      // explicitly: a jar that does not merge META-INF/services would lose the provider
      LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
      registered = true;
    }
  }

  public static double textWidth(String s, double fontSize) {
    return s.codePointCount(0, s.length()) * fontSize * CHAR;
  }

  static double boxWidth(Box b) {
    return b.lines().stream().mapToDouble(s -> textWidth(s, BOX_FONT)).max().orElse(0) + 20;
  }

  static double boxHeight(Box b) {
    return b.lines().size() * BOX_FONT * LINE + 10;
  }

  static double labelWidth(Arrow a) {
    double w = 0;
    if (a.value() != null) {
      w = textWidth(a.value(), LABEL_FONT);
    }
    if (a.grad() != null) {
      w = Math.max(w, textWidth(a.grad(), LABEL_FONT));
    }
    return w + 8;
  }

  /** Two lines of text with a gap for the edge between them. */
  static double labelHeight() {
    return 2 * LABEL_FONT * LINE + 8;
  }

  public static Placed place(Picture p) {
    register();
    ElkNode root = ElkGraphUtil.createGraph();
    root.setProperty(CoreOptions.ALGORITHM, "org.eclipse.elk.layered");
    root.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
    root.setProperty(CoreOptions.EDGE_ROUTING, EdgeRouting.ORTHOGONAL);
    root.setProperty(CoreOptions.PADDING, new ElkPadding(20, 20, 20, 20));
    root.setProperty(CoreOptions.SPACING_NODE_NODE, 28.0);
    root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 40.0);
    root.setProperty(LayeredOptions.SPACING_EDGE_NODE_BETWEEN_LAYERS, 16.0);
    root.setProperty(LayeredOptions.SPACING_EDGE_EDGE, 14.0);
    root.setProperty(CoreOptions.SPACING_EDGE_LABEL, 2.0);
    root.setProperty(CoreOptions.EDGE_LABELS_INLINE, true);
    Map<String, ElkNode> nodes = new LinkedHashMap<>();
    for (Box b : p.boxes()) {
      ElkNode n = ElkGraphUtil.createNode(root);
      n.setIdentifier(b.id());
      n.setDimensions(boxWidth(b), boxHeight(b));
      nodes.put(b.id(), n);
    }
    Map<String, ElkEdge> edges = new LinkedHashMap<>();
    Map<String, ElkLabel> labels = new LinkedHashMap<>();
    for (Arrow a : p.arrows()) {
      ElkEdge e = ElkGraphUtil.createSimpleEdge(nodes.get(a.from()), nodes.get(a.to()));
      e.setIdentifier(a.id());
      edges.put(a.id(), e);
      if (a.annotated()) {
        ElkLabel l = ElkGraphUtil.createLabel(e);
        l.setText(a.id());
        l.setDimensions(labelWidth(a), labelHeight());
        l.setProperty(CoreOptions.EDGE_LABELS_PLACEMENT, EdgeLabelPlacement.CENTER);
        l.setProperty(CoreOptions.EDGE_LABELS_INLINE, true);
        labels.put(a.id(), l);
      }
    }
    new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());

    double top = p.title() == null ? 0 : TITLE_HEIGHT;
    Map<String, Rect> boxes = new LinkedHashMap<>();
    nodes.forEach((id, n) -> boxes.put(id, new Rect(n.getX(), n.getY() + top, n.getWidth(), n.getHeight())));
    Map<String, List<Point>> arrows = new LinkedHashMap<>();
    edges.forEach((id, e) -> {
      List<Point> pts = new ArrayList<>();
      for (ElkEdgeSection s : e.getSections()) {
        pts.add(new Point(s.getStartX(), s.getStartY() + top));
        s.getBendPoints().forEach(bp -> pts.add(new Point(bp.getX(), bp.getY() + top)));
        pts.add(new Point(s.getEndX(), s.getEndY() + top));
      }
      arrows.put(id, pts);
    });
    Map<String, Rect> rects = new LinkedHashMap<>();
    labels.forEach((id, l) -> rects.put(id, new Rect(l.getX(), l.getY() + top, l.getWidth(), l.getHeight())));
    double width = Math.max(root.getWidth(), p.title() == null ? 0 : textWidth(p.title(), BOX_FONT) + 40);
    return new Placed(p, width, root.getHeight() + top, boxes, arrows, rects);
  }
}
