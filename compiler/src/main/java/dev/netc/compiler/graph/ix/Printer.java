package dev.netc.compiler.graph.ix;

import dev.netc.compiler.graph.ix.Comprehension.Dim;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An index definition as the language writes it, with the tensors it reads by name:
 * {@code [o, r, c] = sum(i, p, q) K[o, i, p, q] * x[i, r + p, c + q]}. For pictures and
 * messages; {@code names.get(slot)} names each slot.
 */
public final class Printer {
  private final List<String> names;

  private Printer(List<String> names) {
    this.names = names;
  }

  public static String of(IndexOp op, List<String> names) {
    Printer p = new Printer(names);
    if (op instanceof Comprehension c) {
      StringBuilder s = new StringBuilder("[").append(indices(c.out())).append("] = ");
      if (c.reducer() != Comprehension.Reducer.NONE) {
        s.append(c.reducer().name().toLowerCase(Locale.ROOT)).append('(').append(indices(c.reduced())).append(") ");
      }
      s.append(p.expr(c.body()));
      return s.append(p.guards(c.guards())).toString();
    }
    if (op instanceof ScanBody sb) {
      return sb.toString();
    }
    Scatter sc = (Scatter) op;
    return "out" + p.positions(sc.target()) + " += " + p.expr(sc.value()) + " for " + indices(sc.domain()) + p.guards(sc.guards());
  }

  private static String indices(List<Dim> dims) {
    return String.join(", ", dims.stream().map(Dim::index).toList());
  }

  private String guards(List<Cond.OnIndices> guards) {
    if (guards.isEmpty()) {
      return "";
    }
    List<String> g = new ArrayList<>();
    guards.forEach(c -> g.add(c.toString()));
    return " where " + String.join(", ", g);
  }

  private String name(int slot) {
    return slot < names.size() && names.get(slot) != null ? names.get(slot) : "$" + slot;
  }

  private String positions(List<IndexExpr> at) {
    List<String> p = new ArrayList<>();
    for (IndexExpr e : at) {
      if (e instanceof IndexExpr.DataIndex d) {
        String o = d.offset().toString();
        p.add(name(d.slot()) + positions(d.at()) + (o.equals("0") ? "" : " + " + o));
      } else {
        p.add(e.toString());
      }
    }
    return "[" + String.join(", ", p) + "]";
  }

  private String expr(IExpr e) {
    if (e instanceof IExpr.Read r) {
      return name(r.slot()) + (r.at().isEmpty() ? "" : positions(r.at()));
    } else if (e instanceof IExpr.Apply a) {
      List<String> args = new ArrayList<>();
      a.args().forEach(x -> args.add(expr(x)));
      return switch (a.op()) {
        case ADD -> "(" + args.get(0) + " + " + args.get(1) + ")";
        case SUB -> "(" + args.get(0) + " - " + args.get(1) + ")";
        case MUL -> args.get(0) + " * " + args.get(1);
        case DIV -> args.get(0) + " / " + args.get(1);
        case NEG -> "-" + args.get(0);
        case POW -> args.get(0) + " ^ " + args.get(1);
        case MAX2 -> "max(" + String.join(", ", args) + ")";
        case MIN2 -> "min(" + String.join(", ", args) + ")";
        default -> a.op().name().toLowerCase(Locale.ROOT) + "(" + String.join(", ", args) + ")";
      };
    } else if (e instanceof IExpr.Select s) {
      String c = s.cond() instanceof Cond.OnValues v ? expr(v.left()) + " " + v.cmp().symbol() + " " + expr(v.right())
          : s.cond().toString();
      return "select(" + c + ", " + expr(s.then()) + ", " + expr(s.otherwise()) + ")";
    }
    return e.toString();
  }
}
