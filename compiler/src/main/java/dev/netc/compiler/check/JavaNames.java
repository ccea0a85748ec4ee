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
