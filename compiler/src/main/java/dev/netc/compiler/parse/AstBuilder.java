package dev.netc.compiler.parse;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.check.BigStack;
import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.grammar.NetBaseVisitor;
import dev.netc.grammar.NetParser;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

/** Builds the immutable AST from a parse tree that has no syntax errors. */
final class AstBuilder {
  private final SourceFile file;
  private final ExprBuilder exprs = new ExprBuilder();

  AstBuilder(SourceFile file) {
    this.file = file;
  }

  Ast.File file(NetParser.FileContext ctx) {
    Optional<Ast.PackageDecl> pkg = Optional.ofNullable(ctx.packageDecl())
        .map(p -> new Ast.PackageDecl(p.qualifiedName().getText(), span(p.qualifiedName())));
    List<Ast.Network> networks = new java.util.ArrayList<>();
    List<Ast.Def> defs = new java.util.ArrayList<>();
    List<Ast.Use> uses = new java.util.ArrayList<>();
    for (NetParser.TopItemContext top : ctx.topItem()) {
      if (top instanceof NetParser.NetworkTopContext n) {
        networks.add(network(n.network()));
      } else if (top instanceof NetParser.DefTopContext d) {
        try {
          defs.add(def(d.funcDef()));
        } catch (StackOverflowError e) {
          throw new TooDeep(NetParsing.pos(d.getStart()));
        }
      } else if (top instanceof NetParser.UseTopContext u) {
        String text = u.STRING().getText();
        uses.add(new Ast.Use(text.substring(1, text.length() - 1), NetParsing.pos(u.STRING().getSymbol())));
      }
    }
    return new Ast.File(file, pkg, networks, defs, uses);
  }

  private Ast.Def def(NetParser.FuncDefContext ctx) {
    List<Ast.Name> names = ctx.NAME().stream().map(AstBuilder::name).toList();
    // NAME tokens in order: the function, its parameters, then 'grad' and g when there is a custom derivative
    boolean custom = ctx.expr() != null;
    int params = names.size() - 1 - (custom ? 2 : 0);
    List<Ast.Item> body = new java.util.ArrayList<>();
    Ast.Expr result;
    if (ctx.funcBody() instanceof NetParser.ExprBodyContext e) {
      result = exprs.visit(e.expr());
    } else {
      NetParser.BlockBodyContext b = (NetParser.BlockBodyContext) ctx.funcBody();
      for (NetParser.BodyItemContext item : b.bodyItem()) {
        Pos pos = NetParsing.pos(item.getStart());
        if (item instanceof NetParser.BodyAssignContext a) {
          body.add(new Ast.AssignItem(name(a.NAME()), exprs.visit(a.expr()), pos));
        } else {
          NetParser.BodyIndexContext x = (NetParser.BodyIndexContext) item;
          List<Ast.Name> ix = x.NAME().stream().map(AstBuilder::name).toList();
          body.add(new Ast.IndexItem(ix.get(0), ix.subList(1, ix.size()), exprs.visit(x.expr()),
              x.condition().stream().map(exprs::condition).toList(), pos));
        }
      }
      result = exprs.visit(b.expr());
    }
    Optional<Ast.CustomGrad> grad = Optional.empty();
    if (custom) {
      Ast.Name word = names.get(names.size() - 2);
      if (!word.text().equals("grad")) {
        throw new NotGrad(word);
      }
      grad = Optional.of(new Ast.CustomGrad(names.get(names.size() - 1), exprs.visit(ctx.expr()), word.pos()));
    }
    return new Ast.Def(names.get(0), names.subList(1, 1 + params), body, result, grad,
        NetParsing.pos(ctx.DEF().getSymbol()));
  }

  private static void word(Ast.Name got, String expected, String what) {
    if (!got.text().equals(expected)) {
      throw new BadWord(got, expected, what);
    }
  }

  /** A block or declaration whose word is not the expected one ('state', 'for', 'in'). */
  static final class BadWord extends RuntimeException {
    final transient Ast.Name word;
    final transient String expected;
    final transient String what;

    BadWord(Ast.Name word, String expected, String what) {
      super(null, null, false, false);
      this.word = word;
      this.expected = expected;
      this.what = what;
    }
  }

  /** A def followed by {@code name(g) = e} where the name is not {@code grad}. */
  static final class NotGrad extends RuntimeException {
    final transient Ast.Name word;

    NotGrad(Ast.Name word) {
      super(null, null, false, false);
      this.word = word;
    }
  }

  private Ast.Network network(NetParser.NetworkContext ctx) {
    List<Ast.Item> items = ctx.item().stream().map(this::item).toList();
    return new Ast.Network(ctx.NAME().getText(), NetParsing.pos(ctx.NAME().getSymbol()), items);
  }

  /** An item whose expression is nested deeper than the JVM's stack allows us to walk. */
  static final class TooDeep extends RuntimeException {
    final transient Pos pos;

    TooDeep(Pos pos) {
      super(null, null, false, false);
      this.pos = pos;
    }
  }

  private Ast.Item item(NetParser.ItemContext ctx) {
    try {
      return buildItem(ctx);
    } catch (StackOverflowError e) {
      throw new TooDeep(NetParsing.pos(ctx.getStart()));
    }
  }

  private Ast.Item buildItem(NetParser.ItemContext ctx) {
    Pos pos = NetParsing.pos(ctx.getStart());
    if (ctx instanceof NetParser.InputItemContext c) {
      return new Ast.InputItem(false, c.decl().stream().map(this::decl).toList(), pos);
    } else if (ctx instanceof NetParser.TargetItemContext c) {
      return new Ast.InputItem(true, c.decl().stream().map(this::decl).toList(), pos);
    } else if (ctx instanceof NetParser.ParamItemContext c) {
      return new Ast.ParamItem(decl(c.decl()), Optional.ofNullable(c.initializer()).map(this::init), pos);
    } else if (ctx instanceof NetParser.ConstItemContext c) {
      return new Ast.ConstItem(name(c.NAME()), exprs.visit(c.expr()), pos);
    } else if (ctx instanceof NetParser.OutputItemContext c) {
      return new Ast.OutputItem(c.NAME().stream().map(AstBuilder::name).toList(), pos);
    } else if (ctx instanceof NetParser.LossItemContext c) {
      return new Ast.LossItem(exprs.visit(c.expr()), pos);
    } else if (ctx instanceof NetParser.AssignItemContext c) {
      return new Ast.AssignItem(name(c.NAME()), exprs.visit(c.expr()), pos);
    } else if (ctx instanceof NetParser.IndexItemContext c) {
      List<Ast.Name> names = c.NAME().stream().map(AstBuilder::name).toList();
      return new Ast.IndexItem(names.get(0), names.subList(1, names.size()), exprs.visit(c.expr()),
          c.condition().stream().map(exprs::condition).toList(), pos);
    } else if (ctx instanceof NetParser.DefItemContext d) {
      return def(d.funcDef());
    } else if (ctx instanceof NetParser.StateItemContext c) {
      word(name(c.NAME()), "state", "a declaration 'state h[n] = init' or a definition 'name = expr'");
      return new Ast.StateItem(decl(c.decl()), exprs.visit(c.expr()), pos);
    } else if (ctx instanceof NetParser.ForItemContext c) {
      word(name(c.NAME(0)), "for", "a block 'for t in 0 .. T { ... }'");
      word(name(c.NAME(2)), "in", "'in' in 'for " + c.NAME(1).getText() + " in 0 .. T'");
      if (c.DOT().size() == 1 && !c.expr(0).getStop().getText().endsWith(".")) {
        throw new BadWord(new Ast.Name(".", NetParsing.pos(c.DOT(0).getSymbol())), "..", "'..' between the bounds of a for block");
      }
      List<Ast.Item> body = c.item().stream().map(this::item).toList();
      return new Ast.ForItem(name(c.NAME(1)), exprs.visit(c.expr(0)), exprs.visit(c.expr(1)), body, pos);
    }
    throw new IllegalStateException("unknown item " + ctx.getClass().getSimpleName());
  }

  private Ast.Decl decl(NetParser.DeclContext ctx) {
    List<Ast.Expr> dims = ctx.expr().stream().filter(e -> e != ctx.ignoreValue).map(exprs::visit).toList();
    Optional<Ast.Name> type = Optional.ofNullable(ctx.elemType).map(t -> new Ast.Name(t.getText(), NetParsing.pos(t)));
    Optional<Ast.Name> ignoreKw = Optional.ofNullable(ctx.ignoreKw).map(t -> new Ast.Name(t.getText(), NetParsing.pos(t)));
    Optional<Ast.Expr> ignore = Optional.ofNullable(ctx.ignoreValue).map(exprs::visit);
    return new Ast.Decl(name(ctx.NAME(0)), dims, type, ignoreKw, ignore);
  }

  private Ast.InitCall init(NetParser.InitializerContext ctx) {
    return new Ast.InitCall(name(ctx.NAME()), ctx.expr().stream().map(exprs::visit).toList());
  }

  static Ast.Name name(TerminalNode node) {
    return new Ast.Name(node.getText(), NetParsing.pos(node.getSymbol()));
  }

  /** The position of a construct: its first token, spanning to its last token on that line. */
  static Pos span(ParserRuleContext ctx) {
    Token start = ctx.getStart();
    Token stop = ctx.getStop() == null ? start : ctx.getStop();
    int length = start.getLine() == stop.getLine()
        ? stop.getCharPositionInLine() + stop.getText().codePointCount(0, stop.getText().length()) - start.getCharPositionInLine()
        : start.getText().length();
    return new Pos(start.getLine(), start.getCharPositionInLine() + 1, length);
  }

  /** One typed method per expression form, thanks to the grammar's labeled alternatives. */
  private static final class ExprBuilder extends NetBaseVisitor<Ast.Expr> {
    /** How many expressions enclose the one being built (0 for an item's whole expression). */
    private int depth = -1;

    /**
     * Builds one expression, counting nesting before recursing: an expression inside more than
     * {@link BigStack#MAX_NESTING} others (a long chain of '+' included) is E005, at the same
     * depth in every JVM.
     */
    @Override
    public Ast.Expr visit(ParseTree tree) {
      if (depth + 1 > BigStack.MAX_NESTING && tree instanceof ParserRuleContext ctx) {
        throw new TooDeep(NetParsing.pos(ctx.getStart()));
      }
      depth++;
      try {
        return super.visit(tree);
      } finally {
        depth--;
      }
    }

    @Override
    public Ast.Expr visitAddExpr(NetParser.AddExprContext ctx) {
      return binary(ctx.op, ctx.expr(0), ctx.expr(1));
    }

    @Override
    public Ast.Expr visitMulExpr(NetParser.MulExprContext ctx) {
      return binary(ctx.op, ctx.expr(0), ctx.expr(1));
    }

    @Override
    public Ast.Expr visitPowExpr(NetParser.PowExprContext ctx) {
      return binary(ctx.CARET().getSymbol(), ctx.expr(0), ctx.expr(1));
    }

    @Override
    public Ast.Expr visitUnaryExpr(NetParser.UnaryExprContext ctx) {
      return new Ast.Unary(ctx.op.getText(), visit(ctx.expr()), NetParsing.pos(ctx.op));
    }

    @Override
    public Ast.Expr visitCallExpr(NetParser.CallExprContext ctx) {
      Ast.Name fn = name(ctx.NAME());
      return new Ast.Call(fn, ctx.argument().stream().map(this::argument).toList(), fn.pos());
    }

    private Ast.Expr argument(NetParser.ArgumentContext ctx) {
      if (ctx instanceof NetParser.KeywordArgContext k) {
        Ast.Name n = name(k.NAME());
        return new Ast.Keyword(n, visit(k.expr()), n.pos());
      } else if (ctx instanceof NetParser.ConditionArgContext c) {
        return condition(c.condition());
      }
      return visit(((NetParser.PositionalArgContext) ctx).expr());
    }

    Ast.Compare condition(NetParser.ConditionContext ctx) {
      return new Ast.Compare(ctx.op.getText(), visit(ctx.expr(0)), visit(ctx.expr(1)), NetParsing.pos(ctx.op));
    }

    @Override
    public Ast.Expr visitIndexExpr(NetParser.IndexExprContext ctx) {
      Ast.Name t = name(ctx.NAME());
      return new Ast.Element(t, ctx.expr().stream().map(this::visit).toList(), t.pos());
    }

    @Override
    public Ast.Expr visitListExpr(NetParser.ListExprContext ctx) {
      return new Ast.ListLit(ctx.expr().stream().map(this::visit).toList(), NetParsing.pos(ctx.LBRACK().getSymbol()));
    }

    @Override
    public Ast.Expr visitReduceExpr(NetParser.ReduceExprContext ctx) {
      List<Ast.Name> names = ctx.NAME().stream().map(AstBuilder::name).toList();
      return new Ast.Reduce(names.get(0), names.subList(1, names.size()), visit(ctx.expr()), names.get(0).pos());
    }

    @Override
    public Ast.Expr visitParenExpr(NetParser.ParenExprContext ctx) {
      return visit(ctx.expr());
    }

    @Override
    public Ast.Expr visitNumberExpr(NetParser.NumberExprContext ctx) {
      String text = ctx.NUMBER().getText();
      return new Ast.Number(Double.parseDouble(text), text, NetParsing.pos(ctx.NUMBER().getSymbol()));
    }

    @Override
    public Ast.Expr visitNameExpr(NetParser.NameExprContext ctx) {
      return new Ast.Ref(ctx.NAME().getText(), NetParsing.pos(ctx.NAME().getSymbol()));
    }

    private Ast.Expr binary(Token op, NetParser.ExprContext left, NetParser.ExprContext right) {
      return new Ast.Binary(op.getText(), visit(left), visit(right), NetParsing.pos(op));
    }
  }
}
