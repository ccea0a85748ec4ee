package dev.netc.compiler.diag;

/**
 * A place in a source file: 1-based line, 1-based column (in code points, as ANTLR counts), and
 * the length of the token or construct there (at least 1), for the caret line.
 */
public record Pos(int line, int column, int length) {
  public static final Pos NONE = new Pos(1, 1, 1);

  public Pos {
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("positions are 1-based: " + line + ":" + column);
    }
    length = Math.max(1, length);
  }

  /* Written out, with the values of the generated ones, for the reason given in model.Shape. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Pos p && p.line == line && p.column == column && p.length == length;
  }

  @Override
  public int hashCode() {
    return (line * 31 + column) * 31 + length;
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
