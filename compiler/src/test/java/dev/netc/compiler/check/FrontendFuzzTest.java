package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;

import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * Feeds random and mutated inputs through the front end. However malformed the input, it must
 * not throw, every diagnostic must point inside the file (a line at most one past the last, a
 * column at most one past the end of its line), and rendering must not throw.
 *
 * <p>The seed is fixed so that the build is reproducible; {@code -Dnetc.fuzzSeed=<n>} explores
 * other inputs and {@code -Dnetc.fuzzExamples=<n>} changes how many.
 */
class FrontendFuzzTest {
  private static final int EXAMPLES = Integer.getInteger("netc.fuzzExamples", 6_000);
  private static final long SEED = Long.getLong("netc.fuzzSeed", 20_261_123L);
  private static final int COMPILE_EXAMPLES = Integer.getInteger("netc.fuzzCompileExamples", 3_000);
  private static final boolean HOSTILE_NAMES = Boolean.parseBoolean(System.getProperty("netc.fuzzHostileNames", "true"));

  /** Every kind of token of the language, some in several spellings, and some that are not. */
  private static final List<String> TOKENS = List.of(
      "package", "network", "input", "target", "param", "const", "init", "output", "loss",
      "+", "-", "*", ".*", "\u2299", "/", "^", "=", "(", ")", "[", "]", "{", "}", ",", ";", ".",
      "\n", "\r\n", "\r", " ", "\t", "// note\n", "# note\n", "/* block */", "/*", "*/",
      "x", "y", "W", "b1", "h", "_", "σ", "λ", "가중치", "new", "class", "int", "var", "A", "Net",
      "0", "1", "2", "3", "0.5", ".5", "1e-3", "2.5E+2", "1e999", "16777217", "-1",
      "sigmoid", "tanh", "relu", "softplus", "exp", "log", "sqrt", "abs", "square", "sin", "cos",
      "leaky_relu", "step", "sign", "max", "min", "sum", "mean", "dot", "norm", "transpose", "outer",
      "softmax", "log_softmax", "logsumexp", "mse", "cross_entropy", "softmax_cross_entropy",
      "binary_cross_entropy", "sigmoid_binary_cross_entropy", "hinge", "l2",
      "zeros", "ones", "constant", "uniform", "normal", "xavier", "he",
      "@", "$", "?", "!", "\u0000", "\u00a0", "\ufeff", "\\", "\"", "'", "`", "~", "%", "&", "|", "<", ">");

  private static final Pattern TOKEN = Pattern.compile("\\s+|[\\p{L}_][\\p{L}\\p{Nd}_]*|\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\*|.",
      Pattern.DOTALL);

  private static final List<String> SEEDS = Stream.concat(Corpus.netFiles("examples").stream(),
      Corpus.netFiles("errors").stream().limit(20)).map(Corpus::read).toList();

  @Test
  void noInputMakesTheFrontEndThrowOrPointOutsideTheFile() {
    AtomicInteger runs = new AtomicInteger();
    long start = System.nanoTime();
    qt().withFixedSeed(SEED).withExamples(EXAMPLES).withShrinkCycles(200)
        .forAll(inputs())
        .checkAssert(text -> {
          runs.incrementAndGet();
          checkOne(text);
        });
    assertTrue(runs.get() >= Math.min(EXAMPLES, 5_000), "only " + runs.get() + " inputs were tried");
    System.out.printf("FrontendFuzzTest: %d inputs in %.1f s%n", runs.get(), (System.nanoTime() - start) / 1e9);
  }

  /**
   * Mutants of every {@code .net} file of the repository through the whole compiler: no
   * exception other than diagnostics, and javac compiles every accepted program's Java (double,
   * float and vector modes). {@code -Dnetc.fuzzCompileExamples=<n>} changes how many (the long
   * run: docs/tools.md, "Testing"), {@code -Dnetc.fuzzSeed} the seed, and
   * {@code -Dnetc.fuzzHostileNames=true} also renames user names to identifiers the generated
   * code uses ({@code batch}, {@code Math}, {@code Gradient}, ...).
   */
  @Test
  void everyAcceptedMutantCompiles() {
    long start = System.nanoTime();
    CompileFuzz fuzz = new CompileFuzz(SEED, HOSTILE_NAMES);
    assertTrue(fuzz.seedCount() >= 100 && fuzz.validSeedCount() >= 30,
        fuzz.seedCount() + " seed files, " + fuzz.validSeedCount() + " of them valid");
    CompileFuzz.Outcome o = fuzz.run(COMPILE_EXAMPLES);
    System.out.printf("FrontendFuzzTest: %d compile mutants (seed %d, hostile names %s), %d accepted, %d javac batches,"
        + " %d failures in %.1f s%n", o.mutants(), SEED, HOSTILE_NAMES, o.accepted(), o.javacBatches(),
        o.failures().size(), (System.nanoTime() - start) / 1e9);
    assertTrue(o.accepted() >= o.mutants() / 5, "too few mutants were accepted to test the emitter: " + o.accepted());
    if (!o.failures().isEmpty()) {
      fail(o.failures().size() + " failures; the first ones:\n\n"
          + String.join("\n\n----\n\n", o.failures().subList(0, Math.min(5, o.failures().size()))));
    }
  }

  @Test
  void twoMutatedFilesTogetherAreAlsoSafe() {
    qt().withFixedSeed(SEED + 1).withExamples(300).forAll(inputs(), inputs())
        .checkAssert((a, b) -> check(List.of(new SourceFile("a.net", a), new SourceFile("b.net", b))));
  }

  private static void checkOne(String text) {
    check(List.of(new SourceFile("fuzz.net", text)));
  }

  private static void check(List<SourceFile> files) {
    Diagnostics diagnostics = new Diagnostics();
    try {
      Frontend.check(files, "", diagnostics);
    } catch (Throwable t) {
      fail("the front end threw " + t + " on " + escaped(files), t);
    }
    for (Diagnostic d : diagnostics.all()) {
      SourceFile file = d.file();
      int lines = (int) file.text().lines().count();
      String line = file.line(d.pos().line());
      assertTrue(d.pos().line() <= lines + 1, () -> d.header() + " is past the last line of " + escaped(files));
      assertTrue(d.pos().column() <= line.codePointCount(0, line.length()) + 1,
          () -> d.header() + " is past the end of its line in " + escaped(files));
      String rendered;
      try {
        rendered = d.render();
      } catch (Throwable t) {
        fail("rendering " + d.header() + " threw " + t, t);
        return;
      }
      assertEquals(line, rendered.split(System.lineSeparator(), -1)[1], "the rendered source line");
    }
  }

  private static String escaped(List<SourceFile> files) {
    StringBuilder b = new StringBuilder();
    for (SourceFile f : files) {
      b.append(f.name()).append(": \"");
      f.text().codePoints().forEach(cp -> {
        if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') {
          b.appendCodePoint(cp);
        } else {
          b.append(String.format("\\u%04x", cp));
        }
      });
      b.append("\" ");
    }
    return b.toString();
  }

  /** A mix of every kind of input, the valid-file mutations weighted up. */
  private static Gen<String> inputs() {
    Gen<String> gen = FrontendFuzzTest::randomTokens;
    return gen.mix(FrontendFuzzTest::randomCharacters, 20)
        .mix(FrontendFuzzTest::mutatedCharacters, 60)
        .mix(FrontendFuzzTest::mutatedTokens, 50)
        .mix(FrontendFuzzTest::randomUnicode, 15);
  }

  private static int pick(RandomnessSource in, int bound) {
    return (int) in.next(Constraint.between(0, bound - 1));
  }

  private static String randomTokens(RandomnessSource in) {
    StringBuilder b = new StringBuilder();
    int n = pick(in, 80);
    for (int i = 0; i < n; i++) {
      b.append(TOKENS.get(pick(in, TOKENS.size())));
      if (pick(in, 2) == 0) {
        b.append(' ');
      }
    }
    return b.toString();
  }

  private static String randomCharacters(RandomnessSource in) {
    String pool = "network input param loss output{}[](),;=+-*/^.#_ \t\n\rxyzW0123456789eE\u2299σ가";
    StringBuilder b = new StringBuilder();
    int n = pick(in, 200);
    for (int i = 0; i < n; i++) {
      b.append(pool.charAt(pick(in, pool.length())));
    }
    return b.toString();
  }

  /** Any UTF-16 code unit, including lone surrogates, NUL and control characters. */
  private static String randomUnicode(RandomnessSource in) {
    StringBuilder b = new StringBuilder(pick(in, 2) == 0 ? "" : seed(in));
    int n = 1 + pick(in, 40);
    for (int i = 0; i < n; i++) {
      int at = pick(in, b.length() + 1);
      String s = switch (pick(in, 4)) {
        case 0 -> String.valueOf((char) pick(in, 0x10000));
        case 1 -> String.valueOf((char) pick(in, 0x20));
        case 2 -> String.valueOf((char) (0xD800 + pick(in, 0x800)));
        default -> new String(Character.toChars(pick(in, Character.MAX_CODE_POINT + 1)));
      };
      b.insert(at, s);
    }
    return b.toString();
  }

  private static String seed(RandomnessSource in) {
    return SEEDS.get(pick(in, SEEDS.size()));
  }

  private static String mutatedCharacters(RandomnessSource in) {
    StringBuilder b = new StringBuilder(seed(in));
    int mutations = 1 + pick(in, 4);
    for (int m = 0; m < mutations && b.length() > 0; m++) {
      int i = pick(in, b.length());
      int j = Math.min(b.length(), i + 1 + pick(in, 12));
      switch (pick(in, 6)) {
        case 0 -> b.delete(i, j);
        case 1 -> b.insert(i, TOKENS.get(pick(in, TOKENS.size())).charAt(0));
        case 2 -> {
          int k = pick(in, b.length());
          char c = b.charAt(i);
          b.setCharAt(i, b.charAt(k));
          b.setCharAt(k, c);
        }
        case 3 -> b.insert(i, b.substring(i, j));
        case 4 -> b.setLength(i);
        default -> b.insert(i, (char) pick(in, 0x3000));
      }
    }
    return b.toString();
  }

  private static String mutatedTokens(RandomnessSource in) {
    List<String> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(seed(in));
    while (m.find()) {
      tokens.add(m.group());
    }
    int mutations = 1 + pick(in, 4);
    for (int k = 0; k < mutations && !tokens.isEmpty(); k++) {
      int i = pick(in, tokens.size());
      switch (pick(in, 5)) {
        case 0 -> tokens.remove(i);
        case 1 -> tokens.add(i, TOKENS.get(pick(in, TOKENS.size())));
        case 2 -> {
          int j = pick(in, tokens.size());
          String t = tokens.get(i);
          tokens.set(i, tokens.get(j));
          tokens.set(j, t);
        }
        case 3 -> tokens.add(i, tokens.get(i));
        default -> tokens.subList(i, tokens.size()).clear();
      }
    }
    return String.join("", tokens);
  }

}
