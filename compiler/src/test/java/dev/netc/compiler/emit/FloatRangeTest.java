package dev.netc.compiler.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Constants beyond the float range: a positioned E051 when compiling for float (they were emitted
 * as {@code Infinityf}, which javac rejects), fine in double; a product of constants that
 * overflows only after folding is emitted as IEEE infinity, which compiles.
 */
class FloatRangeTest {
  private static final String BIG = """
      network Big {
          input x
          const c = 1e20 * 1e20
          h = x * 3.5e38 + c
          output h
      }
      """;

  private static List<String> headers(String source, boolean isFloat) {
    return NetcCompiler.compile(List.of(new SourceFile("big.net", source)), new NetcCompiler.Options("", isFloat))
        .diagnostics().all().stream().map(Diagnostic::header).toList();
  }

  @Test
  void constantsBeyondTheFloatRangeAreE051InFloatOnly() {
    assertEquals(List.of(
        "big.net:3:20: error: const 'c' is 1.0E40, beyond the float range (largest 3.4028235E38); compile with --precision double or use a smaller value",
        "big.net:4:13: error: the number 3.5e38 is 3.5E38, beyond the float range (largest 3.4028235E38); compile with --precision double or use a smaller value"),
        headers(BIG, true));
    assertEquals(List.of(), headers(BIG, false));
    assertEquals(List.of(), headers(BIG.replace("3.5e38", "3.4e38").replace("1e20 * 1e20", "-3.4e38"), true));
    String init = "network I {\n    input x\n    param w init constant(1e39)\n    loss = w * x\n}\n";
    assertEquals(List.of("big.net:3:27: error: the number 1e39 is 1.0E39, beyond the float range (largest 3.4028235E38);"
        + " compile with --precision double or use a smaller value"), headers(init, true));
  }

  @Test
  void aProductThatOverflowsAfterFoldingCompilesAsInfinity() {
    String src = "network Fold {\n    input x\n    h = x * (1e30 * 1e30)\n    output h\n}\n";
    List<Emitter.GeneratedFile> files = Codegen.generate("fold.net", src, true);
    String java = files.get(0).content();
    assertFalse(java.contains("Infinityf"), java);
    assertTrue(java.contains("Float.POSITIVE_INFINITY"), java);
    Codegen.javac(files);
  }
}
