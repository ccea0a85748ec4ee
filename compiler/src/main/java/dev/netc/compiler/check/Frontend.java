package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.parse.NetParsing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The front end: parses and checks a set of {@code .net} files together (network names must be
 * unique per package across all of them). Never throws on bad input: every problem is a
 * diagnostic.
 */
public final class Frontend {
  private Frontend() {}

  /**
   * The checked networks of {@code files}; when {@code diagnostics} has errors afterwards, the
   * list holds only the networks that checked clean and must not be compiled.
   *
   * @param defaultPackage the package for files without a {@code package} line ("" for none)
   */
  public static List<Network> check(List<SourceFile> files, String defaultPackage, Diagnostics diagnostics) {
    return check(files, defaultPackage, false, diagnostics);
  }

  /**
   * As {@link #check(List, String, Diagnostics)}, for code that computes in float when
   * {@code isFloat}: then every constant must fit in a float (E051).
   */
  public static List<Network> check(List<SourceFile> files, String defaultPackage, boolean isFloat,
      Diagnostics diagnostics) {
    return check(files, defaultPackage, isFloat, diagnostics, p -> { });
  }

  /** As {@link #check(List, String, boolean, Diagnostics)}, telling {@code imported} every file read for a {@code use}. */
  public static List<Network> check(List<SourceFile> files, String defaultPackage, boolean isFloat,
      Diagnostics diagnostics, java.util.function.Consumer<java.nio.file.Path> imported) {
    return BigStack.call(() -> checkAll(files, defaultPackage, isFloat, diagnostics, imported));
  }

  private static List<Network> checkAll(List<SourceFile> files, String defaultPackage, boolean isFloat,
      Diagnostics diagnostics, java.util.function.Consumer<java.nio.file.Path> imported) {
    List<Network> result = new ArrayList<>();
    Map<String, Network> byQualifiedName = new HashMap<>();
    Imports imports = new Imports(diagnostics, imported);
    for (SourceFile file : files) {
      Optional<Ast.File> ast = NetParsing.parse(file, diagnostics);
      if (ast.isEmpty()) {
        continue;
      }
      String pkg = packageOf(ast.get(), defaultPackage, file, diagnostics);
      Functions functions = imports.functionsOf(file, ast.get());
      for (Ast.Network n : ast.get().networks()) {
        Optional<Network> checked = new NetworkChecker(file, diagnostics, n, pkg, isFloat, functions).check();
        String qualified = pkg.isEmpty() ? n.name() : pkg + "." + n.name();
        Network first = byQualifiedName.get(qualified);
        if (first != null) {
          diagnostics.report(DiagCode.DUPLICATE_NETWORK, file, n.pos(), n.name(),
              pkg.isEmpty() ? "the default package" : "package " + pkg,
              first.source().name() + ":" + first.pos().line() + ":" + first.pos().column());
          continue;
        }
        checked.ifPresent(c -> {
          byQualifiedName.put(qualified, c);
          result.add(c);
        });
      }
    }
    return List.copyOf(result);
  }

  private static String packageOf(Ast.File ast, String defaultPackage, SourceFile file, Diagnostics diagnostics) {
    if (ast.packageDecl().isEmpty()) {
      return defaultPackage;
    }
    Ast.PackageDecl decl = ast.packageDecl().get();
    Optional<String> invalid = JavaNames.packageNameProblem(decl.name());
    invalid.ifPresent(why -> diagnostics.report(DiagCode.BAD_PACKAGE, file, decl.pos(), decl.name(), why));
    if (invalid.isEmpty()) {
      JavaNames.reservedPackageProblem(decl.name())
          .ifPresent(why -> diagnostics.report(DiagCode.RESERVED_PACKAGE, file, decl.pos(), decl.name(), why));
    }
    return decl.name();
  }
}
