package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.diag.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The error corpus: every {@code errors/<name>.net} must produce exactly the diagnostics in
 * {@code errors/<name>.expected}, one {@code file:line:column: severity: message} per line.
 * Run with {@code -Dnetc.updateGolden=true} to rewrite the expected files from the compiler's
 * output; then read every changed file and confirm it by hand before committing.
 */
class ErrorCorpusTest {
  private static final boolean UPDATE = Boolean.getBoolean("netc.updateGolden");
  private static final String FOLDER = "errors";

  @TestFactory
  Stream<DynamicTest> everyErrorFileGivesExactlyItsExpectedDiagnostics() {
    List<Path> files = Corpus.netFiles(FOLDER);
    assertTrue(files.size() >= 45, "the corpus has only " + files.size() + " files");
    return files.stream().map(net -> DynamicTest.dynamicTest(net.getFileName().toString(), net.toUri(), () -> check(net)));
  }

  private static void check(Path net) throws IOException {
    SourceFile source = Corpus.source(net);
    String actual = Corpus.lines(Corpus.headers(source));
    Path expectedFile = expectedFileOf(net);
    if (UPDATE) {
      Files.writeString(expectedFile, actual, StandardCharsets.UTF_8);
    }
    assertTrue(Files.exists(expectedFile), "missing " + expectedFile + "; run with -Dnetc.updateGolden=true");
    assertEquals(Corpus.read(expectedFile), actual, source.name());
    assertFalse(actual.isEmpty(), source.name() + " gives no diagnostics at all");
    if (!net.getFileName().toString().startsWith("warn_")) {
      assertTrue(actual.contains(": error: "), source.name() + " gives no error");
    }
  }

  private static Path expectedFileOf(Path net) {
    String name = net.getFileName().toString();
    return net.resolveSibling(name.substring(0, name.length() - ".net".length()) + ".expected");
  }

  @Test
  void everyExpectedFileHasItsNetFile() throws IOException {
    try (Stream<Path> files = Files.list(Corpus.RESOURCES.resolve(FOLDER))) {
      List<String> orphans = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".expected"))
          .filter(n -> !Files.exists(Corpus.RESOURCES.resolve(FOLDER).resolve(n.replaceAll("\\.expected$", ".net"))))
          .toList();
      assertEquals(List.of(), orphans);
    }
  }

  @Test
  void atLeastFiveFilesReportSeveralIndependentErrors() {
    long several = Corpus.netFiles(FOLDER).stream()
        .filter(net -> Corpus.headers(Corpus.source(net)).stream().filter(h -> h.contains(": error: ")).count() >= 3)
        .count();
    assertTrue(several >= 5, "only " + several + " files report three errors or more");
  }
}
