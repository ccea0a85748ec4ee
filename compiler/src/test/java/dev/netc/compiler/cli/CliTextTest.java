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

  /** A context window of 2 characters: 8 ids (padding, boundary, a..f). */
  static final String WINDOW_NET = """
      network Tiny {
          input ctx[2] int
          target next int
          param E[8, 4]
          param W[8, 8]
          param c[8]
          e[k, d] = E[ctx[k], d]
          z = W * flatten(e) + c
          output z
          loss = softmax_cross_entropy(z, next)
      }
      """;

  /** A sequence model of T = 6 (rows of 5 characters and a boundary), padding ignored. */
  static final String SEQUENCE_NET = """
      network Seq {
          input tok[6] int
          target next[6] int ignore=0
          param E[8, 6]
          param W[8, 6]
          param c[8]
          z[t, v] = c[v] + sum(d) W[v, d] * tanh(E[tok[t], d])
          output z
          loss = softmax_cross_entropy(z, next)
      }
      """;

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
    // a network of float inputs is not a text model
    r = CliRun.of("train", XOR, "--text", words);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("network Xor has inputs [x[2]] and targets [y[1]]"), r::toString);
    // a network of the window layout's shapes whose output cannot score the vocabulary
    Path narrow = Files.writeString(tmp.resolve("narrow.net"), WINDOW_NET.replace("W[8, 8]", "W[3, 8]").replace("c[8]", "c[3]"));
    r = CliRun.of("train", narrow, "--text", words);
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("the text has 4 ids (padding, boundary and 2 characters) but network Tiny's"
        + " output z[3] scores only 3; make its last axis at least 4"), r::toString);
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

  @Test
  void trainOnTextThenSampleReproducibly() throws Exception {
    Path words = Files.writeString(tmp.resolve("w.txt"), "ace\nbdf\n".repeat(20));
    Path net = Files.writeString(tmp.resolve("tiny.net"), WINDOW_NET);
    Path params = tmp.resolve("tiny.params");
    CliRun r = CliRun.of("train", net, "--text", words, "--test-fraction", "0.1", "--epochs", "30",
        "--lr", "0.05", "--save", params);
    expect(0, r);
    assertTrue(r.out().contains("vocabulary of 8 ids (padding, boundary, abcdef); windows of 2 characters"),
        r::toString);
    CliRun a = CliRun.of("sample", net, "--params", params, "--count", "20", "--seed", "3");
    CliRun b = CliRun.of("sample", net, "--params", params, "--count", "20", "--seed", "3");
    expect(0, a);
    expect(0, b);
    assertEquals(a.out(), b.out(), "the same seed gives the same lines");
    String[] lines = a.out().strip().split("\n");
    assertEquals(20, lines.length, a::toString);
    int learned = 0;
    for (String line : lines) {
      assertTrue(line.matches("[a-f]*"), () -> "only the text's characters: " + a);
      learned += line.equals("ace") || line.equals("bdf") ? 1 : 0;
    }
    // the two words are all it saw: trained this long, the model writes them most of the time
    assertTrue(learned >= 10, () -> "mostly ace and bdf: " + a);
    // a prefix outside the saved vocabulary is a clear error
    r = CliRun.of("sample", net, "--params", params, "--prefix", "az");
    expect(Main.EXIT_USAGE, r);
    assertTrue(r.err().contains("'z'"), r::toString);
  }

  @Test
  void aSequenceModelLearnsAndSamplesWithinItsLength() throws Exception {
    Path words = Files.writeString(tmp.resolve("w.txt"), "ace\nbdf\nabcdefabcdef\n".repeat(10));
    Path net = Files.writeString(tmp.resolve("seq.net"), SEQUENCE_NET);
    Path params = tmp.resolve("seq.params");
    CliRun r = CliRun.of("train", net, "--text", words, "--epochs", "5", "--save", params);
    expect(0, r);
    assertTrue(r.out().contains("sequences of 6"), r::toString);
    CliRun s = CliRun.of("sample", net, "--params", params, "--count", "30", "--seed", "5");
    expect(0, s);
    for (String line : s.out().strip().split("\n")) {
      assertTrue(line.matches("[a-f]{0,5}"), () -> "at most T - 1 = 5 characters: " + s);
    }
    // another network's params: a clear error naming the file
    Path tiny = Files.writeString(tmp.resolve("tiny.net"), WINDOW_NET);
    r = CliRun.of("sample", tiny, "--params", params);
    expect(Main.EXIT_DATA, r);
    assertTrue(r.err().contains(params.toString()), r::toString);
    assertFalse(r.err().contains("Exception"), r::toString);
  }
}
