package dev.netc.compiler.diag;

/** One reported problem: where, what kind (a stable {@link DiagCode}) and the rendered message. */
public record Diagnostic(DiagCode code, SourceFile file, Pos pos, String message) {

  public Severity severity() {
    return code.severity();
  }

  public boolean isError() {
    return code.severity() == Severity.ERROR;
  }

  /** {@code file:line:column: error: message}, without the source excerpt. */
  public String header() {
    return file.name() + ":" + pos.line() + ":" + pos.column() + ": " + severity().label() + ": " + message;
  }

  /** The header, then the source line, then a caret under the offending token. */
  public String render() {
    String src = file.line(pos.line());
    StringBuilder caret = new StringBuilder();
    int col = 1;
    for (int i = 0; i < src.length() && col < pos.column(); ) {
      int cp = src.codePointAt(i);
      caret.append(cp == '\t' ? '\t' : ' ');
      i += Character.charCount(cp);
      col++;
    }
    caret.append('^');
    int maxTail = Math.max(0, src.codePointCount(0, src.length()) - pos.column());
    caret.append("~".repeat(Math.min(pos.length() - 1, maxTail)));
    return header() + System.lineSeparator() + src + System.lineSeparator() + caret;
  }
}
