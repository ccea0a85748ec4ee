package dev.netc.compiler.parse;

import dev.netc.compiler.check.BigStack;
import dev.netc.grammar.NetLexer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.Token;

/**
 * The nesting limit checked on tokens, before the parser recurses: brackets, signs, powers and
 * reductions each open a level, which a binary operator, a comma, or the end of a bracket or
 * line closes again. The count never exceeds the depth of the expression the parser would build,
 * so this rejects only what {@link AstBuilder} would reject (E005) later, and it keeps the
 * parser's own recursion bounded by {@link BigStack#MAX_NESTING}.
 */
final class Nesting {
  private Nesting() {}

  /** The first token nested deeper than the limit, if any. */
  static Optional<Token> tooDeep(List<Token> tokens) {
    Deque<Integer> outer = new ArrayDeque<>();
    int depth = 0;
    Token previous = null;
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.getChannel() != Token.DEFAULT_CHANNEL) {
        continue;
      }
      switch (t.getType()) {
        case NetLexer.LPAREN, NetLexer.LBRACK -> {
          outer.push(depth);
          depth++;
        }
        case NetLexer.RPAREN, NetLexer.RBRACK -> {
          depth = outer.isEmpty() ? 0 : outer.pop();
          if (t.getType() == NetLexer.RPAREN && startsOperand(next(tokens, i))) {
            depth++; // a reduction: sum(k) body
          }
        }
        case NetLexer.CARET -> depth++;
        case NetLexer.PLUS, NetLexer.MINUS -> {
          if (endsOperand(previous)) {
            depth = base(outer);
          } else {
            depth++;
          }
        }
        case NetLexer.STAR, NetLexer.DOTSTAR, NetLexer.HADAMARD, NetLexer.SLASH, NetLexer.COMMA, NetLexer.ASSIGN,
            NetLexer.LT, NetLexer.LE, NetLexer.GT, NetLexer.GE, NetLexer.EQ, NetLexer.NE -> depth = base(outer);
        case NetLexer.NEWLINE, NetLexer.SEMI, NetLexer.LBRACE, NetLexer.RBRACE -> {
          outer.clear();
          depth = 0;
        }
        default -> { }
      }
      if (depth > BigStack.MAX_NESTING) {
        return Optional.of(t);
      }
      previous = t;
    }
    return Optional.empty();
  }

  private static int base(Deque<Integer> outer) {
    return outer.isEmpty() ? 0 : outer.peek() + 1;
  }

  private static Token next(List<Token> tokens, int i) {
    for (int j = i + 1; j < tokens.size(); j++) {
      if (tokens.get(j).getChannel() == Token.DEFAULT_CHANNEL) {
        return tokens.get(j);
      }
    }
    return null;
  }

  private static boolean startsOperand(Token t) {
    return t != null && (t.getType() == NetLexer.NAME || t.getType() == NetLexer.NUMBER
        || t.getType() == NetLexer.LPAREN || t.getType() == NetLexer.LBRACK);
  }

  private static boolean endsOperand(Token t) {
    return t != null && (t.getType() == NetLexer.NAME || t.getType() == NetLexer.NUMBER
        || t.getType() == NetLexer.RPAREN || t.getType() == NetLexer.RBRACK);
  }
}
