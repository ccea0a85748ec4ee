package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Generated code of {@code for} blocks: one loop, not one copy per step. The class of a 64-step
 * recurrence has the same methods as the 8-step one and the same source but for the digits of
 * its sizes (offsets such as {@code ex * 4000} instead of {@code ex * 528}).
 */
class RecurrenceCodegenTest {
  static String rnn(int steps, String cell) {
    return "network Rnn {\n"
        + "  const T = " + steps + "\n"
        + "  input tok[T] int\n"
        + "  target next[T] int ignore=0\n"
        + "  param E[30, 16]\n"
        + "  param Wx[32, 16]\n  param Wh[32, 32]\n  param b[32]\n"
        + "  param Wr[32, 16]\n  param Ur[32, 32]\n  param br[32]\n"
        + "  param Wu[32, 16]\n  param Uu[32, 32]\n  param bu[32]\n"
        + "  param Wo[30, 32]\n  param bo[30]\n"
        + "  param h0[32]\n"
        + "  state h[32] = h0\n"
        + "  for t in 0 .. T {\n"
        + cell
        + "    z[t] = Wo * h + bo\n"
        + "  }\n"
        + "  loss = softmax_cross_entropy(z, next)\n"
        + "}\n";
  }

  static final String RNN = "    h = tanh(Wx * E[tok[t]] + Wh * h + b)\n";
  static final String GRU = "    x = E[tok[t]]\n"
      + "    r = sigmoid(Wr * x + Ur * h + br)\n"
      + "    u = sigmoid(Wu * x + Uu * h + bu)\n"
      + "    c = tanh(Wx * x + Wh * (r .* h) + b)\n"
      + "    h = (1 - u) .* h + u .* c\n";

  private static String source(int steps, String cell, boolean isFloat) {
    List<Emitter.GeneratedFile> files = Codegen.generate("rnn.net", rnn(steps, cell), isFloat);
    assertEquals(1, files.size());
    return files.get(0).content();
  }

  private static long count(String text, String what) {
    return text.split(java.util.regex.Pattern.quote(what), -1).length - 1L;
  }

  @Test
  void codeDoesNotGrowWithTheNumberOfSteps() {
    for (String cell : List.of(RNN, GRU)) {
      for (boolean isFloat : new boolean[] {false, true}) {
        String eight = source(8, cell, isFloat);
        String sixtyFour = source(64, cell, isFloat);
        System.out.printf("%s %s: T = 8: %d characters, T = 64: %d characters%n", cell == RNN ? "RNN" : "GRU",
            isFloat ? "float" : "double", eight.length(), sixtyFour.length());
        assertEquals(count(eight, "private void "), count(sixtyFour, "private void "), "the same methods");
        assertTrue(sixtyFour.contains("for (int t = 0; t < 64; t++)"), "a forward loop over the steps");
        assertTrue(sixtyFour.contains("for (int t = 63; t >= 0; t--)"), "a backward loop over the steps, in reverse");
        // the same text but for the sizes' digits: at most one more digit per number that holds T
        assertTrue(sixtyFour.length() <= eight.length() * 1.01, "T = 64 is " + sixtyFour.length() + " characters, T = 8 "
            + eight.length());
      }
    }
  }

  @Test
  void printRnn() throws Exception {
    if (Boolean.getBoolean("netc.printRecurrence")) {
      java.nio.file.Files.writeString(java.nio.file.Path.of("target/Rnn.java"), source(8, RNN, false));
      java.nio.file.Files.writeString(java.nio.file.Path.of("target/Gru.java"), source(8, GRU, false));
    }
  }
}
