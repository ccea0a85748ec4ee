package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.compiler.emit.Identifiers;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * User names against the names generated code uses (issue 19): the valid {@code .net} files of
 * the repository with user names renamed to identifiers taken from netc's own generated code
 * (in double, float and vector modes) and from {@link CompileFuzz#HOSTILE_NAMES}: every program
 * the checker accepts compiles with javac in all three modes. Clashing user names are renamed by
 * the emitter (docs/tools.md, "Names in the generated class").
 *
 * <p>{@code -Dnetc.hostileNamePrograms=<n>} changes how many programs (each compiled three times).
 */
class HostileNamesTest {
  private static final int PROGRAMS = Integer.getInteger("netc.hostileNamePrograms", 300);
  private static final long SEED = Long.getLong("netc.fuzzSeed", 20_261_205L);

  @Test
  void everyAcceptedProgramWithHostileNamesCompilesInEveryMode() {
    long start = System.nanoTime();
    CompileFuzz fuzz = new CompileFuzz(SEED, true);
    Map<String, Integer> harvested = fuzz.emittedIdentifiers();
    // the list must reach what the emitter really writes, not only what we thought of
    assertTrue(harvested.keySet().containsAll(List.of("batch", "ex", "ws", "Ops", "Arrays", "Gradient", "Workspace", "total")),
        "identifiers found in generated code: " + harvested.keySet());
    // found in at least a tenth of the files: what the emitter writes by itself, whatever the network
    Set<String> common = new TreeSet<>(CompileFuzz.HOSTILE_NAMES);
    common.addAll(Identifiers.TYPES);
    harvested.forEach((name, files) -> {
      if (files * 10 >= fuzz.validSeedCount()) {
        common.add(name);
      }
    });
    Set<String> all = new TreeSet<>(common);
    all.addAll(harvested.keySet());
    CompileFuzz.Outcome o = fuzz.renames(PROGRAMS, List.copyOf(common), List.copyOf(all));
    System.out.printf("HostileNamesTest: %d names (%d common), %d programs x 3 modes, %d accepted, %d javac batches, %d failures"
        + " in %.1f s%n", all.size(), common.size(), PROGRAMS, o.accepted(), o.javacBatches(), o.failures().size(),
        (System.nanoTime() - start) / 1e9);
    assertTrue(o.accepted() >= o.mutants() / 3, "too few renamed programs were accepted: " + o.accepted());
    if (!o.failures().isEmpty()) {
      fail(o.failures().size() + " failures; the first ones:\n\n"
          + String.join("\n\n----\n\n", o.failures().subList(0, Math.min(5, o.failures().size()))));
    }
    assertEquals(List.of(), o.failures());
  }
}
