package dev.netc.compiler.parse;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.check.JavaNames;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.grammar.NetLexer;
import dev.netc.grammar.NetParser;
import java.util.Optional;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;

/** Parses one {@code .net} file into an {@link Ast.File}, reporting lexical and syntax errors. */
public final class NetParsing {
  private NetParsing() {}

  /**
   * The syntax tree of {@code file}, or empty when it has lexical or syntax errors (all of which
   * are reported to {@code diagnostics}).
   */
  public static Optional<Ast.File> parse(SourceFile file, Diagnostics diagnostics) {
    NetLexer lexer = new NetLexer(CharStreams.fromString(sameLineBreaks(file.text()), file.name()));
    lexer.removeErrorListeners();
    SyntaxErrors errors = new SyntaxErrors(file, diagnostics);
    lexer.addErrorListener(errors);
    CommonTokenStream tokens = new CommonTokenStream(lexer);
    tokens.fill();
    int lexical = reportLexicalErrors(file, tokens, diagnostics, errors);
    Optional<Token> tooDeep = Nesting.tooDeep(tokens.getTokens());
    if (tooDeep.isPresent()) {
      diagnostics.report(DiagCode.TOO_DEEP, file, pos(tooDeep.get()));
      return Optional.empty();
    }

    NetParser parser = new NetParser(tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(errors);
    NetParser.FileContext tree;
    try {
      tree = parser.file();
    } catch (StackOverflowError e) {
      diagnostics.report(DiagCode.TOO_DEEP, file, pos(parser.getCurrentToken()));
      return Optional.empty();
    }
    if (lexical > 0 || errors.count() > 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new AstBuilder(file).file(tree));
    } catch (AstBuilder.TooDeep e) {
      diagnostics.report(DiagCode.TOO_DEEP, file, e.pos);
      return Optional.empty();
    } catch (AstBuilder.BadWord e) {
      diagnostics.report(DiagCode.SYNTAX, file, e.word.pos(), "expected '" + e.expected + "' here (" + e.what + "), but this is '"
          + printable(e.word.text()) + "'");
      return Optional.empty();
    } catch (AstBuilder.NotGrad e) {
      diagnostics.report(DiagCode.SYNTAX, file, e.word.pos(), "a def may be followed by its derivative 'grad(g) = ...', but this is '"
          + printable(e.word.text()) + "(...)'");
      return Optional.empty();
    }
  }

  /**
   * The text with every line break a plain {@code \n}. ANTLR counts lines by {@code \n} only,
   * while {@link SourceFile#line} also breaks at a lone {@code \r}; this keeps the two in step.
   * Columns do not change: only the line terminators are rewritten.
   */
  private static String sameLineBreaks(String text) {
    return text.replace("\r\n", "\n").replace('\r', '\n');
  }

  private static int reportLexicalErrors(SourceFile file, CommonTokenStream tokens, Diagnostics diagnostics,
      SyntaxErrors errors) {
    int count = 0;
    for (Token t : tokens.getTokens()) {
      if (t.getType() == NetLexer.ERROR_CHAR || t.getType() == NetLexer.UNTERMINATED_COMMENT) {
        errors.lineHasError(t.getLine());
      }
      if (t.getType() == NetLexer.NAME) {
        int bad = JavaNames.firstNonJavaCodePoint(t.getText());
        if (bad >= 0) {
          errors.lineHasError(t.getLine());
          diagnostics.report(DiagCode.NAME_NOT_JAVA, file, pos(t), printable(t.getText()),
              String.format("'%s' (U+%04X)", printable(new String(Character.toChars(bad))), bad));
          count++;
        } else if (JavaNames.utf8Length(t.getText()) > JavaNames.MAX_NAME_BYTES) {
          errors.lineHasError(t.getLine());
          diagnostics.report(DiagCode.NAME_TOO_LONG, file, pos(t), printable(JavaNames.clipped(t.getText())),
              JavaNames.utf8Length(t.getText()), JavaNames.MAX_NAME_BYTES);
          count++;
        }
      } else if (t.getType() == NetLexer.ERROR_CHAR) {
        diagnostics.report(DiagCode.BAD_CHARACTER, file, pos(t), printable(t.getText()));
        count++;
      } else if (t.getType() == NetLexer.UNTERMINATED_COMMENT) {
        diagnostics.report(DiagCode.UNTERMINATED_COMMENT, file, new Pos(t.getLine(), t.getCharPositionInLine() + 1, 2));
        count++;
      }
    }
    return count;
  }

  /** A character shown safely in a message: control and invisible characters as {@code \\uXXXX}. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (Character.isISOControl(cp) || !Character.isDefined(cp) || Character.getType(cp) == Character.FORMAT
          || Character.isWhitespace(cp) || Character.isSurrogate((char) cp)) {
        b.append(String.format("\\u%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }

  static Pos pos(Token t) {
    String text = t.getText() == null ? "" : t.getText();
    return new Pos(Math.max(1, t.getLine()), t.getCharPositionInLine() + 1, text.codePointCount(0, text.length()));
  }
}
