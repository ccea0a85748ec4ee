package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.GradientCheck;
import dev.netc.runtime.Model;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * No generated method exceeds HotSpot's 8,000-byte limit for JIT compilation
 * ({@code -XX:-DontCompileHugeMethods}): read from the class files' {@code Code} attributes.
 */
class MethodSizeTest {
  static final int LIMIT = 8000;

  /** code_length of every method with code, by "Class.method(descriptor)". */
  static Map<String, Integer> methodSizes(String className, byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    assertEquals(0xCAFEBABE, in.readInt());
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
        case 5, 6 -> {
          in.skipNBytes(8);
          i++; // takes two slots
        }
        case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
        case 15 -> in.skipNBytes(3);
        default -> throw new IOException("bad constant pool tag " + tag + " at " + i);
      }
    }
    in.skipNBytes(6); // access, this, super
    in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
    int fields = in.readUnsignedShort();
    for (int f = 0; f < fields; f++) {
      in.skipNBytes(6);
      skipAttributes(in);
    }
    Map<String, Integer> sizes = new LinkedHashMap<>();
    int methods = in.readUnsignedShort();
    for (int m = 0; m < methods; m++) {
      in.readUnsignedShort(); // access
      String name = utf8[in.readUnsignedShort()];
      String descriptor = utf8[in.readUnsignedShort()];
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        String attr = utf8[in.readUnsignedShort()];
        int length = in.readInt();
        if (attr.equals("Code")) {
          in.skipNBytes(4); // max_stack, max_locals
          int codeLength = in.readInt();
          sizes.put(className + "." + name + descriptor, codeLength);
          in.skipNBytes(length - 8L);
        } else {
          in.skipNBytes(length);
        }
      }
    }
    return sizes;
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int n = in.readUnsignedShort();
    for (int a = 0; a < n; a++) {
      in.skipNBytes(2);
      in.skipNBytes(Integer.toUnsignedLong(in.readInt()));
    }
  }

  static Map<String, Integer> allSizes(InMemoryCompiler.Compiled c) throws IOException {
    Map<String, Integer> all = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : c.classFiles().entrySet()) {
      all.putAll(methodSizes(e.getKey(), e.getValue()));
    }
    return all;
  }

  /** Every method is at most {@link #LIMIT} bytes. */
  static void assertSmall(InMemoryCompiler.Compiled c, String what) throws IOException {
    assertSmall(c, what, false);
  }

  /**
   * Every method is at most {@link #LIMIT} bytes; with {@code coldExempt}, the constructors (run
   * once per instance, their size growing with the number of params) need only stay under the
   * JVM's hard limit of 65,535 bytes: the JIT limit does not matter to them.
   */
  static void assertSmall(InMemoryCompiler.Compiled c, String what, boolean coldExempt) throws IOException {
    Map<String, Integer> sizes = allSizes(c);
    assertTrue(sizes.size() > 10, what + ": methods read: " + sizes);
    List<Map.Entry<String, Integer>> bySize = sizes.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).toList();
    System.out.printf("%s: %d methods, largest %s%n", what, sizes.size(), bySize.subList(0, 3));
    for (Map.Entry<String, Integer> e : bySize) {
      boolean cold = coldExempt && e.getKey().matches(".*\\.<init>\\(.*");
      assertTrue(e.getValue() <= (cold ? 65535 : LIMIT), what + ": " + e.getKey() + " has " + e.getValue()
          + " bytes of code");
    }
  }

  /** A chain of {@code layers} tanh layers of width {@code width}, with an mse loss. */
  static String tanhChain(int layers, int width) {
    StringBuilder b = new StringBuilder("network Chain" + layers + " {\n    input x[" + width + "]\n    target y["
        + width + "]\n");
    String prev = "x";
    for (int k = 1; k <= layers; k++) {
      b.append("    param W").append(k).append('[').append(width).append(", ").append(width).append("]\n");
      b.append("    param b").append(k).append('[').append(width).append("]\n");
      b.append("    h").append(k).append(" = tanh(W").append(k).append(" * ").append(prev).append(" + b").append(k)
          .append(")\n");
      prev = "h" + k;
    }
    return b.append("    output ").append(prev).append("\n    loss = mse(").append(prev).append(", y)\n}\n").toString();
  }

  @TestFactory
  Stream<DynamicTest> examplesHaveNoHugeMethod() throws IOException {
    return GoldenFilesTest.examples().stream().flatMap(p -> Stream.of(false, true).map(isFloat ->
        DynamicTest.dynamicTest(p.getFileName() + (isFloat ? " float" : ""), () -> assertSmall(
            Codegen.javac(Codegen.generate(p.getFileName().toString(), Files.readString(p), isFloat)),
            p.getFileName() + (isFloat ? " float" : ""))))).toList().stream();
  }

  @Test
  void fortyLayerTanhChainHasNoHugeMethod() throws IOException {
    checkChain(40, false);
    checkChain(40, true);
  }

  /**
   * 300 and 1,000 layers: kernel calls are split into part methods, and the methods whose size
   * grows with the number of params and buffers (the TensorInfo lists of the static initializer,
   * {@code initialize}, {@code paramData}, the workspace's allocation) into helpers. Only the
   * constructors, which allocate one final array per param (about 8.5 bytes each) and run once
   * per instance, so that the JIT limit does not matter to them, are held to the JVM's 64 KB
   * instead: about 7,500 params.
   */
  @Test
  void deepTanhChainsHaveNoHugeMethod() throws IOException {
    checkChain(300, false, true);
    checkChain(1000, true, true);
  }

  /**
   * A param used by 1,000 layers has 1,000 gradient terms. They are accumulated by methods of at
   * most {@link Planner#MAX_TERMS} terms each (one method for them all was over javac's 64 KB:
   * "code too large"), the chain of fused operations is cut every {@link Planner#MAX_FUSED_DEPTH}
   * values, and the gradients of the param and the input agree with central differences.
   */
  @Test
  void aParamSharedByAThousandLayersHasSmallMethodsAndTheRightGradient() throws IOException {
    int layers = 1_000;
    StringBuilder source = new StringBuilder("network Shared {\n    input x\n    target y\n    param a\n    h1 = tanh(x)\n");
    for (int i = 2; i <= layers; i++) {
      source.append("    h").append(i).append(" = tanh(a * h").append(i - 1).append(" + x)\n");
    }
    source.append("    output h").append(layers).append("\n    loss = mse(h").append(layers).append(", y)\n}\n");
    List<Emitter.GeneratedFile> files = Codegen.generate("shared.net", source.toString(), false);
    InMemoryCompiler.Compiled c = Codegen.javac(files);
    assertSmall(c, "a param shared by " + layers + " layers");
    Model m = Codegen.newModel(c, files.get(0).qualifiedName(), 1);
    ((double[]) m.paramData(0))[0] = 0.7;
    double[][] in = {{0.3, -0.2}};
    double[][] t = {{0.1, 0.4}};
    GradientCheck.Report params = GradientCheck.params(m, 2, in, t);
    assertTrue(params.passed(), params.toString());
    GradientCheck.Report inputs = GradientCheck.inputs(m, new double[][] {{0.3}}, new double[][] {{0.1}});
    assertTrue(inputs.passed(), inputs.toString());
  }

  private static void checkChain(int layers, boolean isFloat) throws IOException {
    checkChain(layers, isFloat, false);
  }

  private static void checkChain(int layers, boolean isFloat, boolean coldExempt) throws IOException {
    String source = tanhChain(layers, 24);
    List<Emitter.GeneratedFile> files = Codegen.generate("chain.net", source, isFloat);
    InMemoryCompiler.Compiled c = Codegen.javac(files);
    assertSmall(c, layers + "-layer chain" + (isFloat ? " float" : ""), coldExempt);
    // and it runs: one training step's worth of calls through the Model interface
    Model m = Codegen.newModel(c, files.get(0).qualifiedName(), 1);
    double[][] in = {new double[2 * 24]};
    double[][] t = {new double[2 * 24]};
    java.util.Arrays.fill(in[0], 0.5);
    Gradient g = m.newGradient();
    double loss = m.lossAndGradientBatch(2, in, t, g);
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
  }

  /**
   * Straight-line code (every value a local, one loop over the examples) is kept for networks of
   * {@link Straight#cost} at most {@link Planner#straightMaxCost}: the largest network of each of
   * a few shapes that is still straight-line has no method over half the limit, in double and
   * float (its longest method is {@code lossAndGradient} or {@code inputGradient}).
   */
  @Test
  void largestStraightLineNetworksHaveNoHugeMethod() throws IOException {
    List<java.util.function.IntFunction<String>> shapes = List.of(
        w -> tanhChain(2, w),
        w -> tanhChain(6, w),
        w -> "network Wide {\n input x[" + w + "]\n target y[3]\n param W1[8, " + w + "]\n param b1[8]\n"
            + " param W2[3, 8]\n param b2[3]\n h = sigmoid(W1 * x + b1)\n z = W2 * h + b2\n output z\n"
            + " loss = softmax_cross_entropy(z, y) + 0.001 * l2(W1)\n}\n",
        w -> "network Many {\n input x[" + w + "]\n target y[" + w + "]\n param a[" + w + "]\n param b[" + w + "]\n"
            + " u = tanh(a .* x + b) .* exp(-x) - log(1 + square(x))\n v = softmax(u)\n output v\n"
            + " loss = sum(square(v - y)) + norm(u) + logsumexp(u)\n}\n");
    for (java.util.function.IntFunction<String> shape : shapes) {
      String largest = null;
      for (int w = 1; w <= 64; w++) {
        String source = shape.apply(w);
        if (!Codegen.generate("net.net", source, false).get(0).content().contains("void compute")) {
          largest = source;
        }
      }
      assertTrue(largest != null, "no straight-line network of shape " + shape.apply(1));
      for (boolean isFloat : new boolean[] {false, true}) {
        List<Emitter.GeneratedFile> files = Codegen.generate("net.net", largest, isFloat);
        Map<String, Integer> sizes = allSizes(Codegen.javac(files));
        int biggest = sizes.values().stream().max(Integer::compare).orElseThrow();
        System.out.printf("largest straight-line network %s%s: largest method %d bytes%n",
            largest.substring(0, largest.indexOf('\n')), isFloat ? " (float)" : "", biggest);
        assertTrue(biggest <= LIMIT / 2, largest + ": a method of " + biggest + " bytes");
      }
    }
  }

  /** The reader itself: a known class's methods and sizes are found. */
  @Test
  void readsMethodSizes() throws IOException {
    byte[] bytes;
    try (var s = MethodSizeTest.class.getResourceAsStream("MethodSizeTest.class")) {
      bytes = s.readAllBytes();
    }
    Map<String, Integer> sizes = methodSizes("T", bytes);
    assertTrue(sizes.keySet().stream().anyMatch(k -> k.startsWith("T.methodSizes(")), sizes.toString());
    assertTrue(sizes.values().stream().allMatch(v -> v > 0), sizes.toString());
  }
}
