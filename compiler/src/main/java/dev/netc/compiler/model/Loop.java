package dev.netc.compiler.model;

import dev.netc.compiler.diag.Pos;
import java.util.List;

/**
 * A checked {@code for} block: its {@code SCAN} expression ({@code scan}, whose arguments are the
 * states' initial values then the other slots' tensors), the number of steps, the body's leaves
 * ({@code slots}: slot k is read in the body as {@code TExpr.Apply(STEP_IN, attr k)}, or, for a
 * captured symbol, as a {@code TExpr.Ref} to it), the states' new values and the collected rows,
 * as typed expressions over those leaves. {@code slotNames}: the source name of each slot (the
 * state's, the sequence's, the captured value's) and {@code rowNames} the collected sequences',
 * for the names of generated code. The collected sequences are named values of the network
 * that read the SCAN's value (graph.ix.ScanBody describes its layout).
 */
public record Loop(TExpr.Apply scan, int steps, List<Slot> slots, List<TExpr> newStates, List<TExpr> rows, Pos pos,
    List<String> slotNames, List<String> rowNames) {
  public Loop {
    slotNames = List.copyOf(slotNames);
    rowNames = List.copyOf(rowNames);
    slots = List.copyOf(slots);
    newStates = List.copyOf(newStates);
    rows = List.copyOf(rows);
  }

  public enum Kind { STATE, SLICE, WHOLE }

  /**
   * A body leaf: a state (slot i is state i, its initial value argument i), row t of argument
   * {@code arg} (a slice), or argument {@code arg} whole: the outer value {@code captured}.
   */
  public record Slot(Kind kind, int arg, Shape shape, Symbol captured) {}
}
