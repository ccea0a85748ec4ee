package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The incremental logic of both goals, in-process, on temporary folders. */
class NetcGeneratorTest {
  static final FileTime LONG_AGO = FileTime.fromMillis(946_684_800_000L); // 2000-01-01

  @TempDir Path base;
  Path src;
  Path out;
  Path state;

  @BeforeEach
  void folders() {
    src = base.resolve("src/main/net");
    out = base.resolve("target/generated-sources/netc");
    state = base.resolve("target/netc-state/generate.txt");
  }

  static String net(String name, String pkg, int hidden) {
    return (pkg == null ? "" : "package " + pkg + ";\n") + """
        network %s {
            input  x[2]
            target y[1]
            param  W1[%d, 2] init xavier
            param  W2[1, %d]
            h = tanh(W1 * x)
            a = sigmoid(W2 * h)
            output a
            loss = mse(a, y)
        }
        """.formatted(name, hidden, hidden);
  }

  void put(String relative, String text) throws IOException {
    Path p = src.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  NetcGenerator.Outcome run() throws IOException {
    return run(new NetcCompiler.Options("", false));
  }

  NetcGenerator.Outcome run(NetcCompiler.Options options) throws IOException {
    return NetcGenerator.run(new NetcGenerator.Config(src, out, state, base, options));
  }

  /** Sets every generated file's timestamp to 2000-01-01, so a rewrite shows. */
  void backdate() throws Exception {
    try (Stream<Path> files = Files.walk(out)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(p, LONG_AGO);
      }
    }
  }

  boolean rewritten(String relative) throws IOException {
    return !Files.getLastModifiedTime(out.resolve(relative)).equals(LONG_AGO);
  }

  @Test
  void firstRunCompilesEverythingAndRecordsIt() throws Exception {
    put("a.net", net("A", "p", 3));
    put("sub/b.net", net("B", null, 2));
    NetcGenerator.Outcome o = run(new NetcCompiler.Options("q", false));
    assertEquals(List.of("a.net", "sub/b.net"), o.compiled());
    assertEquals(2, o.written().size());
    assertTrue(Files.readString(out.resolve("p/A.java")).contains("package p;"));
    assertTrue(Files.readString(out.resolve("q/B.java")).contains("package q;"));
    GeneratorState s = GeneratorState.read(state).orElseThrow();
    assertEquals(List.of("p/A.java"), s.sources().get("a.net").generated());
    assertEquals(List.of("q/B.java"), s.sources().get("sub/b.net").generated());
    assertEquals(NetcGenerator.sha256(Files.readAllBytes(src.resolve("a.net"))), s.sources().get("a.net").sha256());
  }

  @Test
  void aSecondRunWithoutChangesCompilesAndWritesNothing() throws Exception {
    put("a.net", net("A", null, 3));
    run();
    backdate();
    String stateBefore = Files.readString(state);
    NetcGenerator.Outcome o = run();
    assertEquals(List.of(), o.compiled());
    assertEquals(1, o.upToDate());
    assertFalse(rewritten("A.java"));
    assertEquals(stateBefore, Files.readString(state));
  }

  @Test
  void onlyTheChangedFileIsCompiled() throws Exception {
    put("a.net", net("A", null, 3));
    put("b.net", net("B", null, 3));
    run();
    backdate();
    put("a.net", net("A", null, 5));
    NetcGenerator.Outcome o = run();
    assertEquals(List.of("a.net"), o.compiled());
    assertEquals(1, o.upToDate());
    assertTrue(rewritten("A.java"));
    assertFalse(rewritten("B.java"));
  }

  @Test
  void aChangeThatLeavesTheOutputAloneDoesNotRewriteIt() throws Exception {
    put("a.net", net("A", null, 3));
    run();
    backdate();
    put("a.net", net("A", null, 3) + "\n// a comment the generated code does not show\n");
    NetcGenerator.Outcome o = run();
    assertEquals(List.of("a.net"), o.compiled());
    assertEquals(List.of(), o.written());
    assertEquals(List.of(out.resolve("A.java")), o.unchanged());
    assertFalse(rewritten("A.java"));
  }

  @Test
  void changedOptionsRecompileEverythingButWriteOnlyWhatDiffers() throws Exception {
    put("a.net", net("A", "p", 3));
    put("b.net", net("B", null, 3));
    run();
    backdate();
    NetcGenerator.Outcome o = run(new NetcCompiler.Options("q", false));
    assertEquals(List.of("a.net", "b.net"), o.compiled());
    assertFalse(rewritten("p/A.java"), "the package line wins; A is unchanged");
    assertTrue(Files.exists(out.resolve("q/B.java")));
    assertFalse(Files.exists(out.resolve("B.java")), "B moved to package q");
    assertEquals(List.of(out.resolve("B.java")), o.deleted());

    o = run(new NetcCompiler.Options("q", true));
    assertEquals(2, o.written().size());
    assertTrue(Files.readString(out.resolve("q/B.java")).contains("float[]"));
  }

  @Test
  void aDeletedNetFileTakesItsClassAndEmptiedFoldersWithIt() throws Exception {
    put("a.net", net("A", "p.deep", 3));
    put("b.net", net("B", null, 3));
    run();
    Files.delete(src.resolve("a.net"));
    NetcGenerator.Outcome o = run();
    assertEquals(List.of(), o.compiled());
    assertEquals(List.of(out.resolve("p/deep/A.java")), o.deleted());
    assertFalse(Files.exists(out.resolve("p")), "emptied package folders are removed");
    assertTrue(Files.exists(out.resolve("B.java")));
    assertEquals(Map.of("b.net", GeneratorState.read(state).orElseThrow().sources().get("b.net")),
        GeneratorState.read(state).orElseThrow().sources());
  }

  @Test
  void aRenamedNetworkDeletesTheOldClass() throws Exception {
    put("a.net", net("A", null, 3));
    run();
    put("a.net", net("Renamed", null, 3));
    NetcGenerator.Outcome o = run();
    assertEquals(List.of(out.resolve("A.java")), o.deleted());
    assertTrue(Files.exists(out.resolve("Renamed.java")));
  }

  @Test
  void aMissingGeneratedFileIsRegenerated() throws Exception {
    put("a.net", net("A", null, 3));
    put("b.net", net("B", null, 3));
    run();
    backdate();
    Files.delete(out.resolve("A.java"));
    NetcGenerator.Outcome o = run();
    assertEquals(List.of("a.net"), o.compiled());
    assertTrue(Files.exists(out.resolve("A.java")));
    assertFalse(rewritten("B.java"));
  }

  @Test
  void aCorruptStateFileMeansRegenerateEverythingWithoutRewritingEqualFiles() throws Exception {
    put("a.net", net("A", null, 3));
    run();
    backdate();
    Files.writeString(state, "netc-state 1\nsource not-a-hash a.net\n");
    NetcGenerator.Outcome o = run();
    assertEquals(List.of("a.net"), o.compiled());
    assertEquals(1, o.notes().size());
    assertTrue(o.notes().get(0).contains("unreadable state file"), o.notes().get(0));
    assertFalse(rewritten("A.java"));
    assertTrue(GeneratorState.read(state).isPresent(), "a good state file replaces the corrupt one");
  }

  static String usesLayers(String name, int hidden) {
    return """
        use "../lib/layers.net"
        network %s {
            input  x[2]
            target y[1]
            param  W1[%d, 2] init xavier
            param  b1[%d]
            param  W2[1, %d]
            param  b2[1]
            a = layer(W2, b2, layer(W1, b1, x))
            output a
            loss = mse(a, y)
        }
        """.formatted(name, hidden, hidden, hidden);
  }

  /**
   * Editing an imported file ({@code use}) recompiles every file that imports it, directly or
   * through another import, and only those; the state records the imports with their hashes.
   */
  @Test
  void editingAnImportRegeneratesExactlyItsUsers() throws Exception {
    Path lib = base.resolve("src/main/lib");
    Files.createDirectories(lib);
    Files.writeString(lib.resolve("layers.net"), "use \"act.net\"\ndef layer(W, b, x) = act(W * x + b)\n");
    Files.writeString(lib.resolve("act.net"), "def act(z) = tanh(z)\n");
    put("a.net", usesLayers("A", 3));
    put("b.net", usesLayers("B", 2));
    put("c.net", net("C", null, 3));
    NetcGenerator.Outcome first = run();
    assertEquals(List.of(), first.diagnostics(), () -> first.diagnostics().toString());
    assertEquals(List.of("a.net", "b.net", "c.net"), first.compiled());
    GeneratorState s = GeneratorState.read(state).orElseThrow();
    assertEquals(List.of(lib.resolve("layers.net").toAbsolutePath().normalize().toString(),
        lib.resolve("act.net").toAbsolutePath().normalize().toString()), List.copyOf(s.sources().get("a.net").uses().keySet()));
    assertEquals(Map.of(), s.sources().get("c.net").uses());

    backdate();
    NetcGenerator.Outcome nothing = run();
    assertEquals(List.of(), nothing.compiled());

    Files.writeString(lib.resolve("act.net"), "def act(z) = sigmoid(z)\n");   // an import of an import
    NetcGenerator.Outcome o = run();
    assertEquals(List.of("a.net", "b.net"), o.compiled());
    assertEquals(1, o.upToDate());
    assertTrue(rewritten("A.java"));
    assertTrue(rewritten("B.java"));
    assertFalse(rewritten("C.java"));
    assertTrue(Files.readString(out.resolve("A.java")).contains("sigmoid") || Files.readString(out.resolve("A.java")).contains("exp"));

    backdate();
    Files.writeString(lib.resolve("layers.net"), "def layer(W, b, x) = W * x + b\n");
    NetcGenerator.Outcome again = run();
    assertEquals(List.of("a.net", "b.net"), again.compiled());
    assertEquals(List.of(lib.resolve("layers.net").toAbsolutePath().normalize().toString()),
        List.copyOf(GeneratorState.read(state).orElseThrow().sources().get("a.net").uses().keySet()),
        "act.net is no longer imported");
    assertFalse(rewritten("C.java"));

    Files.delete(lib.resolve("layers.net"));
    NetcGenerator.Outcome missing = run();
    assertEquals(List.of("a.net", "b.net"), missing.compiled());
    assertTrue(missing.errorCount() >= 2, () -> missing.diagnostics().toString());
    assertTrue(missing.diagnostics().get(0).message().startsWith("cannot read '../lib/layers.net'"),
        () -> missing.diagnostics().toString());
  }

  @Test
  void stateFileRoundTrip() throws Exception {
    GeneratorState s = new GeneratorState("package=p precision=float", base.resolve("out dir"),
        Map.of("with space/x.net", new GeneratorState.Entry("ab".repeat(32), List.of("p/X.java", "p/Y.java"),
            Map.of("/abs/lib dir/layers.net", "cd".repeat(32), "/abs/missing.net", ""))));
    Path file = base.resolve("s.txt");
    s.write(file);
    assertEquals(s, GeneratorState.read(file).orElseThrow());
    assertTrue(GeneratorState.read(base.resolve("missing.txt")).isEmpty());
  }

  @Test
  void corruptStateFilesAreRejected() {
    for (String text : List.of("", "hello\n", "netc-state 1\n", "netc-state 2\noptions x\noutput /o\n",
        "netc-state 1\noptions x\noutput /o\ngenerated A.java\n",
        "netc-state 1\noptions x\noutput /o\nsource 123 a.net\n",
        "netc-state 1\noptions x\noutput /o\nwhat is this\n")) {
      assertThrows(GeneratorState.CorruptStateException.class, () -> GeneratorState.parse(text.lines().toList()),
          text);
    }
  }

  @Test
  void errorsAreReportedWithFileLineColumnAndNothingIsWritten() throws Exception {
    put("a.net", net("A", null, 3));
    run();
    String stateBefore = Files.readString(state);
    put("a.net", net("A", null, 3).replace("sigmoid(W2 * h)", "sigmoid(W2 * q)"));
    put("b.net", net("B", null, 3));
    NetcGenerator.Outcome o = run();
    assertEquals(1, o.errorCount());
    Diagnostic d = o.diagnostics().get(0);
    assertEquals("src/main/net/a.net:7:22: error: unknown name 'q'", d.header());
    assertFalse(Files.exists(out.resolve("B.java")), "nothing is written when there is an error");
    assertEquals(stateBefore, Files.readString(state), "the state is kept, so the next run retries");
  }

  @Test
  void theSameClassFromTwoFilesIsTheCompilersDuplicateError() throws Exception {
    put("a.net", net("A", "p", 3));
    run();
    put("b.net", net("A", "p", 2));
    NetcGenerator.Outcome o = run();
    assertEquals(1, o.errorCount());
    assertTrue(o.diagnostics().get(0).header().startsWith("src/main/net/b.net:2:"), o.diagnostics().get(0).header());
    assertTrue(o.diagnostics().get(0).header().contains("already defined"), o.diagnostics().get(0).header());
  }

  @Test
  void noSourceFolderAndNoStateDoesNothing() throws Exception {
    NetcGenerator.Outcome o = run();
    assertEquals(List.of(), o.compiled());
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(state));
  }

  @Test
  void writeIfChangedComparesBytes() throws Exception {
    Path f = base.resolve("x/F.java");
    assertTrue(NetcGenerator.writeIfChanged(f, "a".getBytes(StandardCharsets.UTF_8)));
    Files.setLastModifiedTime(f, LONG_AGO);
    assertFalse(NetcGenerator.writeIfChanged(f, "a".getBytes(StandardCharsets.UTF_8)));
    assertEquals(LONG_AGO, Files.getLastModifiedTime(f));
    assertTrue(NetcGenerator.writeIfChanged(f, "b".getBytes(StandardCharsets.UTF_8)));
    assertEquals("b", Files.readString(f));
  }
}
