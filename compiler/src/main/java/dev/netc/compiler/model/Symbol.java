package dev.netc.compiler.model;

import dev.netc.compiler.diag.Pos;

/**
 * A declared name of a network: an input, target, param or named value, with its shape.
 * {@code integer}: an {@code int} input or target (class indices or token ids), whose elements
 * are used as positions of reads and as class indices of losses; {@code ignore}: the padding id
 * of an int target ({@code ignore=0}), whose rows a loss skips.
 */
public record Symbol(Kind kind, String name, Shape shape, Pos pos, boolean integer, java.util.OptionalInt ignore) {
  public Symbol(Kind kind, String name, Shape shape, Pos pos) {
    this(kind, name, shape, pos, false, java.util.OptionalInt.empty());
  }

  public enum Kind {
    INPUT("input"),
    TARGET("target"),
    PARAM("param"),
    VALUE("value");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /* Written out, with the values of the generated ones, for the reason given in Shape. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Symbol s && s.kind == kind && java.util.Objects.equals(s.name, name)
        && java.util.Objects.equals(s.shape, shape) && java.util.Objects.equals(s.pos, pos);
  }

  @Override
  public int hashCode() {
    return ((java.util.Objects.hashCode(kind) * 31 + java.util.Objects.hashCode(name)) * 31
        + java.util.Objects.hashCode(shape)) * 31 + java.util.Objects.hashCode(pos);
  }
}
