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
}
