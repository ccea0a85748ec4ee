package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hot methods of a generated class allocate nothing once warm: the Digits example, batch 32,
 * 10,000 calls after warming up, measured with
 * {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}.
 */
class AllocationTest {
  static final int CALLS = 10_000;
  static final int BATCH = 32;

  interface Call {
    void run();
  }

  static long allocatedBytes(Call call, int times) {
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(id);
    for (int i = 0; i < times; i++) {
      call.run();
    }
    return bean.getThreadAllocatedBytes(id) - before;
  }

  static void assertNoAllocation(String what, Call call) {
    // windows until one allocates nothing, at most 2 minutes: a fixed warm-up can end before the
    // JIT has compiled the code on a busy machine
    allocatedBytes(call, CALLS); // buffers grow
    long start = System.nanoTime();
    long bytes = Long.MAX_VALUE;
    do {
      bytes = Math.min(bytes, allocatedBytes(call, CALLS));
    } while (bytes >= CALLS && System.nanoTime() - start < 120_000_000_000L);
    double perCall = (double) bytes / CALLS;
    System.out.printf("%s: %d bytes in %d calls (%.3f per call)%n", what, bytes, CALLS, perCall);
    assertTrue(perCall < 1, what + " allocates " + perCall + " bytes per call");
  }

  @Test
  void digitsHotMethodsAllocateNothingOnceWarm() throws Exception {
    String source = Files.readString(Path.of("src/test/resources/examples/digits.net"));
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(source, isFloat, 1);
      Random r = new Random(1);
      double[][] x = {new double[BATCH * 64]};
      double[][] y = {new double[BATCH * 10]};
      for (int i = 0; i < x[0].length; i++) {
        x[0][i] = r.nextDouble();
      }
      for (int e = 0; e < BATCH; e++) {
        y[0][e * 10 + r.nextInt(10)] = 1;
      }
      double[][] p = {new double[BATCH * 10]};
      double[][] dx = {new double[64]};
      Gradient g = m.newGradient();
      String p0 = isFloat ? "Digits float " : "Digits ";
      assertNoAllocation(p0 + "lossAndGradientBatch", () -> m.lossAndGradientBatch(BATCH, x, y, g));
      assertNoAllocation(p0 + "lossBatch", () -> m.lossBatch(BATCH, x, y));
      assertNoAllocation(p0 + "predictBatch", () -> m.predictBatch(BATCH, x, p));
      assertNoAllocation(p0 + "inputGradient", () -> m.inputGradient(x, y, dx));
    }
  }

  /** A GRU (a for block: the forward loop, backpropagation through time) with int ids, batch 8. */
  @Test
  void recurrenceHotMethodsAllocateNothingOnceWarm() throws Exception {
    String source = "network Gru {\n"
        + "  const T = 6\n"
        + "  input tok[T] int\n"
        + "  target next[T] int ignore=0\n"
        + "  param E[10, 4]\n"
        + "  param Wr[6, 4]  param Ur[6, 6]  param br[6]\n".replace("  param", "\n  param")
        + "  param Wu[6, 4]  param Uu[6, 6]  param bu[6]\n".replace("  param", "\n  param")
        + "  param Wc[6, 4]  param Uc[6, 6]  param bc[6]\n".replace("  param", "\n  param")
        + "  param Wo[10, 6]\n  param bo[10]\n  param h0[6]\n"
        + "  state h[6] = h0\n"
        + "  for t in 0 .. T {\n"
        + "    x = E[tok[t]]\n"
        + "    r = sigmoid(Wr * x + Ur * h + br)\n"
        + "    u = sigmoid(Wu * x + Uu * h + bu)\n"
        + "    c = tanh(Wc * x + Uc * (r .* h) + bc)\n"
        + "    h = (1 - u) .* h + u .* c\n"
        + "    z[t] = Wo * h + bo\n"
        + "  }\n"
        + "  output z\n"
        + "  loss = softmax_cross_entropy(z, next)\n"
        + "}\n";
    int batch = 8;
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(source, isFloat, 1);
      Random r = new Random(1);
      double[][] x = {new double[batch * 6]};
      double[][] y = {new double[batch * 6]};
      for (int i = 0; i < x[0].length; i++) {
        x[0][i] = r.nextInt(10);
        y[0][i] = r.nextInt(10);
      }
      double[][] p = {new double[batch * 60]};
      Gradient g = m.newGradient();
      String p0 = isFloat ? "GRU float " : "GRU ";
      assertNoAllocation(p0 + "lossAndGradientBatch", () -> m.lossAndGradientBatch(batch, x, y, g));
      assertNoAllocation(p0 + "lossBatch", () -> m.lossBatch(batch, x, y));
      assertNoAllocation(p0 + "predictBatch", () -> m.predictBatch(batch, x, p));
    }
  }
}
