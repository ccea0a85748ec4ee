package dev.netc.compiler.diag;

import java.util.Objects;

/**
 * One {@code .net} source: the name shown in diagnostics (usually the path as the user gave it)
 * and its text. Immutable; its lines are split once, on first use.
 */
public final class SourceFile {
  private final String name;
  private final String text;
  private final java.nio.file.Path location;
  private volatile String[] lines;

  public SourceFile(String name, String text) {
    this(name, text, null);
  }

  /**
   * @param location where the file is on disk, if it is: {@code use "other.net"} resolves
   *     against it (without one, against {@code name} read as a path)
   */
  public SourceFile(String name, String text, java.nio.file.Path location) {
    if (name == null || text == null) {
      throw new IllegalArgumentException("name and text are required");
    }
    this.name = name;
    this.text = text;
    this.location = location;
  }

  /** Where the file is on disk: the location given, or else the name read as a path. */
  public java.nio.file.Path location() {
    return location != null ? location : java.nio.file.Path.of(name);
  }

  public String name() {
    return name;
  }

  public String text() {
    return text;
  }

  private String[] lines() {
    String[] l = lines;
    if (l == null) {
      l = text.lines().toArray(String[]::new);
      lines = l;
    }
    return l;
  }

  /** The text of the 1-based line {@code line}, without its line terminator; "" past the end. */
  public String line(int line) {
    String[] l = lines();
    return line >= 1 && line <= l.length ? l[line - 1] : "";
  }

  /** The number of lines, counting a last line without a terminator. */
  public int lineCount() {
    return Math.max(1, lines().length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceFile s && s.name.equals(name) && s.text.equals(text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, text);
  }

  @Override
  public String toString() {
    return "SourceFile[" + name + "]";
  }
}
