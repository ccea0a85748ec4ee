package dev.netc.compiler;

import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.emit.Emitter;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import dev.netc.compiler.emit.KernelChoice;
import dev.netc.compiler.graph.Dag;
import java.util.ArrayList;
import java.util.List;

/**
 * The compiler's one entry point, shared by the CLI and the Maven plugin: {@code .net} sources in,
 * diagnostics and generated Java sources out. Never throws on bad input.
 */
public final class NetcCompiler {
  private NetcCompiler() {}

  /**
   * How to compile: the package for networks that declare none, float or double arithmetic,
   * which kernels large matrix products call ({@code --kernels}: by default both, the Vector API
   * ones when the JVM running the class has {@code jdk.incubator.vector}, see {@link KernelChoice}),
   * and whether generated classes have {@code jvp} and {@code hvp} methods.
   */
  public record Options(String defaultPackage, boolean isFloat, KernelChoice kernels, boolean jvp, boolean hvp) {
    public static final Options DEFAULTS = new Options("", false);

    public Options {
      if (kernels == null) {
        kernels = KernelChoice.AUTO;
      }
    }

    public Options(String defaultPackage, boolean isFloat) {
      this(defaultPackage, isFloat, KernelChoice.AUTO);
    }

    public Options(String defaultPackage, boolean isFloat, KernelChoice kernels) {
      this(defaultPackage, isFloat, kernels, false, false);
    }

    /** {@code vector}: the Vector API kernels alone ({@code --kernels vector}); else the default, both. */
    public Options(String defaultPackage, boolean isFloat, boolean vector) {
      this(defaultPackage, isFloat, vector ? KernelChoice.VECTOR : KernelChoice.AUTO);
    }

    /** These options, with the generated classes' {@code jvp} ({@code --jvp}) and {@code hvp} ({@code --hvp}) methods as given. */
    public Options withDerivatives(boolean jvp, boolean hvp) {
      return new Options(defaultPackage, isFloat, kernels, jvp, hvp);
    }
  }

  /**
   * Diagnostics (errors and warnings) and, when there is no error, one file per network; and
   * every file the sources import with {@code use}, directly or not (absolute, normalized paths).
   */
  public record Result(Diagnostics diagnostics, List<GeneratedFile> files, List<java.nio.file.Path> imports) {
    public Result {
      imports = List.copyOf(imports);
    }

    public Result(Diagnostics diagnostics, List<GeneratedFile> files) {
      this(diagnostics, files, List.of());
    }

    public boolean hasErrors() {
      return diagnostics.hasErrors();
    }
  }

  public static Result compile(List<SourceFile> sources, Options options) {
    Compilation c = Compilation.of(sources, options.defaultPackage(), options.isFloat());
    if (c.hasErrors()) {
      return new Result(c.diagnostics(), List.of(), c.imports());
    }
    List<GeneratedFile> files = new ArrayList<>();
    Rules rules = Rules.standard();
    for (Dag dag : c.dags()) {
      Dag jvp = null;
      Dag hvp = null;
      if (options.jvp()) {
        jvp = Compilation.jvp(dag.network(), rules, c.diagnostics()).orElse(null);
      }
      if (options.hvp() && dag.loss() != null) {
        hvp = Compilation.hvp(dag, rules, c.diagnostics()).orElse(null);
      }
      if (c.hasErrors()) {
        return new Result(c.diagnostics(), List.of());
      }
      files.add(Emitter.emit(dag, jvp, hvp, options.isFloat(), options.kernels(), fileName(dag.network().source().name())));
    }
    return new Result(c.diagnostics(), List.copyOf(files), c.imports());
  }

  /** The file name shown in generated headers: the last path element, so output does not depend on where it was built. */
  static String fileName(String path) {
    // a backslash is a separator only where the platform says so: on Linux it is part of the name
    int slash = path.lastIndexOf('/');
    if (java.io.File.separatorChar == '\\') {
      slash = Math.max(slash, path.lastIndexOf('\\'));
    }
    return path.substring(slash + 1);
  }
}
