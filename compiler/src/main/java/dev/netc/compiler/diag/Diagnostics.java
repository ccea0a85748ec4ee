package dev.netc.compiler.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects diagnostics across phases, so that one run reports every independent mistake. Phases
 * check {@link #hasErrors()} at their boundaries and stop there.
 */
public final class Diagnostics {
  private final List<Diagnostic> all = new ArrayList<>();

  public void report(DiagCode code, SourceFile file, Pos pos, Object... args) {
    Diagnostic d = new Diagnostic(code, file, pos, code.format(args));
    if (!all.contains(d)) {
      all.add(d);
    }
  }

  /** As {@link #report}, with {@code context} appended to the message (where a function was called from). */
  public void reportWithContext(DiagCode code, SourceFile file, Pos pos, String context, Object... args) {
    Diagnostic d = new Diagnostic(code, file, pos, code.format(args) + context);
    if (!all.contains(d)) {
      all.add(d);
    }
  }

  public boolean hasErrors() {
    return all.stream().anyMatch(Diagnostic::isError);
  }

  public long errorCount() {
    return all.stream().filter(Diagnostic::isError).count();
  }

  public long warningCount() {
    return all.size() - errorCount();
  }

  /** Every diagnostic, ordered by file (in report order), then line and column. */
  public List<Diagnostic> all() {
    List<String> fileOrder = new ArrayList<>();
    for (Diagnostic d : all) {
      if (!fileOrder.contains(d.file().name())) {
        fileOrder.add(d.file().name());
      }
    }
    List<Diagnostic> sorted = new ArrayList<>(all);
    sorted.sort(
        Comparator.<Diagnostic>comparingInt(d -> fileOrder.indexOf(d.file().name()))
            .thenComparingInt(d -> d.pos().line())
            .thenComparingInt(d -> d.pos().column()));
    return List.copyOf(sorted);
  }
}
