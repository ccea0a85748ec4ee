package dev.netc.compiler.check;

import dev.netc.compiler.emit.Identifiers;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;

/** Java naming rules for network (class) names and package names. */
public final class JavaNames {
  private static final Set<String> RESTRICTED_TYPE_NAMES = Set.of("var", "yield", "record", "sealed", "permits");

  /**
   * The most UTF-8 bytes a name may have (E060): it becomes Java identifiers with a few more
   * characters ({@code gW1_0}, {@code computeH}) and, for a network, the file names
   * {@code Name.java} and {@code Name$Gradient.class}, which most file systems limit to 255 bytes.
   */
  public static final int MAX_NAME_BYTES = 200;

  private JavaNames() {}

  /** The length of {@code name} in UTF-8 bytes. */
  public static int utf8Length(String name) {
    return name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** {@code name} clipped to its first 40 code points and an ellipsis, for a message. */
  public static String clipped(String name) {
    return name.codePointCount(0, name.length()) <= 40 ? name
        : name.substring(0, name.offsetByCodePoints(0, 40)) + "\u2026";
  }

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
    if (Identifiers.TYPES.contains(name)) {
      return Optional.of(name.equals("Gradient") || name.equals("Workspace")
          ? "the generated class has a nested class of that name"
          : "the generated class uses the type " + name + ", which a class of that name would hide");
    }
    if (Identifiers.PACKAGE_ROOTS.contains(name)) {
      return Optional.of("the generated class names types in the packages under '" + name
          + "' by their full names, which a class of that name would hide");
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
