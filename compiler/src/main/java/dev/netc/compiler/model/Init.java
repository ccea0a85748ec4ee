package dev.netc.compiler.model;

import java.util.List;

/** A param's initializer as declared (or its default), with constant arguments. */
public record Init(Kind kind, List<Double> args) {
  public enum Kind {
    ZEROS("zeros", 0),
    ONES("ones", 0),
    CONSTANT("constant", 1),
    UNIFORM("uniform", 2),
    NORMAL("normal", 2),
    XAVIER("xavier", 0),
    HE("he", 0);

    private final String sourceName;
    private final int arity;

    Kind(String sourceName, int arity) {
      this.sourceName = sourceName;
      this.arity = arity;
    }

    public String sourceName() {
      return sourceName;
    }

    public int arity() {
      return arity;
    }
  }

  public Init {
    args = List.copyOf(args);
  }

  /** The spec's default: xavier for matrices, zeros for vectors and scalars. */
  public static Init defaultFor(Shape shape) {
    return new Init(shape.rank() >= 2 ? Kind.XAVIER : Kind.ZEROS, List.of());
  }
}
