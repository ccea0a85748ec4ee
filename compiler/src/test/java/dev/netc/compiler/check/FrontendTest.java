package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Front end behaviour that one file of the error corpus cannot show. */
class FrontendTest {
  private static final String A = "network A {\n    input x\n    output x\n}\n";

  @Test
  void networkNamesAreUniquePerPackageAcrossFiles() {
    SourceFile one = new SourceFile("one.net", "package p;\n" + A);
    SourceFile two = new SourceFile("two.net", "package p;\n\n" + A);
    assertEquals(List.of("two.net:3:9: error: network 'A' is already defined in package p at one.net:2:9"),
        Corpus.headers(one, two));
  }

  @Test
  void theSameNameInTwoPackagesIsFine() {
    Diagnostics diagnostics = new Diagnostics();
    List<Network> networks = Frontend.check(
        List.of(new SourceFile("one.net", "package p;\n" + A), new SourceFile("two.net", "package q;\n" + A)),
        "", diagnostics);
    assertEquals(List.of(), diagnostics.all());
    assertEquals(List.of("p.A", "q.A"), networks.stream().map(Network::qualifiedName).toList());
  }

  @Test
  void aDefaultPackageFromTheCommandLineCountsLikeAPackageLine() {
    SourceFile one = new SourceFile("one.net", "package p;\n" + A);
    SourceFile two = new SourceFile("two.net", A);
    Diagnostics diagnostics = new Diagnostics();
    Frontend.check(List.of(one, two), "p", diagnostics);
    assertEquals(1, diagnostics.errorCount());
  }

  @Test
  void aFileWithSyntaxErrorsDoesNotStopTheNextFile() {
    SourceFile bad = new SourceFile("bad.net", "network B {\n    input x +\n}\n");
    SourceFile alsoBad = new SourceFile("also.net", "network C {\n    input x\n    output y\n}\n");
    assertEquals(List.of(
        "bad.net:2:13: error: expected '}', ',', ';' or a new line but found '+'",
        "also.net:3:12: error: unknown name 'y'"), Corpus.headers(bad, alsoBad));
  }

  @Test
  void carriageReturnsAloneAreLineBreaks() {
    SourceFile cr = new SourceFile("cr.net", "network A {\r    input x\r    output y\r}\r");
    SourceFile crlf = new SourceFile("crlf.net", "network B {\r\n    input x\r\n    output y\r\n}\r\n");
    assertEquals(List.of("cr.net:3:12: error: unknown name 'y'", "crlf.net:3:12: error: unknown name 'y'"),
        Corpus.headers(cr, crlf));
  }

  @Test
  void expressionsTooDeepForTheStackAreADiagnostic() {
    String deep = "(".repeat(50_000) + "x" + ")".repeat(50_000);
    String longSum = "x" + " + x".repeat(50_000);
    for (String expr : List.of(deep, longSum, "-".repeat(50_000) + "x")) {
      List<String> headers = Corpus.headers(
          new SourceFile("deep.net", "network A {\n    input x\n    h = " + expr + "\n    output h\n}\n"));
      assertEquals(1, headers.size(), headers::toString);
      assertEquals(true, headers.get(0).startsWith("deep.net:3:"), headers.get(0));
      assertEquals(true, headers.get(0).endsWith("error: this is nested too deeply for the compiler; split it into named values"));
    }
  }
}
