package dev.netc.compiler.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.compiler.NetcCompiler;
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

  /**
   * The grammar takes letters by ANTLR's Unicode tables, newer than Java 17's. Every code point
   * in the gap (a NAME to the lexer, not a Java identifier start) is E049 at the name, never a
   * crash in javac or the emitter; names Java accepts stay accepted.
   */
  @Test
  void lettersNewerThanJava17AreE049() {
    List<Integer> gap = new java.util.ArrayList<>();
    for (int cp = 0x80; cp <= Character.MAX_CODE_POINT; cp++) {
      if (Character.isJavaIdentifierStart(cp) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        continue;
      }
      String text = new String(Character.toChars(cp));
      dev.netc.grammar.NetLexer lexer = new dev.netc.grammar.NetLexer(org.antlr.v4.runtime.CharStreams.fromString(text));
      lexer.removeErrorListeners();
      if (lexer.nextToken().getType() == dev.netc.grammar.NetLexer.NAME) {
        gap.add(cp);
      }
    }
    assertEquals(true, gap.contains(0x0870), "U+0870 is in the gap");
    for (int cp : gap) {
      String name = "w" + new String(Character.toChars(cp));
      List<String> headers = Corpus.headers(new SourceFile("u.net",
          "network A {\n    input x\n    param " + name + "\n    loss = " + name + " * x\n}\n"));
      assertEquals(2, headers.size(), headers::toString);
      assertEquals(true, headers.get(0).startsWith("u.net:3:11: error: 'w")
          && headers.get(0).contains("' cannot be a name: its character"),
          headers::toString);
      assertEquals(true, headers.get(1).startsWith("u.net:4:12: error:"), headers::toString);
    }
    assertEquals(List.of(), Corpus.headers(new SourceFile("k.net",
        "network 가 {\n    input x\n    param 가중치_σ\n    loss = 가중치_σ * x\n}\n")));
  }

  private static String shape(dev.netc.compiler.ast.Ast.Expr e) {
    if (e instanceof dev.netc.compiler.ast.Ast.Binary b) {
      return "(" + shape(b.left()) + " " + b.op() + " " + shape(b.right()) + ")";
    } else if (e instanceof dev.netc.compiler.ast.Ast.Unary u) {
      return "(" + u.op() + shape(u.operand()) + ")";
    }
    return e instanceof dev.netc.compiler.ast.Ast.Ref r ? r.name() : "?";
  }

  /** What docs/language.md's precedence table says: '*', '.*', '⊙' and '/' are one left-associative level. */
  @Test
  void precedenceIsWhatTheLanguageDocSays() {
    String[][] cases = {
        {"A * B .* C", "((A * B) .* C)"}, {"A .* B * C", "((A .* B) * C)"}, {"a / b * c", "((a / b) * c)"},
        {"a * b / c", "((a * b) / c)"}, {"a ⊙ b / c * d", "(((a ⊙ b) / c) * d)"}, {"a + b * c - d", "((a + (b * c)) - d)"},
        {"-a ^ b ^ c", "(-(a ^ (b ^ c)))"}, {"-a * b", "((-a) * b)"}};
    for (String[] c : cases) {
      var ast = dev.netc.compiler.parse.NetParsing.parse(
          new SourceFile("p.net", "network P {\n    h = " + c[0] + "\n}\n"), new Diagnostics()).orElseThrow();
      var item = (dev.netc.compiler.ast.Ast.AssignItem) ast.networks().get(0).items().get(0);
      assertEquals(c[1], shape(item.expr()), c[0]);
    }
  }

  private static List<String> nested(String open, String close, int levels) {
    return Corpus.headers(new SourceFile("deep.net",
        "network A {\n    input x\n    h = " + open.repeat(levels) + "x" + close.repeat(levels) + "\n    output h\n}\n"));
  }

  /**
   * The limit is 1,000 levels, counted before recursing, on a thread with a stack big enough for
   * it: the same answer every time and in every JVM setting (it was a caught StackOverflowError,
   * and 2,500 parentheses passed 8 times in 10).
   */
  @Test
  void nestingLimitIsAThousandLevelsEveryTime() {
    assertEquals(List.of(), nested("(", ")", 999));
    assertEquals(List.of(), nested("(", ")", 1_000));
    assertEquals(List.of(), nested("-(", ")", 500));
    assertEquals(List.of(), nested("sum(", ")", 999));
    assertEquals(List.of("deep.net:3:1009: error: this is nested too deeply for the compiler; split it into named values"),
        nested("(", ")", 1_001));
    assertEquals(1, nested("-(", ")", 501).size());
    assertEquals(1, nested("- ", "", 1_001).size());
    assertEquals(List.of(), nested("- ", "", 1_000));
    assertEquals(List.of(), Corpus.headers(new SourceFile("sum.net",
        "network A {\n    input x\n    h = x" + " + x".repeat(1_000) + "\n    output h\n}\n")));
    assertEquals(1, Corpus.headers(new SourceFile("sum.net",
        "network A {\n    input x\n    h = x" + " + x".repeat(1_001) + "\n    output h\n}\n")).size());
    for (int i = 0; i < 10; i++) {
      assertEquals(1, nested("(", ")", 2_500).size());
    }
  }

  /**
   * Named values are how E005 says to split a deep expression, so a chain of thousands of them must
   * not be "too deep": the search for a target under an output (E035) walks them with a stack of
   * its own (it recursed, and a 2,000-layer chain failed with E005 at its output line).
   */
  @Test
  void aChainOfThousandsOfNamedValuesIsNotTooDeep() {
    int depth = 5_000;
    StringBuilder chain = new StringBuilder("    h1 = tanh(FIRST)\n");
    for (int i = 2; i <= depth; i++) {
      chain.append("    h").append(i).append(" = tanh(0.5 * h").append(i - 1).append(" + x)\n");
    }
    String body = chain + "    output h" + depth + "\n}\n";
    SourceFile fine = new SourceFile("chain.net",
        "network Chain {\n    input x\n    target y\n" + body.replace("FIRST", "x"));
    Diagnostics diagnostics = new Diagnostics();
    List<Network> networks = Frontend.check(List.of(fine), "", diagnostics);
    assertEquals(List.of(), diagnostics.all());
    assertEquals(1, networks.size());
    NetcCompiler.Result compiled = NetcCompiler.compile(List.of(fine), NetcCompiler.Options.DEFAULTS);
    assertEquals(List.of(), compiled.diagnostics().all());
    assertEquals(1, compiled.files().size());
    // the target at the bottom of the chain is still found, 5,000 values down
    SourceFile needsTarget = new SourceFile("chain.net",
        "network Chain {\n    input x\n    target y\n" + body.replace("FIRST", "y"));
    assertEquals(List.of("chain.net:" + (depth + 4) + ":12: error: output 'h" + depth
        + "' depends on target 'y', but predict is given inputs only"), Corpus.headers(needsTarget));
  }
}
