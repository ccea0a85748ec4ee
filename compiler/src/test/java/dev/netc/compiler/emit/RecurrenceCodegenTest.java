package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.ScanBody;
import dev.netc.compiler.model.Op;
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

  /**
   * Backpropagation through time computes no forward step again: the reverse body of the GRU
   * reads the gates and the gated state from leaves (the forward loop's tapes), so none of its
   * matrix products is a forward one ({@code W * x} with W a param as it is); the generated
   * forward loop writes each step's values in place into its row of the tapes (an array per
   * step), and the backward loop reads them there, neither copying.
   */
  @Test
  void theBackwardLoopReadsTheForwardStepsIntermediatesFromTapes() {
    Compilation c = Compilation.of(List.of(new SourceFile("rnn.net", rnn(8, GRU))), "");
    assertTrue(!c.hasErrors(), c.diagnostics()::toString);
    Node back = c.dags().get(0).nodes().stream().filter(n -> n.op() == Op.SCAN_BACK).findFirst().orElseThrow();
    ScanBody reverse = (ScanBody) back.ix();
    List<Node> saved = reverse.saved().stream().filter(java.util.Objects::nonNull).toList();
    // r, u, 1 - u, c, r .* h and the new state h (read by Wo's gradient): six values of the step
    assertEquals(6, saved.size(), saved::toString);
    for (Node n : reverse.nodes()) {
      boolean forwardProduct = n.op() == Op.MATMUL && n.input(0).op() == Op.INPUT && n.input(0).name().startsWith("@");
      assertTrue(!forwardProduct, "the reverse body computes a forward product: " + n);
    }
    for (boolean isFloat : new boolean[] {false, true}) {
      String code = source(8, GRU, isFloat);
      assertEquals(6, count(code, "Tape;"), "six tapes: each a workspace field, an array per step");
      assertEquals(12, count(code, "Tape[t];"), "each step of both loops points a buffer at its row of the six tapes");
      assertEquals(0, count(code, ", t * batch * 32, a"), "no step copies a tape's row");
      assertTrue(code.contains("the steps in reverse, each from its saved state and the intermediates its forward step kept"),
          "the backward loop says what it reads");
    }
  }

  /**
   * A loop's products by a param of at least 16 rows read it transposed, once before the steps, in
   * blocks: {@code matmulCols} of the transpose, whose tiles reduce across no lanes (the Vector API
   * side); with {@code --kernels scalar} the loop transposes nothing.
   */
  @Test
  void aLoopTransposesItsParamsOnceBeforeTheSteps() {
    String code = source(8, GRU, true);
    String loop = code.substring(code.indexOf("private void loopZ(int batch)"));
    loop = loop.substring(0, loop.indexOf("\n    }\n"));
    assertTrue(loop.contains("// the params the steps' products read transposed, once"), loop);
    // in blocks of 16 x 16, the last ones cut at the matrix's edge
    assertTrue(loop.contains("for (int c0 = 0; c0 < ") && loop.contains("c0 += 16)")
        && loop.contains("c < Math.min(c0 + 16, "), loop);
    for (String w : List.of("Wr", "Ur", "Wu", "Uu", "Wx", "Wh")) {
      assertTrue(code.contains("matmulCols(ws." + w + "T, "), w + " is read transposed");
    }
    // the read-out's 30 rows too (the runtime's last vector of columns overlaps the one before)
    assertTrue(code.contains("matmulCols(ws.WoT, h, ") && code.contains(", 30, 32, batch)"), "Wo is read transposed");
    // a product of fewer than 16 rows reads W in place
    String narrow = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("rnn.net",
            rnn(8, GRU).replace("Wo[30, 32]", "Wo[12, 32]").replace("bo[30]", "bo[12]").replace("E[30, 16]", "E[12, 16]"))),
        new dev.netc.compiler.NetcCompiler.Options("", true, KernelChoice.AUTO)).files().get(0).content();
    assertTrue(narrow.contains("matmulCols(ws.UrT, ") && !narrow.contains("WoT"), "Wo has 12 rows, fewer than a transpose pays for");
    String scalar = dev.netc.compiler.NetcCompiler.compile(List.of(new SourceFile("rnn.net", rnn(8, GRU))),
        new dev.netc.compiler.NetcCompiler.Options("", true, KernelChoice.SCALAR)).files().get(0).content();
    assertTrue(!scalar.contains("read transposed") && !scalar.contains("UuT"), "--kernels scalar reads W in place");
  }

  @Test
  void printRnn() throws Exception {
    if (Boolean.getBoolean("netc.printRecurrence")) {
      java.nio.file.Files.writeString(java.nio.file.Path.of("target/Rnn.java"), source(8, RNN, false));
      java.nio.file.Files.writeString(java.nio.file.Path.of("target/Gru.java"), source(8, GRU, false));
    }
  }
}
