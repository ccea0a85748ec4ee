package dev.netc.compiler.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.compiler.check.Frontend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Diagnostic#render()}: the header, the source line, and a caret under the token. */
class DiagnosticRenderTest {
  private static final String NL = System.lineSeparator();

  private static String render(String text, int line, int column, int length) {
    SourceFile file = new SourceFile("f.net", text);
    return new Diagnostic(DiagCode.UNKNOWN_NAME, file, new Pos(line, column, length), DiagCode.UNKNOWN_NAME.format("b"))
        .render();
  }

  @Test
  void caretUnderTheToken() {
    assertEquals(String.join(NL, "f.net:2:9: error: unknown name 'b'", "    h = b + 1", "        ^"),
        render("x\n    h = b + 1\n", 2, 9, 1));
  }

  @Test
  void tildesSpanTheTokenButNotPastTheLine() {
    assertEquals(String.join(NL, "f.net:1:5: error: unknown name 'b'", "h = bias", "    ^~~~"),
        render("h = bias", 1, 5, 4));
    assertEquals(String.join(NL, "f.net:1:5: error: unknown name 'b'", "h = bi", "    ^~"),
        render("h = bi", 1, 5, 40));
  }

  @Test
  void tabsBeforeTheTokenAreCopiedSoTheCaretLinesUp() {
    assertEquals(String.join(NL, "f.net:1:6: error: unknown name 'b'", "\th =\tb", "\t   \t^"),
        render("\th =\tb", 1, 6, 1));
  }

  @Test
  void unicodeNamesBeforeTheTokenCountAsOneColumnEach() {
    assertEquals(String.join(NL, "f.net:1:11: error: unknown name 'b'", "σ = 가중치 * λ", "          ^"),
        render("σ = 가중치 * λ", 1, 11, 1));
    // a character outside the BMP is one column, though two Java chars
    assertEquals(String.join(NL, "f.net:1:5: error: unknown name 'b'", "\uD835\uDC65 = b", "    ^"),
        render("\uD835\uDC65 = b", 1, 5, 1));
  }

  @Test
  void theEndOfTheLineAndTheLineAfterTheLastCanBePointedAt() {
    assertEquals(String.join(NL, "f.net:1:4: error: unknown name 'b'", "h =", "   ^"), render("h =", 1, 4, 1));
    assertEquals(String.join(NL, "f.net:2:1: error: unknown name 'b'", "", "^"), render("h =\n", 2, 1, 1));
  }

  @Test
  void theFrontEndsPositionsRenderUnderTheOperatorAfterTabsAndUnicode() {
    SourceFile file = new SourceFile("u.net",
        "network A {\n\tinput 가중치[3], λ[2]\n\tσ =\t가중치 + λ\n\toutput σ\n}\n");
    Diagnostics diagnostics = new Diagnostics();
    Frontend.check(List.of(file), "", diagnostics);
    assertEquals(List.of(String.join(NL,
        "u.net:3:10: error: '+' cannot broadcast [3] and [2]: aligned from the last axis, sizes must be equal or 1",
        "\tσ =\t가중치 + λ",
        "\t   \t    ^")), diagnostics.all().stream().map(Diagnostic::render).toList());
  }

  @Test
  void theSourceLineIsTheOneTheLexerCounted() {
    for (String text : List.of("a\nb = c", "a\r\nb = c", "a\rb = c")) {
      assertEquals(String.join(NL, "f.net:2:5: error: unknown name 'b'", "b = c", "    ^"), render(text, 2, 5, 1));
    }
  }
}
