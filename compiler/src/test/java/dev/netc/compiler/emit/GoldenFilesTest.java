package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every example network (src/test/resources/examples/NAME.net) beside its expected generated
 * Java: golden/NAME.java (double) and golden/NAME.float.java (float). Examples are discovered
 * automatically; run with {@code -Dnetc.updateGolden=true} to (re)write the golden files after
 * an intended change of the emitter, then read the diff.
 */
class GoldenFilesTest {
  static final Path EXAMPLES = Path.of("src/test/resources/examples");
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  static final boolean UPDATE = Boolean.getBoolean("netc.updateGolden");

  static List<Path> examples() throws IOException {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".net")).sorted().toList();
    }
  }

  static String baseName(Path p) {
    String n = p.getFileName().toString();
    return n.substring(0, n.length() - ".net".length());
  }

  /** The one generated file of an example (every example holds one network). */
  static String generate(Path example, boolean isFloat) throws IOException {
    List<Emitter.GeneratedFile> files = Codegen.generate(example.getFileName().toString(), Files.readString(example), isFloat);
    assertEquals(1, files.size(), example + " should hold one network");
    return files.get(0).content();
  }

  @TestFactory
  Stream<DynamicTest> generatedSourceMatchesTheGoldenFile() throws IOException {
    List<Path> examples = examples();
    assertTrue(examples.size() >= 5, "examples found: " + examples);
    return examples.stream().flatMap(p -> Stream.of(false, true).map(isFloat -> {
      Path golden = GOLDEN.resolve(baseName(p) + (isFloat ? ".float.java" : ".java"));
      return DynamicTest.dynamicTest(golden.getFileName().toString(), () -> {
        String actual = generate(p, isFloat);
        if (UPDATE) {
          Files.createDirectories(GOLDEN);
          Files.writeString(golden, actual, StandardCharsets.UTF_8);
          return;
        }
        assertTrue(Files.exists(golden), golden + " is missing: run with -Dnetc.updateGolden=true");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual,
            golden + " differs from the generated source; if the change is intended, run with -Dnetc.updateGolden=true");
      });
    }));
  }

  /** Every golden file belongs to an example: a removed example leaves no stale golden file. */
  @TestFactory
  Stream<DynamicTest> noStaleGoldenFiles() throws IOException {
    List<String> names = examples().stream().map(GoldenFilesTest::baseName).toList();
    if (!Files.isDirectory(GOLDEN)) {
      return Stream.empty();
    }
    try (Stream<Path> s = Files.list(GOLDEN)) {
      return s.sorted().toList().stream().map(g -> DynamicTest.dynamicTest(g.getFileName().toString(), () -> {
        String n = g.getFileName().toString().replaceFirst("(\\.float)?\\.java$", "");
        assertTrue(names.contains(n), g + " has no example " + n + ".net");
      }));
    }
  }

  /** Generating twice (in double and float) gives byte-identical output. */
  @TestFactory
  Stream<DynamicTest> generationIsDeterministic() throws IOException {
    return examples().stream().flatMap(p -> Stream.of(false, true).map(isFloat ->
        DynamicTest.dynamicTest(p.getFileName() + (isFloat ? " float" : ""), () -> {
          byte[] first = generate(p, isFloat).getBytes(StandardCharsets.UTF_8);
          byte[] second = generate(p, isFloat).getBytes(StandardCharsets.UTF_8);
          assertTrue(java.util.Arrays.equals(first, second), p + ": two runs differ");
        })));
  }
}
