package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDataTest {
  @TempDir Path dir;

  @Test
  void vocabularyNumbersCharactersInCodePointOrderAfterPadAndBoundary() {
    Vocabulary v = Vocabulary.of(List.of("emma", "zoé", "ava"));
    assertEquals("aemovzé", v.characters());
    assertEquals(9, v.size());
    assertEquals(2, v.id('a'));
    assertEquals(8, v.id('é'));
    assertArrayEquals(new int[] {3, 4, 4, 2}, v.encode("emma"));
    assertEquals("emma", v.decode(new int[] {3, 4, 4, 2, Vocabulary.BOUNDARY, 5}));
    assertEquals(v, Vocabulary.fromCharacters(v.characters()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.id('q'));
    assertEquals("character 'q' (U+0071) is not in the vocabulary", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromCharacters("ba"));
    assertThrows(IllegalArgumentException.class, () -> v.codePoint(Vocabulary.BOUNDARY));
    // characters outside the BMP are one id each
    Vocabulary wide = Vocabulary.of(List.of("a\uD83D\uDE00"));
    assertEquals(4, wide.size());
    assertEquals("a\uD83D\uDE00", wide.decode(wide.encode("a\uD83D\uDE00")));
  }

  @Test
  void readsGzipAndPlainLinesSkippingEmptyOnesAndFiltering() throws IOException {
    String text = "emma\r\nava\n\nZoé\nO'Neil\nbob";
    Path plain = Files.writeString(dir.resolve("w.txt"), text);
    Path gz = dir.resolve("w.txt.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    List<String> all = List.of("emma", "ava", "Zoé", "O'Neil", "bob");
    assertEquals(all, TextData.readLines(plain, null));
    assertEquals(all, TextData.readLines(gz, null));
    assertEquals(List.of("emma", "ava", "bob"), TextData.readLines(gz, Pattern.compile("[a-z]+")));
    DataException e = assertThrows(DataException.class,
        () -> TextData.readLines(plain, Pattern.compile("[0-9]+")));
    assertEquals(plain + ": no lines match [0-9]+ (of 5)", e.getMessage());
  }

  @Test
  void badTextNamesFileLineAndColumn() throws IOException {
    Path bad = dir.resolve("bad.txt");
    Files.write(bad, new byte[] {'a', 'b', '\n', 'c', 'd', (byte) 0xC3, '(', '\n'});
    DataException e = assertThrows(DataException.class, () -> TextData.readLines(bad, null));
    assertEquals(bad + ":2:3: not UTF-8 text (byte 0xC3 at byte 3 of the line)", e.getMessage());
    Files.write(bad, new byte[] {'a', '\n', 'x', (byte) 0xE2, (byte) 0x82});
    e = assertThrows(DataException.class, () -> TextData.readLines(bad, null));
    assertEquals(bad + ":2:2: not UTF-8 text (byte 0xE2 at byte 2 of the line)", e.getMessage());
    Files.write(bad, new byte[] {'a', 0, 'b'});
    e = assertThrows(DataException.class, () -> TextData.readLines(bad, null));
    assertEquals(bad + ":1: contains a NUL character; is this a text file?", e.getMessage());
    Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
    e = assertThrows(DataException.class, () -> TextData.readLines(empty, null));
    assertEquals(empty + ": no lines", e.getMessage());
    e = assertThrows(DataException.class, () -> TextData.readLines(dir.resolve("none.txt"), null));
    assertEquals(dir.resolve("none.txt") + ": no such file", e.getMessage());
    Path notGzip = dir.resolve("broken.txt.gz");
    Files.write(notGzip, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2});
    assertThrows(DataException.class, () -> TextData.readLines(notGzip, null));
  }

  @Test
  void splitIsReproducibleDisjointAndInFileOrder() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      lines.add("w" + i);
    }
    TextData.Split a = TextData.split(lines, 0.1, 7);
    TextData.Split b = TextData.split(lines, 0.1, 7);
    TextData.Split c = TextData.split(lines, 0.1, 8);
    assertEquals(a, b);
    assertNotEquals(a.validation(), c.validation());
    assertEquals(100, a.validation().size());
    assertEquals(900, a.train().size());
    HashSet<String> union = new HashSet<>(a.train());
    union.addAll(a.validation());
    assertEquals(1000, union.size());
    assertTrue(isInOrder(a.train(), lines) && isInOrder(a.validation(), lines));
    assertEquals(1, TextData.split(List.of("a", "b"), 0.1, 1).validation().size());
    assertEquals(0, TextData.split(lines, 0, 1).validation().size());
  }

  private static boolean isInOrder(List<String> part, List<String> all) {
    int last = -1;
    for (String s : part) {
      int i = all.indexOf(s);
      if (i <= last) {
        return false;
      }
      last = i;
    }
    return true;
  }

  @Test
  void sequencesShiftByOneAndPadWithZero() {
    Vocabulary v = Vocabulary.of(List.of("abc"));
    TextData.Examples e = TextData.sequences(List.of("ab", "cab"), v, 5);
    assertEquals(2, e.count());
    // ab: B a b B -> x = B a b 0 0, y = a b B 0 0
    assertArrayEquals(new int[] {1, 2, 3, 0, 0, 1, 4, 2, 3, 0}, e.inputs());
    assertArrayEquals(new int[] {2, 3, 1, 0, 0, 4, 2, 3, 1, 0}, e.targets());
    // a line longer than T - 1 characters: windows every T positions
    TextData.Examples w = TextData.sequences(List.of("abcab"), v, 3);
    assertEquals(2, w.count());
    assertArrayEquals(new int[] {1, 2, 3, 4, 2, 3}, w.inputs());
    assertArrayEquals(new int[] {2, 3, 4, 2, 3, 1}, w.targets());
    TextData.Examples exact = TextData.sequences(List.of("ab"), v, 3);
    assertEquals(1, exact.count(), "B a b B fills one window of 3 predictions");
    // every character of every line is predicted exactly once, and the end of each line too
    TextData.Examples many = TextData.sequences(List.of("abcabcabc", "a", "cc"), v, 4);
    int predicted = (int) Arrays.stream(many.targets()).filter(t -> t != Vocabulary.PAD).count();
    assertEquals(10 + 2 + 3, predicted);
  }

  @Test
  void windowsGiveOneExamplePerPredictedCharacter() {
    Vocabulary v = Vocabulary.of(List.of("abc"));
    TextData.Examples e = TextData.windows(List.of("ab"), v, 3);
    assertEquals(3, e.count());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 2, 1, 2, 3}, e.inputs());
    assertArrayEquals(new int[] {2, 3, 1}, e.targets());
  }

  /** Words from a known bigram process: after the boundary a or b; after a, b or the end; after b, a. */
  private static List<String> bigramWords() {
    List<String> words = new ArrayList<>();
    Rng rng = new Rng(5);
    for (int i = 0; i < 400; i++) {
      StringBuilder s = new StringBuilder(rng.nextInt(2) == 0 ? "a" : "b");
      while (true) {
        char last = s.charAt(s.length() - 1);
        if (last == 'b') {
          s.append('a');
        } else if (s.length() < 11 && rng.nextInt(2) == 0) {
          s.append('b');
        } else {
          break;
        }
      }
      words.add(s.toString());
    }
    return words;
  }

  @Test
  void aBigramTrainedOnTextDataSamplesItsProcessAndScoresNatsPerCharacter() {
    List<String> words = bigramWords();
    Vocabulary v = Vocabulary.of(words);
    Bigram model = new Bigram(v.size());
    TextData.Layout layout = TextData.Layout.of(model);
    assertEquals(new TextData.Layout(false, 1), layout);
    layout.checkOutput(model, v);
    TextData.Split split = TextData.split(words, 0.2, 3);
    TextData.Examples train = layout.examples(split.train(), v);
    TextData.Examples valid = layout.examples(split.validation(), v);
    double before = TextData.lossPerCharacter(model, valid);
    assertEquals(Math.log(v.size()), before, 1e-12, "uniform logits: log V nats per character");
    Trainer.builder().batchSize(32).epochs(30).optimizer(new Adam(0.1)).seed(1).build()
        .train(model, TextData.dataset(model, train));
    double after = TextData.lossPerCharacter(model, valid);
    // the process's entropy: boundary -> a|b (ln 2), a -> b|end (ln 2), b -> a (0)
    assertTrue(after < 0.6 && after > 0.3, "nats per character after training: " + after);

    TextSampler sampler = TextSampler.of(model, v);
    assertEquals(TextSampler.MAX_WINDOW_LENGTH, sampler.maxLength());
    int ab = 0;
    int chars = 0;
    int endsWithA = 0;
    for (int i = 0; i < 300; i++) {
      String w = sampler.sample(new Rng(i), 1.0, "");
      assertFalse(w.contains("bb") || w.contains("aa"), w);
      chars += w.length();
      ab += w.startsWith("a") ? 1 : 0;
      endsWithA += w.endsWith("a") ? 1 : 0;
    }
    assertTrue(ab > 100 && ab < 200, "about half start with a: " + ab);
    assertTrue(endsWithA >= 295, "words end after an a, but for the model's small leftover odds: " + endsWithA);
    assertTrue(chars > 300, "words longer than one letter");
    assertEquals(sampler.sample(new Rng(9), 0.7, "ab"), sampler.sample(new Rng(9), 0.7, "ab"), "reproducible");
    assertTrue(sampler.sample(new Rng(9), 0.7, "ab").startsWith("ab"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(new Rng(1), 0, ""));
    assertEquals("temperature must be above 0, got 0.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sampler.sample(new Rng(1), 1, "abc"));
    assertEquals("character 'c' (U+0063) is not in the vocabulary", e.getMessage());
    // a cold temperature picks the likeliest next character: after b always a, after a about evenly
    String cold = sampler.sample(new Rng(2), 0.05, "b");
    assertTrue(cold.startsWith("ba"), cold);
  }

  @Test
  void layoutsFollowTheNetworksShapes() {
    Bigram small = new Bigram(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TextData.Layout.of(small).checkOutput(small, Vocabulary.of(List.of("abc"))));
    assertEquals("the text has 5 ids (padding, boundary and 3 characters) but network Bigram's output z[3]"
        + " scores only 3; make its last axis at least 5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TextData.Layout.of(new SoftmaxRegression(4, 3, Precision.DOUBLE)));
    assertTrue(e.getMessage().startsWith("text data needs a network with one input and one target"), e.getMessage());
  }
}
