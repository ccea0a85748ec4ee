package dev.netc.compiler.diag;

import java.util.List;

/**
 * One {@code .net} source: the name shown in diagnostics (usually the path as the user gave it)
 * and its text.
 */
public record SourceFile(String name, String text) {
  public SourceFile {
    if (name == null || text == null) {
      throw new IllegalArgumentException("name and text are required");
    }
  }

  /** The text of the 1-based line {@code line}, without its line terminator; "" past the end. */
  public String line(int line) {
    List<String> lines = text.lines().toList();
    return line >= 1 && line <= lines.size() ? lines.get(line - 1) : "";
  }

  /** The number of lines, counting a last line without a terminator. */
  public int lineCount() {
    return Math.max(1, (int) text.lines().count());
  }
}
