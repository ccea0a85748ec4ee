package dev.netc.compiler.check;

import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Test resources of the front end: the {@code .net} files of a folder, and running them. */
final class Corpus {
  /** The test resources in the source tree (surefire runs in the module's folder). */
  static final Path RESOURCES = Path.of("src", "test", "resources");

  private Corpus() {}

  /** The {@code .net} files of {@code folder}, sorted by name. */
  static List<Path> netFiles(String folder) {
    try (Stream<Path> files = Files.list(RESOURCES.resolve(folder))) {
      return files.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A resource as a source file named relative to the resources, like {@code errors/foo.net}. */
  static SourceFile source(Path path) {
    String name = RESOURCES.relativize(path).toString().replace('\\', '/');
    return new SourceFile(name, read(path), path);
  }

  static String read(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every diagnostic of checking {@code files} together, as header lines. */
  static List<String> headers(SourceFile... files) {
    Diagnostics diagnostics = new Diagnostics();
    Frontend.check(List.of(files), "", diagnostics);
    return diagnostics.all().stream().map(Diagnostic::header).toList();
  }

  static String lines(List<String> lines) {
    return lines.stream().map(l -> l + "\n").collect(Collectors.joining());
  }
}
