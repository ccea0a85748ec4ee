package dev.netc.compiler.viz;

import dev.netc.compiler.viz.Layout.Placed;
import dev.netc.compiler.viz.Layout.Point;
import dev.netc.compiler.viz.Layout.Rect;
import dev.netc.compiler.viz.Picture.Arrow;
import dev.netc.compiler.viz.Picture.Box;
import dev.netc.compiler.viz.Picture.Kind;
import java.util.List;
import java.util.Locale;

/**
 * Writes a placed {@link Picture} as SVG, by hand: one {@code <g class="node ...">} per box (a
 * rounded rectangle and its lines of text) and one {@code <g class="edge ...">} per arrow (a
 * polyline with an arrowhead, and its value in green above the edge and its gradient in red below
 * it). The backward part is red and dashed.
 */
public final class Svg {
  static final String VALUE = "#1a7f1a";
  static final String GRAD = "#c62828";
  static final String FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace";

  private Svg() {}

  public static String write(Placed placed) {
    Picture p = placed.picture();
    StringBuilder o = new StringBuilder();
    o.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
            + " font-family=\"%s\">\n",
        Math.ceil(placed.width()), Math.ceil(placed.height()), Math.ceil(placed.width()),
        Math.ceil(placed.height()), FONT));
    o.append("<defs>\n");
    marker(o, "arrow", "#444444");
    marker(o, "arrow-gradient", GRAD);
    o.append("</defs>\n");
    o.append(String.format(Locale.ROOT, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%.1f\" height=\"%.1f\" fill=\"white\"/>\n",
        Math.ceil(placed.width()), Math.ceil(placed.height())));
    if (p.title() != null) {
      o.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"20\" y=\"22\" font-size=\"%.0f\" fill=\"#333333\">%s</text>\n",
          Layout.BOX_FONT, escape(p.title())));
    }
    for (Arrow a : p.arrows()) {
      edge(o, a, placed.arrows().get(a.id()), placed.labels().get(a.id()));
    }
    for (Box b : p.boxes()) {
      node(o, b, placed.boxes().get(b.id()));
    }
    o.append("</svg>\n");
    return o.toString();
  }

  private static void marker(StringBuilder o, String id, String color) {
    o.append("<marker id=\"").append(id).append("\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\""
        + " orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"")
        .append(color).append("\"/></marker>\n");
  }

  private static void node(StringBuilder o, Box b, Rect r) {
    String[] colors = colors(b.kind());
    boolean dashed = b.kind().isGradient();
    o.append(String.format(Locale.ROOT, "<g class=\"node %s\" id=\"%s\">\n", b.kind().cssClass(), escape(b.id())));
    o.append("  <title>").append(escape(String.join(" ", b.lines()))).append("</title>\n");
    o.append(String.format(Locale.ROOT,
        "  <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\" ry=\"8\" fill=\"%s\" stroke=\"%s\""
            + " stroke-width=\"1.5\"%s/>\n",
        r.x(), r.y(), r.w(), r.h(), colors[0], colors[1], dashed ? " stroke-dasharray=\"5,3\"" : ""));
    double lineHeight = Layout.BOX_FONT * Layout.LINE;
    double y0 = r.y() + (r.h() - b.lines().size() * lineHeight) / 2 + Layout.BOX_FONT;
    for (int i = 0; i < b.lines().size(); i++) {
      boolean bold = i == 0 && b.lines().size() > 2;
      o.append(String.format(Locale.ROOT,
          "  <text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"middle\" fill=\"%s\"%s>%s</text>\n",
          r.x() + r.w() / 2, y0 + i * lineHeight, Layout.BOX_FONT, i == b.lines().size() - 1 ? "#666666" : "#111111",
          bold ? " font-weight=\"bold\"" : "", escape(b.lines().get(i))));
    }
    o.append("</g>\n");
  }

  private static String[] colors(Kind k) {
    return switch (k) {
      case INPUT -> new String[] {"#e8f0fe", "#3b6fd6"};
      case TARGET -> new String[] {"#fff4e0", "#c98a1c"};
      case PARAM -> new String[] {"#eaf6ea", "#3a8a3a"};
      case CONST -> new String[] {"#f4f4f4", "#999999"};
      case OP -> new String[] {"#ffffff", "#333333"};
      case OUTPUT, LOSS -> new String[] {"#f3e8fd", "#7b3fbf"};
      case GRADIENT_OP, GRADIENT -> new String[] {"#fdecec", GRAD};
    };
  }

  private static void edge(StringBuilder o, Arrow a, List<Point> pts, Rect label) {
    o.append(String.format(Locale.ROOT, "<g class=\"edge%s\" id=\"%s\" data-from=\"%s\" data-to=\"%s\">\n",
        a.gradient() ? " gradient" : "", escape(a.id()), escape(a.from()), escape(a.to())));
    StringBuilder points = new StringBuilder();
    for (Point pt : pts) {
      points.append(points.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", pt.x(), pt.y()));
    }
    o.append(String.format(Locale.ROOT, "  <polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s"
            + " marker-end=\"url(#%s)\"/>\n",
        points, a.gradient() ? GRAD : "#444444", a.gradient() ? " stroke-dasharray=\"6,4\"" : "",
        a.gradient() ? "arrow-gradient" : "arrow"));
    if (label != null) {
      double cx = label.x() + label.w() / 2;
      double y = yAt(pts, cx, label.y() + label.h() / 2);
      if (a.value() != null) {
        text(o, "value", cx, y - 5, VALUE, a.value());
      }
      if (a.grad() != null) {
        text(o, "grad", cx, y + 4 + Layout.LABEL_FONT * 0.8, GRAD, a.grad());
      }
    }
    o.append("</g>\n");
  }

  private static void text(StringBuilder o, String cls, double x, double y, String color, String s) {
    o.append(String.format(Locale.ROOT,
        "  <text class=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"middle\" fill=\"%s\""
            + " stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">%s</text>\n",
        cls, x, y, Layout.LABEL_FONT, color, escape(s)));
  }

  /** The polyline's y where it crosses {@code x} (the first segment that does), else {@code dflt}. */
  static double yAt(List<Point> pts, double x, double dflt) {
    for (int i = 0; i + 1 < pts.size(); i++) {
      Point a = pts.get(i);
      Point b = pts.get(i + 1);
      if ((a.x() <= x && x <= b.x()) || (b.x() <= x && x <= a.x())) {
        return a.x() == b.x() ? (a.y() + b.y()) / 2 : a.y() + (b.y() - a.y()) * (x - a.x()) / (b.x() - a.x());
      }
    }
    return dflt;
  }

  /** Text escaped for XML content and attribute values. */
  public static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            sb.append('?');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
