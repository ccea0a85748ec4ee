package dev.netc.compiler.check;

import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;

/** Java naming rules for network (class) names and package names. */
public final class JavaNames {
  private static final Set<String> RESTRICTED_TYPE_NAMES = Set.of("var", "yield", "record", "sealed", "permits");

  private JavaNames() {}

  /** Why {@code name} cannot be a Java class name, or empty if it can. */
  public static Optional<String> classNameProblem(String name) {
    if (name.equals("_")) {
      return Optional.of("'_' alone is reserved in Java");
    }
    if (SourceVersion.isKeyword(name)) {
      return Optional.of("it is a Java keyword");
    }
    if (RESTRICTED_TYPE_NAMES.contains(name)) {
      return Optional.of("Java reserves it and it cannot name a class");
    }
    if (!SourceVersion.isIdentifier(name)) {
      return Optional.of("it is not a Java identifier");
    }
    return Optional.empty();
  }

  /**
   * The first code point of {@code name} that Java does not allow at its place in an identifier
   * (by {@link Character#isJavaIdentifierStart(int)} and {@link Character#isJavaIdentifierPart(int)}
   * of the running Java, 17 for netc), or -1 if there is none. The grammar takes letters by
   * ANTLR's newer Unicode tables, so a letter such as U+0870 (Unicode 14) lexes as a name but is
   * no Java 17 letter: every name the front end reads passes through this one rule (E049).
   */
  public static int firstNonJavaCodePoint(String name) {
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      boolean ok = i == 0 ? Character.isJavaIdentifierStart(cp) : Character.isJavaIdentifierPart(cp);
      if (!ok || Character.isIdentifierIgnorable(cp)) {
        return cp;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  /**
   * Why {@code name}, a valid package name, must not hold generated classes, or empty if it may:
   * the JDK's own packages ({@code java}, {@code javax}, {@code sun}, {@code jdk} and everything
   * under them) cannot be defined by an application class loader, and {@code dev.netc.runtime}
   * (and under it) belongs to the runtime library, whose classes a network could shadow.
   */
  public static Optional<String> reservedPackageProblem(String name) {
    for (String root : new String[] {"java", "javax", "sun", "jdk"}) {
      if (name.equals(root) || name.startsWith(root + ".")) {
        return Optional.of("'" + root + "' and the packages under it belong to the JDK");
      }
    }
    if (name.equals("dev.netc.runtime") || name.startsWith("dev.netc.runtime.")) {
      return Optional.of("'dev.netc.runtime' and the packages under it belong to netc's runtime library");
    }
    return Optional.empty();
  }

  /** Why {@code name} cannot be the package of generated classes (invalid or reserved), or empty if it can. */
  public static Optional<String> packageProblem(String name) {
    Optional<String> invalid = packageNameProblem(name);
    return invalid.isPresent() ? invalid.map(why -> "not a valid Java package name: " + why)
        : reservedPackageProblem(name).map(why -> "reserved: " + why);
  }

  /** Why {@code name} cannot be a Java package name, or empty if it can. */
  public static Optional<String> packageNameProblem(String name) {
    for (String part : name.split("\\.", -1)) {
      if (part.isEmpty()) {
        return Optional.of("it has an empty part");
      }
      if (SourceVersion.isKeyword(part) || part.equals("_")) {
        return Optional.of("'" + part + "' is a Java keyword");
      }
      if (!SourceVersion.isIdentifier(part)) {
        return Optional.of("'" + part + "' is not a Java identifier");
      }
    }
    return Optional.empty();
  }
}
