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
}
