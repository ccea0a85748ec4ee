package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile input through the command line: exit 2 or 3 with one clear line, never a trace. */
class CliBadInputTest {
  static final Path XOR = CliTrainTest.XOR;
  static final Path XOR_CSV = CliTrainTest.XOR_CSV;

  @TempDir Path tmp;

  /** Issue 19: a 70,000-letter name went past the class file's constant limit (a javac failure). */
  @Test
  void aNameOf70000LettersIsE060() throws IOException {
    String name = "w".repeat(70_000);
    Path net = Files.writeString(tmp.resolve("long.net"),
        "network Long {\n    input x[2]\n    param " + name + "[2]\n    h = x .* " + name + "\n    output h\n}\n");
    for (String command : new String[] {"check", "compile"}) {
      CliRun r = command.equals("check") ? CliRun.of("check", net) : CliRun.of("compile", "-d", tmp.resolve("out"), net);
      expect(1, r);
      assertTrue(r.err().contains("long.net:3:11: error: the name 'wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww\u2026' is 70000"
          + " bytes long in UTF-8; a name may have at most 200"), r::toString);
      assertTrue(r.err().length() < 400_000, "the message quotes the line once, not the name many times");
    }
    assertTrue(!Files.exists(tmp.resolve("out")) || Files.list(tmp.resolve("out")).findAny().isEmpty(), "nothing written");
  }

  /** Issue 19: networks named after a type the generated class uses did not compile. */
  @Test
  void networksNamedLikeTypesTheClassUsesAreE011() throws IOException {
    for (String name : new String[] {"Gradient", "Workspace", "Math", "System", "Arrays", "dev", "java"}) {
      Path net = Files.writeString(tmp.resolve(name + ".net"), "network " + name + " {\n    input x[2]\n    output x\n}\n");
      CliRun r = CliRun.of("check", net);
      expect(1, r);
      assertTrue(r.err().contains(name + ".net:1:9: error: '" + name + "' is not a valid Java class name: the generated class"),
          r::toString);
    }
  }

  @Test
  void testAndTestFractionExcludeEachOther() {
    CliRun r = CliRun.of("train", XOR, "--data", XOR_CSV, "--test", XOR_CSV, "--test-fraction", "0.5");
    expect(2, r);
    assertTrue(r.err().contains("--test and --test-fraction exclude each other"), r::toString);
  }

  @Test
  void dataFromAPipe() throws Exception {
    Path fifo = tmp.resolve("xor.fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    byte[] text = Files.readAllBytes(XOR_CSV);
    Thread writer = new Thread(() -> {
      try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(fifo))) {
        out.write(text);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.start();
    CliRun r = CliRun.of("train", XOR, "--data", fifo, "--test-fraction", "0", "--epochs", "2");
    writer.join();
    expect(0, r);
    assertTrue(r.out().contains("4 training examples"), r::toString);
  }

  @Test
  void badDataIsExit3WithWhereAndWhy() throws IOException {
    Path underflow = Files.writeString(tmp.resolve("u.csv"), "x_0,x_1,y\n0,5e-99999,1\n");
    CliRun r = CliRun.of("train", XOR, "--data", underflow, "--test-fraction", "0", "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains("u.csv:2:2 (x_1): number too small"), r::toString);
    Path nul = Files.writeString(tmp.resolve("n.csv"), "x_0,x_1,y\n0,1\0,1\n");
    r = CliRun.of("train", XOR, "--data", nul, "--test-fraction", "0", "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains("n.csv:2:2 (x_1): control character U+0000 in a number"), r::toString);
    Path big = Files.writeString(tmp.resolve("b.csv"), "x_0,x_1,y\n0," + "z".repeat(1_000_000) + ",1\n");
    r = CliRun.of("train", XOR, "--data", big, "--test-fraction", "0", "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().length() < 300, r::toString);
    assertTrue(r.err().contains("...\" (1000000 characters)"), r::toString);
    Path empty = Files.write(tmp.resolve("e.csv.gz"), new byte[0]);
    r = CliRun.of("train", XOR, "--data", empty, "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains("e.csv.gz: empty gzip file"), r::toString);
    r = CliRun.of("train", XOR, "--data", tmp, "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains(tmp + ": is a directory, not a file"), r::toString);
    Path latin = Files.write(tmp.resolve("l.net"), "network L { input x\u00e9 }".getBytes(StandardCharsets.ISO_8859_1));
    r = CliRun.of("check", latin);
    expect(3, r);
    assertTrue(r.err().contains("l.net: not UTF-8 text (byte 19, line 1)"), r::toString);
  }

  @Test
  void devZeroAsParamsAndData() throws IOException {
    Path zero = Path.of("/dev/zero");
    if (!Files.exists(zero)) {
      return;
    }
    CliRun r = CliRun.of("predict", XOR, "--params", zero, "--data", XOR_CSV);
    expect(3, r);
    assertTrue(r.err().contains("/dev/zero: not a netc params file (bad magic bytes)"), r::toString);
    r = CliRun.of("train", XOR, "--data", zero, "--epochs", "1");
    expect(3, r);
    assertTrue(r.err().contains("/dev/zero:1: line longer than 16777216 bytes"), r::toString);
  }

  @Test
  void outOfMemoryIsOneLineOfAdvice() {
    StringWriter err = new StringWriter();
    assertEquals(Main.EXIT_INTERNAL, Main.outOfMemory(new PrintWriter(err)));
    assertEquals(1, err.toString().lines().count());
    assertTrue(err.toString().contains("-Xmx"));
  }
}
