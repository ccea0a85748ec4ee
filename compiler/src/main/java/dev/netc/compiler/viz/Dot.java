package dev.netc.compiler.viz;

import dev.netc.compiler.viz.Picture.Arrow;
import dev.netc.compiler.viz.Picture.Box;

/**
 * Writes a {@link Picture} in Graphviz's DOT language (left to right; the backward part red and
 * dashed; values in green and gradients in red as HTML edge labels), for {@code dot -Tsvg}.
 */
public final class Dot {
  private Dot() {}

  public static String write(Picture p) {
    StringBuilder o = new StringBuilder("digraph netc {\n");
    o.append("  rankdir=LR;\n");
    if (p.title() != null) {
      o.append("  labelloc=t; label=").append(quote(p.title())).append(";\n");
    }
    o.append("  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans Mono\", fillcolor=white];\n");
    o.append("  edge [fontname=\"DejaVu Sans Mono\", fontsize=11];\n");
    for (Box b : p.boxes()) {
      o.append("  ").append(quote(b.id())).append(" [label=").append(quote(String.join("\n", b.lines())));
      switch (b.kind()) {
        case INPUT -> o.append(", fillcolor=\"#e8f0fe\", color=\"#3b6fd6\"");
        case TARGET -> o.append(", fillcolor=\"#fff4e0\", color=\"#c98a1c\"");
        case PARAM -> o.append(", fillcolor=\"#eaf6ea\", color=\"#3a8a3a\"");
        case CONST -> o.append(", fillcolor=\"#f4f4f4\", color=\"#999999\"");
        case OUTPUT, LOSS -> o.append(", fillcolor=\"#f3e8fd\", color=\"#7b3fbf\"");
        case GRADIENT_OP, GRADIENT -> o.append(", fillcolor=\"#fdecec\", color=\"#c62828\", style=\"rounded,filled,dashed\"");
        default -> { }
      }
      o.append("];\n");
    }
    for (Arrow a : p.arrows()) {
      o.append("  ").append(quote(a.from())).append(" -> ").append(quote(a.to())).append(" [id=").append(quote(a.id()));
      if (a.gradient()) {
        o.append(", color=\"#c62828\", style=dashed");
      }
      if (a.annotated()) {
        o.append(", label=<");
        if (a.value() != null) {
          o.append("<font color=\"#1a7f1a\">").append(Svg.escape(a.value())).append("</font>");
        }
        if (a.grad() != null) {
          o.append(a.value() != null ? "<br/>" : "").append("<font color=\"#c62828\">").append(Svg.escape(a.grad())).append("</font>");
        }
        o.append(">");
      }
      o.append("];\n");
    }
    return o.append("}\n").toString();
  }

  /** A DOT string: quotes and backslashes escaped, line breaks as {@code \n}. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
