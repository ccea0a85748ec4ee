package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The user functions ({@code def}) one place can call, by name: a file's own defs and those of
 * the files it imports (not theirs in turn), or a network's defs and its file's. Each function
 * remembers the scope its own body calls in, so that a def from {@code layers.net} sees
 * {@code layers.net}'s imports and not its importer's.
 */
final class Functions {
  /**
   * One def, the file it is written in, and the functions its body can call.
   *
   * @param inNetwork whether it is an item of a network (then it also sees the network's names
   *     declared before it)
   */
  record Fn(Ast.Def def, SourceFile file, Functions home, boolean inNetwork) {
    String where() {
      return file.name() + ":" + def.name().pos().line() + ":" + def.name().pos().column();
    }
  }

  static final Functions NONE = new Functions(null);

  private final Functions outer;
  private final Map<String, Fn> own = new LinkedHashMap<>();

  private Functions(Functions outer) {
    this.outer = outer;
  }

  Optional<Fn> find(String name) {
    Fn f = own.get(name);
    if (f != null) {
      return Optional.of(f);
    }
    return outer == null ? Optional.empty() : outer.find(name);
  }

  /** The defs written in this scope itself (not imported): what a file exports to its importers. */
  private List<Fn> defined() {
    return own.values().stream().filter(fn -> fn.home() == this).toList();
  }

  /** The names built into the language, which no def may take. */
  static boolean isBuiltin(String name) {
    return Op.function(name).isPresent() || Library.isFunctionName(name) || IndexCheck.isScalarFunction(name)
        || name.equals("select") || name.equals("stop_gradient") || name.equals("grad");
  }

  /**
   * The functions a file sees: its own defs and, after them, the defs of each imported file
   * (whose bodies see their own file's functions). Reports E121 (a built-in's name), E122 (a
   * name defined twice) and E120 (recursion among the file's own defs).
   */
  static Functions ofFile(SourceFile file, List<Ast.Def> defs, List<Imported> imports, Diagnostics diagnostics) {
    Functions f = new Functions(null);
    for (Imported imp : imports) {
      for (Fn fn : imp.functions().defined()) {
        Fn first = f.own.get(fn.def().name().text());
        if (first != null && first != fn) {
          diagnostics.report(DiagCode.DEF_REDEFINED, file, imp.use().pos(), fn.def().name().text(), first.where());
        } else {
          f.own.put(fn.def().name().text(), fn);
        }
      }
    }
    Map<String, Fn> imported = new HashMap<>(f.own);
    f.own.clear();
    f.addOwn(file, defs, false, diagnostics, imported::get);
    imported.forEach(f.own::putIfAbsent);
    f.reportRecursion(diagnostics);
    return f;
  }

  /** An imported file's functions, and the {@code use} that imported them. */
  record Imported(Ast.Use use, Functions functions) {}

  /** A network's functions: its own defs, then its file's. */
  static Functions ofNetwork(SourceFile file, Functions fileFunctions, List<Ast.Def> defs, Diagnostics diagnostics) {
    Functions f = new Functions(fileFunctions);
    f.addOwn(file, defs, true, diagnostics, name -> fileFunctions.find(name).orElse(null));
    f.reportRecursion(diagnostics);
    return f;
  }

  private void addOwn(SourceFile file, List<Ast.Def> defs, boolean inNetwork, Diagnostics diagnostics,
      java.util.function.Function<String, Fn> outside) {
    for (Ast.Def d : defs) {
      String name = d.name().text();
      if (isBuiltin(name)) {
        diagnostics.report(DiagCode.DEF_SHADOWS, file, d.name().pos(), name);
        continue;
      }
      Fn first = own.containsKey(name) ? own.get(name) : outside.apply(name);
      if (first != null) {
        diagnostics.report(DiagCode.DEF_REDEFINED, file, d.name().pos(), name, first.where());
        continue;
      }
      Map<String, Ast.Name> params = new HashMap<>();
      for (Ast.Name p : d.params()) {
        Ast.Name before = params.putIfAbsent(p.text(), p);
        if (before != null) {
          diagnostics.report(DiagCode.REDEFINED, file, p.pos(), p.text(), before.pos().line());
        }
      }
      if (d.grad().isPresent() && d.params().size() != 1) {
        diagnostics.report(DiagCode.CUSTOM_GRAD_PARAMS, file, d.grad().get().pos(), name, d.params().size());
      }
      own.put(name, new Fn(d, file, this, inNetwork));
    }
  }

  /**
   * E120 for every own def on a cycle of calls (the only cycles there can be: imported defs
   * never call back into their importer, and file defs never call network defs).
   */
  private void reportRecursion(Diagnostics diagnostics) {
    Map<String, List<String>> calls = new LinkedHashMap<>();
    for (Fn fn : own.values()) {
      if (fn.home() == this) {
        List<String> callees = new ArrayList<>();
        for (String c : calledNames(fn.def())) {
          Fn target = own.get(c);
          if (target != null && target.home() == this && !callees.contains(c)) {
            callees.add(c);
          }
        }
        calls.put(fn.def().name().text(), callees);
      }
    }
    Set<String> reported = new HashSet<>();
    for (String start : calls.keySet()) {
      List<String> cycle = cycleFrom(start, calls);
      if (cycle != null && reported.add(start)) {
        Fn fn = own.get(start);
        diagnostics.report(DiagCode.RECURSIVE, fn.file(), fn.def().name().pos(), start, String.join(" -> ", cycle));
      }
    }
  }

  /** The shortest chain of calls from {@code start} back to itself ({@code f -> g -> f}), or null. */
  private static List<String> cycleFrom(String start, Map<String, List<String>> calls) {
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(calls.getOrDefault(start, List.of()));
    calls.getOrDefault(start, List.of()).forEach(c -> parent.putIfAbsent(c, start));
    while (!queue.isEmpty()) {
      String n = queue.poll();
      if (n.equals(start)) {
        List<String> chain = new ArrayList<>();
        String at = parent.get(start);
        chain.add(start);
        while (!at.equals(start)) {
          chain.add(0, at);
          at = parent.get(at);
        }
        chain.add(0, start);
        return chain;
      }
      for (String c : calls.getOrDefault(n, List.of())) {
        if (!parent.containsKey(c)) {
          parent.put(c, n);
          queue.add(c);
        }
      }
    }
    return null;
  }

  /** The names of every function called anywhere in a def: its block, result and derivative. */
  static Set<String> calledNames(Ast.Def def) {
    Set<String> names = new java.util.LinkedHashSet<>();
    Deque<Ast.Expr> todo = new ArrayDeque<>();
    for (Ast.Item item : def.body()) {
      if (item instanceof Ast.AssignItem a) {
        todo.push(a.expr());
      } else if (item instanceof Ast.IndexItem x) {
        todo.push(x.expr());
        x.where().forEach(todo::push);
      }
    }
    todo.push(def.result());
    def.grad().ifPresent(g -> todo.push(g.expr()));
    while (!todo.isEmpty()) {
      Ast.Expr e = todo.pop();
      if (e instanceof Ast.Call c) {
        names.add(c.function().text());
        c.args().forEach(todo::push);
      } else if (e instanceof Ast.Unary u) {
        todo.push(u.operand());
      } else if (e instanceof Ast.Binary b) {
        todo.push(b.left());
        todo.push(b.right());
      } else if (e instanceof Ast.Compare c) {
        todo.push(c.left());
        todo.push(c.right());
      } else if (e instanceof Ast.Element el) {
        el.at().forEach(todo::push);
      } else if (e instanceof Ast.Reduce r) {
        todo.push(r.body());
      } else if (e instanceof Ast.ListLit l) {
        l.items().forEach(todo::push);
      } else if (e instanceof Ast.Keyword k) {
        todo.push(k.value());
      }
    }
    return names;
  }
}
