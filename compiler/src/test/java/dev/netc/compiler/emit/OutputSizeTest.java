package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The generated file is linear in the size of its source: every node of a long line's expression
 * quoted the whole line in its comment (a 56 KB line gave a 450 MB file, 235 KB ran out of memory);
 * a line is now quoted clipped to {@link SafeText#QUOTE_MAX} characters. Asserts bytes, not time.
 */
class OutputSizeTest {
  /**
   * A network whose one line {@code y = ((tanh(x .* w0) + tanh(x .* w1)) + (...)) + ...} has about
   * {@code bytes} characters (a balanced sum: a chain of thousands would be nested too deeply).
   */
  static String oneLine(int bytes) {
    StringBuilder params = new StringBuilder();
    java.util.List<String> terms = new java.util.ArrayList<>();
    int length = 0;
    for (int i = 0; length < bytes; i++) {
      params.append("    param w").append(i).append("[4]\n");
      String t = "tanh(x .* w" + i + ")";
      terms.add(t);
      length += t.length() + 5;
    }
    while (terms.size() > 1) {
      java.util.List<String> next = new java.util.ArrayList<>();
      for (int i = 0; i < terms.size(); i += 2) {
        next.add(i + 1 < terms.size() ? "(" + terms.get(i) + " + " + terms.get(i + 1) + ")" : terms.get(i));
      }
      terms = next;
    }
    return "network Long {\n    input x[4]\n" + params + "    y = " + terms.get(0) + "\n    output y\n    loss = l2(y)\n}\n";
  }

  @Test
  void aLongLineGivesALinearFile() {
    int small = 0;
    for (int bytes : new int[] {7_000, 56_000}) {
      String src = oneLine(bytes);
      int lineLength = bytes;
      String java = Codegen.generate("long.net", src, false).get(0).content();
      double ratio = (double) java.length() / src.length();
      System.out.printf("a %d-character line: %d bytes of source, %d of Java (%.1f per source byte)%n", lineLength,
          src.length(), java.length(), ratio);
      // each node's comment holds at most QUOTE_MAX characters of the line: a bounded factor, not the line's length
      assertTrue(ratio < 200, "Java " + java.length() + " bytes for a source of " + src.length());
      assertTrue(!java.contains(src.substring(src.indexOf("    y = "), src.indexOf("    y = ") + 2_000).strip()),
          "the whole line is quoted");
      if (small == 0) {
        small = java.length();
      } else {
        // 8 times the source gives about 8 times the Java, not 64
        assertTrue(java.length() < 12.0 * small, small + " then " + java.length());
      }
    }
  }
}
