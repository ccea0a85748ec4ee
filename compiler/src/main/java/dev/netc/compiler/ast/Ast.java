package dev.netc.compiler.ast;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import java.util.Optional;

/** The immutable syntax tree of a {@code .net} file, with source positions; built by {@code parse}. */
public final class Ast {
  private Ast() {}

  public record File(SourceFile source, Optional<PackageDecl> packageDecl, List<Network> networks) {
    public File {
      networks = List.copyOf(networks);
    }
  }

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

  /** {@code name} or {@code name[d1]} or {@code name[d1, d2]} (sizes are expressions). */
  public record Decl(Name name, List<Expr> dims) {
    public Decl {
      dims = List.copyOf(dims);
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

  public record Call(Name function, List<Expr> args, Pos pos) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }
}
