package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Model;
import java.util.List;
import java.util.stream.Collectors;

/** Test helpers: {@code .net} source to generated files, to compiled and loaded models. */
final class Codegen {
  private Codegen() {}

  /** The generated files of {@code source}, failing the test on any error. */
  static List<Emitter.GeneratedFile> generate(String fileName, String source, boolean isFloat) {
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile(fileName, source)),
        new NetcCompiler.Options("", isFloat));
    if (r.hasErrors()) {
      throw new AssertionError("does not compile:\n" + source + "\n"
          + r.diagnostics().all().stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
    }
    return r.files();
  }

  /** Compiles generated files with no javac warning allowed. */
  static InMemoryCompiler.Compiled javac(List<Emitter.GeneratedFile> files) {
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
    assertEquals(List.of(), c.warnings(), "javac -Xlint:all warnings");
    return c;
  }

  /** The single network of {@code source}, compiled, loaded and initialized from {@code seed}. */
  static Model model(String source, boolean isFloat, long seed) {
    List<Emitter.GeneratedFile> files = generate("test.net", source, isFloat);
    return newModel(javac(files), files.get(0).qualifiedName(), seed);
  }

  static Model newModel(InMemoryCompiler.Compiled c, String qualifiedName, long seed) {
    try {
      return (Model) c.load(qualifiedName).getConstructor(long.class).newInstance(seed);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
