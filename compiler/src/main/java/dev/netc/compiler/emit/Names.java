package dev.netc.compiler.emit;

import java.util.HashSet;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Allocates Java names in one place, deterministically: a source name is kept when Java allows
 * it; a Java keyword, a name the generated code uses by itself ({@link Identifiers#RESERVED}) or a
 * taken name gets a {@code _} suffix (then a number).
 */
final class Names {
  private final Set<String> reserved;
  private final Set<String> taken = new HashSet<>();

  Names(String... reserved) {
    this(Set.of(reserved));
  }

  /** Names that avoid {@code reserved} (not copied: every kernel's locals share one set). */
  Names(Set<String> reserved) {
    this.reserved = reserved;
  }

  /** Whether {@code name} is already taken (or reserved). */
  boolean isTaken(String name) {
    return taken.contains(name) || reserved.contains(name) || Identifiers.RESERVED.contains(name);
  }

  /**
   * {@code preferred} if it is free; else {@code preferred_} (a keyword, a reserved or a taken
   * name: {@code Arrays} becomes {@code Arrays_}); else {@code preferred__2}, {@code __3}, ...
   */
  String allocate(String preferred) {
    boolean plain = SourceVersion.isIdentifier(preferred) && !SourceVersion.isKeyword(preferred) && !preferred.equals("_");
    String base = plain && !isTaken(preferred) ? preferred : preferred + "_";
    String name = base;
    for (int k = 2; isTaken(name) || SourceVersion.isKeyword(name); k++) {
      name = base + "_" + k;
    }
    taken.add(name);
    return name;
  }
}
