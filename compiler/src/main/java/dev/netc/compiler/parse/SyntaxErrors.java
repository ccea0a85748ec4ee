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
import org.antlr.v4.runtime.tree.ParseTree;

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

  /** A line that already has a lexical error: the parser's echo of it would only add noise. */
  void lineHasError(int line) {
    linesWithErrors.add(line);
  }

  @Override
  public void syntaxError(
      Recognizer<?, ?> recognizer, Object offending, int line, int charPositionInLine, String msg, RecognitionException e) {
    count++;
    if (!linesWithErrors.add(line) || isEchoOfEarlierError(recognizer)) {
      return;
    }
    Token token = offending instanceof Token t ? t : null;
    if (recognizer instanceof Parser parser && token != null && token.getType() == NetLexer.LBRACK) {
      // 'input x[2] y[2]': the parser took 'y' for x's element type; the mistake is at 'y'
      Token previous = parser.getTokenStream().LT(-1);
      Token before = parser.getTokenStream().LT(-2);
      if (previous != null && previous.getType() == NetLexer.NAME && before != null && before.getType() == NetLexer.RBRACK) {
        token = previous;
        line = previous.getLine();
        charPositionInLine = previous.getCharPositionInLine();
      }
    }
    int length = token == null || token.getType() == Token.EOF ? 1 : token.getText().codePointCount(0, token.getText().length());
    Pos pos = new Pos(Math.max(1, line), charPositionInLine + 1, length);
    if (recognizer instanceof Parser parser && token != null) {
      if (isKeywordForAName(parser, token, e)) {
        diagnostics.report(DiagCode.KEYWORD_AS_NAME, file, pos, token.getText());
      } else {
        diagnostics.report(DiagCode.SYNTAX, file, pos, describe(parser, token, e));
      }
    } else {
      diagnostics.report(DiagCode.SYNTAX, file, pos, msg);
    }
  }

  private static boolean isKeywordForAName(Parser parser, Token found, RecognitionException e) {
    return found.getType() != Token.EOF && isKeyword(found.getType()) && expectedAt(parser, e).contains(NetLexer.NAME);
  }

  private static IntervalSet expectedAt(Parser parser, RecognitionException e) {
    return e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
  }

  /**
   * After an error inside a network, recovery leaves the parser at file level with the rest of
   * that network still ahead: every later line would then be "expected 'network'". Errors at
   * file level after the first error are those echoes; the next network is checked normally.
   */
  private boolean isEchoOfEarlierError(Recognizer<?, ?> recognizer) {
    return count > 1 && recognizer instanceof Parser parser && parser.getContext() instanceof NetParser.FileContext;
  }

  private static String describe(Parser parser, Token found, RecognitionException e) {
    IntervalSet expected = expectedAt(parser, e);
    String what = describeFound(found);
    if (found.getType() == NetLexer.PACKAGE && parser.getContext() instanceof NetParser.FileContext) {
      return "a file has at most one 'package' line, and it must come before every network";
    }
    ParseTree previous = lastItemBefore(parser);
    if (previous instanceof NetParser.OutputItemContext && found.getType() != Token.EOF && found.getType() != NetLexer.NAME) {
      return "'output' takes names, not expressions; name the value first (h = ...), then write output h";
    }
    if (previous instanceof NetParser.InputItemContext || previous instanceof NetParser.TargetItemContext
        || previous instanceof NetParser.OutputItemContext) {
      expected = new IntervalSet(expected);
      expected.add(NetLexer.COMMA);
    }
    if (found.getType() == Token.EOF && !withoutSeparators(expected).isNil()) {
      expected = withoutSeparators(expected);
    }
    return "expected " + describeExpected(expected) + " but found " + what;
  }

  /**
   * The item just parsed when the error is between items: ANTLR's expected set then omits what
   * could have continued that item, such as the ',' of {@code input x[2] y[2]}.
   */
  private static ParseTree lastItemBefore(Parser parser) {
    if (parser.getContext() instanceof NetParser.NetworkContext network && network.getChildCount() > 0) {
      ParseTree last = network.getChild(network.getChildCount() - 1);
      return last instanceof NetParser.ItemContext ? last : null;
    }
    return null;
  }

  /** At the end of the file, "expected '}' or a new line" is better said as "expected '}'". */
  private static IntervalSet withoutSeparators(IntervalSet set) {
    IntervalSet copy = new IntervalSet(set);
    copy.remove(NetLexer.NEWLINE);
    copy.remove(NetLexer.SEMI);
    return copy;
  }

  static boolean isKeyword(int type) {
    return type >= NetLexer.PACKAGE && type <= NetLexer.WHERE;
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
