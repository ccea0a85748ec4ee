package dev.netc.compiler.parse;

import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.grammar.NetLexer;
import dev.netc.grammar.NetParser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Replaces ANTLR's console listener: turns each syntax error into a diagnostic saying what was
 * expected and what was found, in the user's terms. One error per line, so that recovery does
 * not bury the first mistake under its echoes.
 */
final class SyntaxErrors extends BaseErrorListener {
  private static final Set<Integer> EXPRESSION_START =
      Set.of(NetLexer.NAME, NetLexer.NUMBER, NetLexer.LPAREN, NetLexer.MINUS, NetLexer.PLUS);

  private final SourceFile file;
  private final Diagnostics diagnostics;
  private final Set<Integer> linesWithErrors = new HashSet<>();
  private int count;

  SyntaxErrors(SourceFile file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  int count() {
    return count;
  }

  @Override
  public void syntaxError(
      Recognizer<?, ?> recognizer, Object offending, int line, int charPositionInLine, String msg, RecognitionException e) {
    count++;
    if (!linesWithErrors.add(line)) {
      return;
    }
    Token token = offending instanceof Token t ? t : null;
    int length = token == null || token.getType() == Token.EOF ? 1 : token.getText().codePointCount(0, token.getText().length());
    Pos pos = new Pos(Math.max(1, line), charPositionInLine + 1, length);
    String message;
    if (recognizer instanceof Parser parser && token != null) {
      message = describe(parser, token, e);
    } else {
      message = msg;
    }
    diagnostics.report(DiagCode.SYNTAX, file, pos, message);
  }

  private static String describe(Parser parser, Token found, RecognitionException e) {
    IntervalSet expected = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
    String what = describeFound(found);
    if (found.getType() != Token.EOF && isKeyword(found.getType()) && expected.contains(NetLexer.NAME)) {
      return "'" + found.getText() + "' is a keyword and cannot be used as a name";
    }
    return "expected " + describeExpected(expected) + " but found " + what;
  }

  static boolean isKeyword(int type) {
    return type >= NetLexer.PACKAGE && type <= NetLexer.LOSS;
  }

  private static String describeFound(Token t) {
    return switch (t.getType()) {
      case Token.EOF -> "the end of the file";
      case NetLexer.NEWLINE -> "the end of the line";
      default -> "'" + t.getText() + "'";
    };
  }

  static String describeExpected(IntervalSet set) {
    List<String> parts = new ArrayList<>();
    List<Integer> types = set.toList();
    boolean expression = types.containsAll(EXPRESSION_START);
    if (expression) {
      parts.add("an expression");
    }
    for (int type : types) {
      if (expression && EXPRESSION_START.contains(type)) {
        continue;
      }
      String name = tokenName(type);
      if (name != null && !parts.contains(name)) {
        parts.add(name);
      }
    }
    if (parts.isEmpty()) {
      return "something else";
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " or " + parts.get(parts.size() - 1);
  }

  private static String tokenName(int type) {
    return switch (type) {
      case Token.EOF -> "the end of the file";
      case NetLexer.NAME -> "a name";
      case NetLexer.NUMBER -> "a number";
      case NetLexer.NEWLINE -> "a new line";
      case NetLexer.WS, NetLexer.LINE_COMMENT, NetLexer.BLOCK_COMMENT, NetLexer.ERROR_CHAR, NetLexer.UNTERMINATED_COMMENT -> null;
      default -> NetParser.VOCABULARY.getLiteralName(type);
    };
  }
}
