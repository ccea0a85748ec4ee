package dev.netc.compiler.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/diagnostics.md lists every code of {@link DiagCode} with its severity and template. */
class DiagnosticsDocTest {
  private static final Path DOC = Path.of("..", "docs", "diagnostics.md");

  @Test
  void theCatalogueDocumentsEveryCodeAsItIs() throws IOException {
    List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
    for (DiagCode c : DiagCode.values()) {
      String row = "| " + c.code() + " | " + c.name() + " | " + c.severity().label() + " | `" + c.template() + "` | ";
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(row)), "docs/diagnostics.md lacks or misstates: " + row);
    }
    long rows = lines.stream().filter(l -> l.matches("\\| [EW]\\d{3} \\|.*")).count();
    assertEquals(DiagCode.values().length, rows, "docs/diagnostics.md lists a code that is not in DiagCode");
  }

  @Test
  void codesAreUnique() {
    assertEquals(DiagCode.values().length,
        new HashSet<>(Arrays.stream(DiagCode.values()).map(DiagCode::code).toList()).size());
  }
}
