package dev.netc.compiler.ast;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import java.util.Optional;

/** The immutable syntax tree of a {@code .net} file, with source positions; built by {@code parse}. */
public final class Ast {
  private Ast() {}

  /**
   * A file: its networks, its file-level functions and its imports ({@code use "layers.net"}),
   * each in source order.
   */
  public record File(SourceFile source, Optional<PackageDecl> packageDecl, List<Network> networks, List<Def> defs,
      List<Use> uses) {
    public File {
      networks = List.copyOf(networks);
      defs = List.copyOf(defs);
      uses = List.copyOf(uses);
    }

    public File(SourceFile source, Optional<PackageDecl> packageDecl, List<Network> networks) {
      this(source, packageDecl, networks, List.of(), List.of());
    }
  }

  /** {@code use "path"}: the path as written (without quotes), at the string's position. */
  public record Use(String path, Pos pos) {}

  public record PackageDecl(String name, Pos pos) {}

  public record Network(String name, Pos pos, List<Item> items) {
    public Network {
      items = List.copyOf(items);
    }
  }

  /** A name as written, with its position. */
  public record Name(String text, Pos pos) {}

  public sealed interface Item {
    Pos pos();
  }

  /** {@code input ...} or {@code target ...}. */
  public record InputItem(boolean target, List<Decl> decls, Pos pos) implements Item {
    public InputItem {
      decls = List.copyOf(decls);
    }
  }

  public record ParamItem(Decl decl, Optional<InitCall> init, Pos pos) implements Item {}

  public record ConstItem(Name name, Expr expr, Pos pos) implements Item {}

  public record OutputItem(List<Name> names, Pos pos) implements Item {
    public OutputItem {
      names = List.copyOf(names);
    }
  }

  public record LossItem(Expr expr, Pos pos) implements Item {}

  public record AssignItem(Name name, Expr expr, Pos pos) implements Item {}

  /**
   * An index definition {@code y[i, j] = e where c, ...}: the value's axes are the indices on
   * the left; {@code where} clauses narrow ranges or guard elements.
   */
  public record IndexItem(Name name, List<Name> indices, Expr expr, List<Compare> where, Pos pos) implements Item {
    public IndexItem {
      indices = List.copyOf(indices);
      where = List.copyOf(where);
    }
  }

  /**
   * A function {@code def f(a, b) = e} or {@code def f(a) { v = e; ...; return e }}, at file
   * level or as an item of a network; {@code body} holds the block's named values
   * ({@link AssignItem} and {@link IndexItem}), {@code result} the returned expression.
   */
  public record Def(Name name, List<Name> params, List<Item> body, Expr result, Optional<CustomGrad> grad, Pos pos)
      implements Item {
    public Def {
      params = List.copyOf(params);
      body = List.copyOf(body);
    }
  }

  /** {@code state h[H] = init}: a recurrent state, updated once per step by a {@code for} block. */
  public record StateItem(Decl decl, Expr init, Pos pos) implements Item {}

  /**
   * {@code for t in from .. to { items }}: a recurrence; the body's items are checked once and
   * run for every step (docs/language.md, "Recurrence").
   */
  public record ForItem(Name index, Expr from, Expr to, List<Item> body, Pos pos) implements Item {
    public ForItem {
      body = List.copyOf(body);
    }
  }

  /** A custom derivative {@code grad(g) = e}: {@code g} names the incoming gradient. */
  public record CustomGrad(Name g, Expr expr, Pos pos) {}

  /**
   * {@code name} or {@code name[d1]} or {@code name[d1, d2]} (sizes are expressions), with an
   * optional element type ({@code int}) and, for an int target, {@code ignore=id}.
   */
  public record Decl(Name name, List<Expr> dims, Optional<Name> type, Optional<Name> ignoreKeyword, Optional<Expr> ignore) {
    public Decl {
      dims = List.copyOf(dims);
    }

    public Decl(Name name, List<Expr> dims) {
      this(name, dims, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  public record InitCall(Name name, List<Expr> args) {
    public InitCall {
      args = List.copyOf(args);
    }
  }

  public sealed interface Expr {
    Pos pos();
  }

  public record Number(double value, String text, Pos pos) implements Expr {}

  public record Ref(String name, Pos pos) implements Expr {}

  /** {@code -a} or {@code +a}; {@code op} is "-" or "+". */
  public record Unary(String op, Expr operand, Pos pos) implements Expr {}

  /** {@code a op b}; {@code op} is the operator as written ("+", "*", ".*", "⊙", "^", ...). */
  public record Binary(String op, Expr left, Expr right, Pos pos) implements Expr {}

  /** A call; an argument may be a {@link Keyword} ({@code stride=2}) or a {@link Compare}. */
  public record Call(Name function, List<Expr> args, Pos pos) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }

  /** An element read {@code x[i, r + p]} (in an index definition). */
  public record Element(Name tensor, List<Expr> at, Pos pos) implements Expr {
    public Element {
      at = List.copyOf(at);
    }
  }

  /** A reduction {@code sum(k, ...) body} ({@code sum}, {@code mean}, {@code max}, {@code min}). */
  public record Reduce(Name reducer, List<Name> indices, Expr body, Pos pos) implements Expr {
    public Reduce {
      indices = List.copyOf(indices);
    }
  }

  /** A comparison {@code a < b}: in a {@code where} clause and as select's condition. */
  public record Compare(String op, Expr left, Expr right, Pos pos) implements Expr {}

  /** A list of sizes {@code [a, b, ...]}, as reshape's and pad's argument. */
  public record ListLit(List<Expr> items, Pos pos) implements Expr {
    public ListLit {
      items = List.copyOf(items);
    }
  }

  /** A keyword argument {@code name=value} of a call. */
  public record Keyword(Name name, Expr value, Pos pos) implements Expr {}
}
