package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The generated API of int inputs and targets: typed methods take {@code int[]} (one example and
 * batched), {@code TensorInfo} says the type, the number of valid ids and the padding id, and
 * an id out of range is an {@code IllegalArgumentException} naming the tensor, the example, the
 * position and the value, through the typed methods and through {@code Model} (where a value
 * that is not a whole number is one too).
 */
class IntApiTest {
  static final String SOURCE = """
      network Emb {
          input tok[3] int
          input x[3]
          target y[3] int ignore=0
          param E[6, 2]
          param W[4, 2]
          z[t, k] = sum(d) E[tok[t], d] * x[t] * W[k, d]
          output z
          loss = softmax_cross_entropy(z, y)
      }
      """;

  @Test
  void infosSayTheTypeAndTheIds() {
    Model m = Codegen.model(SOURCE, false, 1);
    assertEquals(List.of(TensorInfo.ids("tok", new int[] {3}, 6), new TensorInfo("x", new int[] {3})), m.inputs());
    assertEquals(List.of(TensorInfo.ids("y", new int[] {3}, 4, 0)), m.targets());
    assertEquals("int", m.inputs().get(0).type());
    assertEquals("real", m.inputs().get(1).type());
    assertEquals(OptionalInt.of(0), m.targets().get(0).ignore());
  }

  @Test
  void typedMethodsTakeIntArraysAndAgreeWithModel() throws Exception {
    for (boolean isFloat : new boolean[] {false, true}) {
      Model m = Codegen.model(SOURCE, isFloat, 1);
      Class<?> real = isFloat ? float[].class : double[].class;
      Class<?> g = m.newGradient().getClass();
      Method one = m.getClass().getMethod("lossAndGradient", int[].class, real, int[].class, g);
      Method batched = m.getClass().getMethod("lossAndGradient", int.class, int[].class, real, int[].class, g);
      Method predict = m.getClass().getMethod("predict", int[].class, real);
      Object x = isFloat ? new float[] {0.5f, -1f, 2f} : new double[] {0.5, -1, 2};
      Gradient g1 = m.newGradient();
      double l1 = (double) one.invoke(m, new int[] {5, 0, 5}, x, new int[] {1, 0, 3}, g1);
      Gradient g2 = m.newGradient();
      double l2 = m.lossAndGradientBatch(1, new double[][] {{5, 0, 5}, {0.5, -1, 2}}, new double[][] {{1, 0, 3}}, g2);
      assertEquals(l2, l1, 0);
      assertArrayEquals(EvalData.toDouble(g2.data(0)), EvalData.toDouble(g1.data(0)), 0);
      // a batch of 2: the mean of the two examples
      Object x2 = isFloat ? new float[] {0.5f, -1f, 2f, 1f, 1f, 1f} : new double[] {0.5, -1, 2, 1, 1, 1};
      double lb = (double) batched.invoke(m, 2, new int[] {5, 0, 5, 1, 2, 3}, x2, new int[] {1, 0, 3, 2, 2, 2}, m.newGradient());
      double second = m.lossBatch(1, new double[][] {{1, 2, 3}, {1, 1, 1}}, new double[][] {{2, 2, 2}});
      assertEquals((l1 + second) / 2, lb, isFloat ? 1e-6 : 1e-12);
      Object z = predict.invoke(m, new int[] {1, 2, 3}, x);
      assertEquals(12, java.lang.reflect.Array.getLength(z));
    }
  }

  @Test
  void idsOutOfRangeNameTheTensorThePositionAndTheValue() throws Exception {
    Model m = Codegen.model(SOURCE, false, 1);
    Class<?> g = m.newGradient().getClass();
    Method batched = m.getClass().getMethod("lossAndGradient", int.class, int[].class, double[].class, int[].class, g);
    Method one = m.getClass().getMethod("loss", int[].class, double[].class, int[].class);
    double[] x = {1, 1, 1, 1, 1, 1};
    assertEquals("input 'tok', position [1]: 6 is not an id in 0..5",
        thrown(() -> one.invoke(m, new int[] {0, 6, 0}, x, new int[] {1, 1, 1})));
    assertEquals("input 'tok', example 1, position [2]: -1 is not an id in 0..5",
        thrown(() -> batched.invoke(m, 2, new int[] {0, 1, 2, 3, 4, -1}, x, new int[] {1, 1, 1, 1, 1, 1}, m.newGradient())));
    assertEquals("target 'y', position [0]: 4 is not an id in 0..3 (or the padding id 0)",
        thrown(() -> one.invoke(m, new int[] {0, 1, 0}, x, new int[] {4, 1, 1})));
    assertEquals("input 'tok' has 2 values, but one example needs 3",
        thrown(() -> one.invoke(m, new int[] {0, 1}, x, new int[] {1, 1, 1})));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.lossBatch(1, new double[][] {{0, 1.5, 2}, {1, 1, 1}}, new double[][] {{1, 1, 1}}));
    assertEquals("input 'tok', position [1]: 1.5 is not an id in 0..5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> m.lossBatch(1, new double[][] {{0, 1, 2}, {1, 1, 1}}, new double[][] {{1, 1, 9}}));
    assertEquals("target 'y', position [2]: 9 is not an id in 0..3 (or the padding id 0)", e.getMessage());
  }

  private interface Call {
    void run() throws Exception;
  }

  private static String thrown(Call c) {
    try {
      c.run();
    } catch (InvocationTargetException e) {
      assertInstanceOf(IllegalArgumentException.class, e.getCause());
      return e.getCause().getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no exception");
  }

  /** Conversions for comparing gradients. */
  static final class EvalData {
    static double[] toDouble(Object a) {
      if (a instanceof double[] d) {
        return d;
      }
      float[] f = (float[]) a;
      double[] d = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        d[i] = f[i];
      }
      return d;
    }
  }

  @Test
  void theGradientOfAnIntInputIsZero() {
    Model m = Codegen.model(SOURCE, false, 1);
    double[][] ig = {new double[3], new double[3]};
    java.util.Arrays.fill(ig[0], Double.NaN);
    m.inputGradient(new double[][] {{1, 2, 3}, {1, 1, 1}}, new double[][] {{1, 2, 3}}, ig);
    assertArrayEquals(new double[3], ig[0], 0);
    assertTrue(java.util.Arrays.stream(ig[1]).anyMatch(v -> v != 0));
  }

  /** With jvp and hvp methods, in double and float, an int network's class compiles without warnings. */
  @Test
  void compilesWithForwardModeMethods() {
    for (boolean isFloat : new boolean[] {false, true}) {
      dev.netc.compiler.NetcCompiler.Result r = dev.netc.compiler.NetcCompiler.compile(
          List.of(new dev.netc.compiler.diag.SourceFile("test.net", SOURCE)),
          new dev.netc.compiler.NetcCompiler.Options("", isFloat).withDerivatives(true, true));
      assertTrue(!r.hasErrors(), () -> r.diagnostics().all().toString());
      Codegen.javac(r.files());
    }
  }
}
