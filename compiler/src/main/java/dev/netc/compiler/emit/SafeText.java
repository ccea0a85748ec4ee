package dev.netc.compiler.emit;

/**
 * Makes text from a {@code .net} file safe inside generated Java comments: no unicode escapes
 * ({@code \\u000a} would end a {@code //} comment early, since javac decodes them everywhere),
 * no comment terminator, no line breaks or other control characters.
 */
public final class SafeText {
  private SafeText() {}

  public static String comment(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '\\') {
        b.append("\\\\");
      } else if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029 || Character.isSurrogate((char) cp)) {
        b.append(' ');
      } else {
        b.appendCodePoint(cp);
      }
    }
    return b.toString().replace("*/", "*\\/").replace("/*", "/\\*").strip();
  }

  /** The most characters (code points) of a source line quoted in a generated comment. */
  public static final int QUOTE_MAX = 120;

  /**
   * A source line for a generated comment: {@link #comment} of its first {@value #QUOTE_MAX}
   * characters (then {@code ...}), so that a generated file stays linear in the size of its source
   * however long one line is (every node of a line's expression quotes the line).
   */
  public static String quote(String line) {
    String t = line.strip();
    if (t.length() > QUOTE_MAX && t.codePointCount(0, t.length()) > QUOTE_MAX) {
      t = t.substring(0, t.offsetByCodePoints(0, QUOTE_MAX)) + " ...";
    }
    return comment(t);
  }
}
