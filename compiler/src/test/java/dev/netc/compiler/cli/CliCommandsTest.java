package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compile, check, help, version, and the exit codes of usage errors and bad sources. */
class CliCommandsTest {
  static final String EXAMPLES = "src/test/resources/examples/";
  static final String BAD = """
      network Bad {
          input x[3]
          param W[2, 4]
          h = W * x
          output h
          loss = sum(undefined)
      }
      """;

  @TempDir Path tmp;

  static void expect(int code, CliRun r) {
    assertEquals(code, r.code(), r::toString);
    assertFalse(r.err().contains("\tat "), () -> "a stack trace:\n" + r);
  }

  @Test
  void versionAndHelp() {
    CliRun v = CliRun.of("--version");
    expect(0, v);
    assertTrue(v.out().startsWith("netc "), v::toString);
    for (String cmd : new String[] {"compile", "check", "eval", "train"}) {
      CliRun h = CliRun.of(cmd, "--help");
      expect(0, h);
      assertTrue(h.out().contains("Usage: netc " + cmd), h::toString);
      assertTrue(h.out().contains("Examples:"), h::toString);
    }
    CliRun top = CliRun.of("--help");
    expect(0, top);
    assertTrue(top.out().contains("Exit codes:"), top::toString);
  }

  @Test
  void badUsageIsExit2WithAHint() {
    Object[][] cases = {
      {},
      {"frobnicate"},
      {"check"},
      {"check", "--bogus", EXAMPLES + "xor.net"},
      {"compile", EXAMPLES + "xor.net", "--precision", "quad"},
      {"eval", EXAMPLES + "gate.net"},
      {"eval", EXAMPLES + "gate.net", "--values", "v.json", "--seed", "abc"},
      {"train", EXAMPLES + "xor.net", "--data", "x.csv", "--optimizer", "rmsprop"},
      {"train", EXAMPLES + "xor.net", "--data", "x.csv", "--epochs", "many"},
      {"train", EXAMPLES + "xor.net", "--data", "x.csv", "--batch", "0"},
      {"train", EXAMPLES + "xor.net", "--data", "x.csv", "--lr", "-1"},
      {"train", EXAMPLES + "xor.net"},
      {"compile", EXAMPLES + "xor.net", "--package", "not a package"},
    };
    for (Object[] args : cases) {
      CliRun r = CliRun.of(args);
      expect(2, r);
      assertTrue(r.err().contains("--help"), r::toString);
      assertTrue(r.err().startsWith("netc: "), r::toString);
    }
    assertTrue(CliRun.of("compile", "x.net", "--precision", "quad").err().contains("double, float"));
    assertTrue(CliRun.of("chek").err().contains("check"), "suggests the near command");
  }

  @Test
  void checkPrintsWarningsAndExits0() {
    CliRun r = CliRun.of("check", EXAMPLES + "allops.net", EXAMPLES + "xor.net");
    expect(0, r);
    assertTrue(r.out().contains("ok: 2 networks (AllOps, Xor)"), r::toString);
    assertTrue(r.err().contains("allops.net:12:10: warning:"), r::toString);
  }

  /** E005 at the same depth in check, compile and eval (check and eval disagreed). */
  @Test
  void nestingLimitIsTheSameInEveryCommand() throws Exception {
    Files.writeString(tmp.resolve("v.json"), "{\"x\": 2}");
    for (int levels : new int[] {1_000, 2_500}) {
      Path net = tmp.resolve("deep" + levels + ".net");
      Files.writeString(net, "network D {\n    input x\n    h = " + "(".repeat(levels) + "x" + ")".repeat(levels)
          + "\n    output h\n}\n");
      for (int i = 0; i < 3; i++) {
        CliRun[] runs = {CliRun.of("check", net), CliRun.of("compile", net, "-d", tmp.resolve("out")),
            CliRun.of("eval", net, "--values", tmp.resolve("v.json"))};
        for (CliRun r : runs) {
          expect(levels == 1_000 ? 0 : 1, r);
          assertEquals(levels != 1_000, r.err().contains("error: this is nested too deeply"), r::toString);
        }
      }
    }
  }

  @Test
  void badSourceIsExit1WithEveryDiagnostic() throws Exception {
    Path bad = tmp.resolve("bad.net");
    Files.writeString(bad, BAD);
    for (String cmd : new String[] {"check", "compile"}) {
      CliRun r = CliRun.of(cmd, bad);
      expect(1, r);
      assertTrue(r.err().contains(bad + ":4:11: error:"), r::toString);
      assertTrue(r.err().contains(bad + ":6:16: error:"), r::toString);
      assertTrue(r.err().contains("\n    loss = sum(undefined)\n"), r::toString);
      assertTrue(r.err().contains("2 errors"), r::toString);
      assertEquals("", r.out());
    }
    Files.writeString(tmp.resolve("v.json"), "{}");
    expect(1, CliRun.of("eval", bad, "--values", tmp.resolve("v.json")));
    expect(1, CliRun.of("train", bad, "--data", tmp.resolve("v.json")));
  }

  @Test
  void missingFilesAreExit3() {
    Path none = tmp.resolve("none.net");
    for (Object[] args : new Object[][] {
        {"check", none}, {"compile", none}, {"eval", none, "--values", "v.json"},
        {"train", none, "--data", "d.csv"}, {"check", tmp}}) {
      CliRun r = CliRun.of(args);
      expect(3, r);
      assertTrue(r.err().contains(args[1].toString()), r::toString);
    }
    assertTrue(CliRun.of("check", none).err().contains("no such file"));
  }

  @Test
  void compileWritesOneClassPerNetworkInPackageFolders() throws Exception {
    Path out = tmp.resolve("gen");
    CliRun r = CliRun.of("compile", EXAMPLES + "xor.net", EXAMPLES + "gate.net", "-d", out,
        "--package", "org.demo");
    expect(0, r);
    Path xor = out.resolve("com/example/nets/Xor.java");
    Path gate = out.resolve("org/demo/Gate.java");
    assertTrue(Files.readString(xor).contains("public final class Xor"), r::toString);
    assertTrue(Files.readString(gate).contains("package org.demo;"));
    assertTrue(Files.readString(gate).contains("public final class Gate"));
    assertTrue(r.out().contains("wrote " + xor), r::toString);
    try (var files = Files.walk(out)) {
      assertEquals(2, files.filter(Files::isRegularFile).count(), "no temp files left");
    }
    // again, over the existing files, in float
    expect(0, CliRun.of("compile", EXAMPLES + "xor.net", "-d", out, "--precision", "float"));
    assertTrue(Files.readString(xor).contains("float[]"));
  }

  @Test
  void unwritableDirectoryIsExit3() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain.txt"), "not a directory");
    CliRun r = CliRun.of("compile", EXAMPLES + "gate.net", "-d", file.resolve("sub"));
    expect(3, r);
    assertTrue(r.err().contains("cannot write " + file.resolve("sub")), r::toString);
    assertTrue(r.err().contains("not a directory"), r::toString);
  }

  @Test
  void severalNetworksNeedNetwork() throws Exception {
    Path two = tmp.resolve("two.net");
    Files.writeString(two, Files.readString(Path.of(EXAMPLES + "gate.net"))
        + Files.readString(Path.of(EXAMPLES + "digits.net")));
    Path v = Files.writeString(tmp.resolve("v.json"), "{\"x\": 1, \"y\": 2, \"z\": 3}");
    CliRun r = CliRun.of("eval", two, "--values", v);
    expect(2, r);
    assertTrue(r.err().contains("--network (Gate, Digits)"), r::toString);
    CliRun unknown = CliRun.of("eval", two, "--values", v, "--network", "Nope");
    expect(2, unknown);
    assertTrue(unknown.err().contains("no network Nope"), unknown::toString);
    expect(0, CliRun.of("eval", two, "--values", v, "--network", "Gate"));
  }
}
