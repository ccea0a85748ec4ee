package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc train --text} and {@code netc sample}: options and bad input. */
class CliTextTest {
  static final Path XOR = Path.of("../samples/xor/xor.net");
  static final Path XOR_CSV = Path.of("../samples/xor/xor.csv");

  @TempDir Path tmp;

  @Test
  void textAndDataExcludeEachOtherAndOneIsNeeded() throws Exception {
    Path words = Files.writeString(tmp.resolve("w.txt"), "ab\nba\n");
    CliRun r = CliRun.of("train", XOR);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("give the training data: --data D.csv, or --text F.txt"), r::toString);
    r = CliRun.of("train", XOR, "--data", XOR_CSV, "--text", words);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("--data and --text exclude each other"), r::toString);
    r = CliRun.of("train", XOR, "--data", XOR_CSV, "--text-match", "[a-z]+");
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("--text-match needs --text"), r::toString);
    r = CliRun.of("train", XOR, "--text", words, "--standardize");
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("--standardize does not apply to --text"), r::toString);
  }

  @Test
  void aNetworkThatDoesNotReadTextIsNamed() throws Exception {
    Path words = Files.writeString(tmp.resolve("w.txt"), "ab\nba\n");
    CliRun r = CliRun.of("train", Path.of("../samples/iris/iris.net"), "--text", words);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("--text: text data needs a network with one input and one target, either"
        + " tok[T] int and next[T] int"), r::toString);
    assertTrue(r.err().contains("network Iris has inputs [x[4]] and targets [y[3]]"), r::toString);
    // a network of the window layout's shapes whose output cannot score the vocabulary
    r = CliRun.of("train", XOR, "--text", words);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("the text has 4 ids (padding, boundary and 2 characters) but network Xor's"
        + " output a[1] scores only 1; make its last axis at least 4"), r::toString);
    assertFalse(Files.exists(tmp.resolve("x.params")));
  }

  @Test
  void sampleNeedsParamsWithAVocabulary() throws Exception {
    Path params = tmp.resolve("xor.params");
    expect(0, CliRun.of("train", XOR, "--data", XOR_CSV, "--epochs", "1", "--save", params));
    CliRun r = CliRun.of("sample", XOR, "--params", params, "--seed", "1");
    expect(Main.EXIT_DATA, r);
    assertTrue(r.err().contains(params + ": has no vocabulary: sample needs params saved by train --text"),
        r::toString);
    r = CliRun.of("sample", XOR, "--params", tmp.resolve("none.params"));
    expect(Main.EXIT_DATA, r);
    assertTrue(r.err().contains("none.params: no such file"), r::toString);
    r = CliRun.of("sample", XOR, "--params", params, "--temperature", "0");
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("--temperature must be a positive number, got 0.0"), r::toString);
    r = CliRun.of("sample", XOR, "--params", params, "--count", "-1");
    expect(Main.EXIT_USAGE, r);
  }
}
