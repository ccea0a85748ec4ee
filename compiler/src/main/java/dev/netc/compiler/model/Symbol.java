package dev.netc.compiler.model;

import dev.netc.compiler.diag.Pos;

/** A declared name of a network: an input, target, param or named value, with its shape. */
public record Symbol(Kind kind, String name, Shape shape, Pos pos) {
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
