package dev.netc.compiler.model;

import dev.netc.compiler.diag.Pos;
import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import java.util.Optional;

/**
 * A checked network: every name resolved, every shape known, consts folded. It is what the
 * front end hands to lowering.
 *
 * @param packageName the Java package ("" for the default package)
 * @param values named intermediates in declaration order
 * @param loss the scalar loss, if declared
 * @param idLimits for each int input and target used as positions or class indices, the number
 *     of valid ids: the smallest length of an axis it indexes (its values must lie in
 *     {@code 0 .. limit - 1}, or equal a target's padding id)
 * @param loops the {@code for} blocks, each found by its {@code SCAN} expression (by identity)
 */
public record Network(
    String name,
    String packageName,
    SourceFile source,
    Pos pos,
    List<Symbol> inputs,
    List<Symbol> targets,
    List<Param> params,
    List<Value> values,
    List<Symbol> outputs,
    Optional<TExpr> loss,
    java.util.Map<String, Integer> idLimits,
    List<Loop> loops) {

  public Network(String name, String packageName, SourceFile source, Pos pos, List<Symbol> inputs, List<Symbol> targets,
      List<Param> params, List<Value> values, List<Symbol> outputs, Optional<TExpr> loss,
      java.util.Map<String, Integer> idLimits) {
    this(name, packageName, source, pos, inputs, targets, params, values, outputs, loss, idLimits, List.of());
  }

  public Network(String name, String packageName, SourceFile source, Pos pos, List<Symbol> inputs, List<Symbol> targets,
      List<Param> params, List<Value> values, List<Symbol> outputs, Optional<TExpr> loss) {
    this(name, packageName, source, pos, inputs, targets, params, values, outputs, loss, java.util.Map.of());
  }

  public Network {
    idLimits = java.util.Map.copyOf(idLimits);
    loops = List.copyOf(loops);
    inputs = List.copyOf(inputs);
    targets = List.copyOf(targets);
    params = List.copyOf(params);
    values = List.copyOf(values);
    outputs = List.copyOf(outputs);
  }

  /** A trainable parameter and its initializer. */
  public record Param(Symbol symbol, Init init) {}

  /** A named intermediate {@code name = expr}. */
  public record Value(Symbol symbol, TExpr expr) {}

  /** The expression that defines the named value {@code symbol}. */
  public TExpr definition(Symbol symbol) {
    for (Value v : values) {
      if (v.symbol().equals(symbol)) {
        return v.expr();
      }
    }
    throw new IllegalArgumentException("not a value of " + name + ": " + symbol.name());
  }

  /** The loop whose SCAN expression is {@code scan} (the same object), or null. */
  public Loop loop(TExpr scan) {
    for (Loop l : loops) {
      if (l.scan() == scan) {
        return l;
      }
    }
    return null;
  }

  /** The fully qualified class name of the generated class. */
  public String qualifiedName() {
    return packageName.isEmpty() ? name : packageName + "." + name;
  }
}
