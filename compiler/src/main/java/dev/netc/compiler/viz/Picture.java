package dev.netc.compiler.viz;

import java.util.List;

/**
 * A network's computational graph as a picture, before layout: boxes (the DAG's nodes, plus one
 * box per output, for the loss and, with the backward part, per gradient) and arrows (data flow,
 * one per use of a value). {@link Layout} places it; {@link Svg} and {@link Dot} write it.
 *
 * @param title one line shown above the graph
 */
public record Picture(String title, List<Box> boxes, List<Arrow> arrows) {
  public Picture {
    boxes = List.copyOf(boxes);
    arrows = List.copyOf(arrows);
  }

  /** What a box stands for; decides its color. */
  public enum Kind {
    INPUT, TARGET, PARAM, CONST, OP, OUTPUT, LOSS,
    /** a node of the backward part (an adjoint computation) */
    GRADIENT_OP,
    /** the gradient of the loss with respect to a param or an input */
    GRADIENT;

    public boolean isGradient() {
      return this == GRADIENT_OP || this == GRADIENT;
    }

    /** The CSS class of the box. */
    public String cssClass() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * One box.
   *
   * @param id unique, an XML name
   * @param lines its text: the source name if there is one, the op, the shape
   */
  public record Box(String id, Kind kind, List<String> lines) {
    public Box {
      lines = List.copyOf(lines);
    }
  }

  /**
   * One arrow, from the box computing a value to a box using it.
   *
   * @param gradient whether it belongs to the backward part
   * @param value the value it carries, formatted (null when not evaluated)
   * @param grad the gradient of the loss with respect to that value, formatted (null when not
   *     evaluated, or not defined: an arrow of the backward part, or a value the loss does not
   *     depend on through differentiable ops)
   */
  public record Arrow(String id, String from, String to, boolean gradient, String value, String grad) {
    public boolean annotated() {
      return value != null || grad != null;
    }
  }

  public Box box(String id) {
    return boxes.stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
  }
}
