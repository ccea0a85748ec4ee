package dev.netc.compiler.cli;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading {@code .net} files, compiling them, and loading a generated class: what the commands share. */
final class Networks {
  private Networks() {}

  /** Reads {@code .net} files; a missing or unreadable one is exit 3. */
  static List<SourceFile> read(List<Path> files) {
    List<SourceFile> sources = new ArrayList<>();
    for (Path p : files) {
      sources.add(new SourceFile(p.toString(), readText(p), p));
    }
    return sources;
  }

  /** The text of a UTF-8 file; exit 3 if it cannot be read. */
  static String readText(Path p) {
    try {
      if (Files.isDirectory(p)) {
        throw CliException.data(p + ": is a directory, not a file");
      }
      return dev.netc.runtime.Messages.utf8(Files.readAllBytes(p), p.toString());
    } catch (dev.netc.runtime.DataException e) {
      throw CliException.data(e.getMessage());
    } catch (NoSuchFileException e) {
      throw CliException.data(p + ": no such file");
    } catch (AccessDeniedException e) {
      throw CliException.data(p + ": permission denied");
    } catch (IOException e) {
      throw CliException.data(p + ": cannot read: " + e.getMessage());
    }
  }

  /**
   * Compiles {@code sources}, prints every diagnostic to {@code err}; exit 1 if there is an
   * error.
   */
  static NetcCompiler.Result compile(
      List<SourceFile> sources, String pkg, CodegenOptions codegen, PrintWriter err) {
    NetcCompiler.Result r = NetcCompiler.compile(sources, new NetcCompiler.Options(pkg, codegen.isFloat(), codegen.kernelChoice())
        .withDerivatives(codegen.jvp, codegen.hvp));
    printDiagnostics(r, err);
    if (r.hasErrors()) {
      throw new CliException(Main.EXIT_SOURCE, "");
    }
    return r;
  }

  static void printDiagnostics(NetcCompiler.Result r, PrintWriter err) {
    List<Diagnostic> all = r.diagnostics().all();
    for (Diagnostic d : all) {
      err.println(d.render());
    }
    long errors = r.diagnostics().errorCount();
    long warnings = r.diagnostics().warningCount();
    if (errors > 0) {
      err.println(count(errors, "error") + (warnings > 0 ? ", " + count(warnings, "warning") : ""));
    }
    err.flush();
  }

  static String count(long n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }

  /** The simple name of a generated class: the network's name. */
  static String simpleName(GeneratedFile f) {
    String q = f.qualifiedName();
    return q.substring(q.lastIndexOf('.') + 1);
  }

  /** The one network of the result, or the one named {@code name}; otherwise exit 2. */
  static GeneratedFile select(NetcCompiler.Result r, String name, String fileName) {
    List<GeneratedFile> files = r.files();
    List<String> names = files.stream().map(Networks::simpleName).toList();
    if (files.isEmpty()) {
      throw CliException.usage(fileName + " declares no network");
    }
    if (name == null) {
      if (files.size() > 1) {
        throw CliException.usage(fileName + " declares " + files.size()
            + " networks; choose one with --network (" + String.join(", ", names) + ")");
      }
      return files.get(0);
    }
    for (GeneratedFile f : files) {
      if (simpleName(f).equals(name)) {
        return f;
      }
    }
    throw CliException.usage(fileName + " has no network " + name + " (it declares: "
        + String.join(", ", names) + ")");
  }

  /** Compiles a generated class in memory and makes an instance initialized with {@code seed}. */
  static Model instantiate(GeneratedFile file, long seed) {
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(List.of(file));
    try {
      return (Model) c.load(file.qualifiedName()).getConstructor(long.class).newInstance(seed);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + file.qualifiedName(), e);
    }
  }

  /** Another instance of {@code model}'s generated class, its params initialized from {@code seed}. */
  static Model another(Model model, long seed) {
    try {
      return model.getClass().getConstructor(long.class).newInstance(seed);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + model.getClass().getName(), e);
    }
  }

  /** Reads, compiles and loads the network {@code name} (or the only one) of {@code file}. */
  static Model load(Path file, String name, CodegenOptions codegen, long seed, PrintWriter err) {
    if (codegen.kernelChoice() == dev.netc.compiler.emit.KernelChoice.VECTOR && !dev.netc.runtime.Vectorized.available()) {
      throw CliException.usage("--kernels vector needs the Vector API in this JVM: run ./netc (which adds it), or java with "
          + "--add-modules " + dev.netc.runtime.Vectorized.MODULE);
    }
    NetcCompiler.Result r = compile(read(List.of(file)), "", codegen, err);
    return instantiate(select(r, name, file.toString()), seed);
  }
}
