package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Nothing in a {@code .net} file can inject code into the generated Java: comments and file names
 * holding {@code *}{@code /}, {@code /*} and unicode escapes (javac decodes {@code \\u000a} as a
 * line break anywhere, even in comments) are copied into generated comments harmlessly; Java
 * keywords as names are renamed; Unicode names are kept.
 */
class InjectionTest {
  /** Text after {@code //} and {@code #} and inside {@code /* *}{@code /} ends up in comments: each line is quoted. */
  static final String EVIL = String.join("\n",
      "// a file whose comments try to end the generated comments: */ \\u000a \\u000d \\u002a/",
      "network Evil {",
      "    input new[3], σ[3] // */ class Injected {} /* \\u000a class Injected2 {}",
      "    target class[2] # \\u000d */ int injected = 1; /*",
      "    param int[2, 3] init normal(0, 0.5) // \\u002a/ static { System.exit(1); } /\\u002a",
      "    param 가중치[2] init ones /* \\u000a */ // */ @Deprecated \\\\u000a \\\\\\u000a",
      "    h = tanh(int * new + 가중치) .* 2 // \\u000A Injected3 \\uuu000a */ {@code }} </pre>",
      "    s = sum(σ .* σ)   // @Override */ /** @deprecated",
      "    output h",
      "    loss = mse(h, class) + s * 0.001 /* \\u000a */ // */ \u2028 \u0085 end",
      "}",
      "");

  /** A file name that tries the same: only its last path element is shown. */
  static final String EVIL_PATH = "dir*/ \\u000a/evil */ \\u000a \\u000d \\u002a/ @{}\".net";

  @Test
  void evilCommentsAndFileNamesCompileCleanly() {
    for (boolean isFloat : new boolean[] {false, true}) {
      NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile(EVIL_PATH, EVIL)),
          new NetcCompiler.Options("", isFloat));
      assertFalse(r.hasErrors(), r.diagnostics().all().toString());
      Emitter.GeneratedFile file = r.files().get(0);
      // and straight through the emitter, with a name that still holds a comment terminator
      Emitter.GeneratedFile direct = Emitter.emit(Compilation.of(List.of(new SourceFile("x.net", EVIL)), "").dags().get(0),
          isFloat, "evil */ /* \\u000a \\u000d \\u002a/ @{}\" \n\r\u2028 \\\\u000a.net");
      for (Emitter.GeneratedFile f : List.of(file, direct)) {
        assertSafe(f.content());
        InMemoryCompiler.Compiled c = Codegen.javac(List.of(f));
        assertEquals(Set.of("Evil", "Evil$Gradient", "Evil$Workspace"), new TreeSet<>(c.classFiles().keySet()),
            "only the generated classes");
        Class<?> k = c.load("Evil");
        for (java.lang.reflect.Method m : k.getDeclaredMethods()) {
          assertFalse(m.getName().equals("main") || m.getName().toLowerCase(java.util.Locale.ROOT).contains("inject"),
              m.toString());
        }
        for (java.lang.reflect.Field fl : k.getDeclaredFields()) {
          assertFalse(fl.getName().toLowerCase(java.util.Locale.ROOT).contains("inject"), fl.toString());
        }
      }
    }
  }

  /** No unicode escape survives outside a string literal, and every comment terminator closes a javadoc. */
  static void assertSafe(String java) {
    for (int i = 0; i < java.length(); i++) {
      if (java.charAt(i) == 'u' && i > 0 && java.charAt(i - 1) == '\\') {
        int k = i - 1;
        while (k >= 0 && java.charAt(k) == '\\') {
          k--;
        }
        int backslashes = i - 1 - k;
        assertTrue(backslashes % 2 == 0, "an unescaped \\u at " + i + ": "
            + java.substring(Math.max(0, i - 40), Math.min(java.length(), i + 20)));
      }
    }
    for (String line : java.split("\n", -1)) {
      String t = line.strip();
      if (t.contains("*/")) {
        assertEquals("*/", t, "a comment terminator inside a line: " + line);
      }
      if (t.contains("Injected") || t.contains("exit") || t.contains("@deprecated") || t.contains("@Deprecated")) {
        assertTrue(t.startsWith("*") || t.startsWith("//"), "source text outside a comment: " + line);
      }
      assertFalse(line.contains("\r") || line.contains("\u2028") || line.contains("\u0085"), "a line break in: " + line);
    }
  }

  @Test
  void keywordsAreRenamedAndUnicodeNamesKept() throws Exception {
    List<Emitter.GeneratedFile> files = Codegen.generate("evil.net", EVIL, false);
    String src = files.get(0).content();
    assertTrue(src.contains("public final double[] 가중치 = new double[2];"), "Unicode param kept");
    assertTrue(src.contains("public final double[] int_ = new double[6];"), "keyword param renamed");
    assertTrue(src.contains("double[] σ"), "Unicode input kept");
    InMemoryCompiler.Compiled c = Codegen.javac(files);
    Class<?> k = c.load("Evil");
    assertEquals(double[].class, k.getField("int_").getType());
    assertEquals(double[].class, k.getField("가중치").getType());
    Model m = Codegen.newModel(c, "Evil", 3);
    assertEquals(List.of("new", "σ"), m.inputs().stream().map(TensorInfo::name).toList());
    assertEquals(List.of("class"), m.targets().stream().map(TensorInfo::name).toList());
    assertEquals(List.of("int", "가중치"), m.params().stream().map(TensorInfo::name).toList());
    // the typed methods take the renamed inputs and targets
    k.getMethod("loss", double[].class, double[].class, double[].class);
    k.getMethod("inputGradient", double[].class, double[].class, double[].class, double[].class, double[].class);
    // and it computes what the evaluator computes, in double and float
    GeneratedCodeTest.check(EVIL, false, 5);
    GeneratedCodeTest.check(EVIL, true, 5);
    GeneratedCodeTest.check(java.nio.file.Files.readString(java.nio.file.Path.of("src/test/resources/examples/unicode.net")),
        false, 5);
  }
}
