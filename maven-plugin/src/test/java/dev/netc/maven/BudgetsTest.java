package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.NetcCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The budgets against the cost report's counts; the invoker IT cost-budget runs them in a build. */
class BudgetsTest {
  @TempDir Path base;

  /** y = W * x with W [3, 4]: 24 FLOPs per example, 12 params; no loss, so predict is budgeted. */
  static final String NET = "network Small {\n  input x[4]\n  param W[3, 4]\n  y = W * x\n  output y\n}\n";

  List<String> check(String text, Long flops, Long params) throws Exception {
    Path src = base.resolve("src/main/net");
    Files.createDirectories(src);
    Files.writeString(src.resolve("small.net"), text);
    NetcGenerator.Config config = new NetcGenerator.Config(src, base.resolve("out"), base.resolve("state.txt"), base,
        new NetcCompiler.Options("", false));
    return Budgets.check(config, flops, params);
  }

  @Test
  void atTheBudgetPassesAndOverItFails() throws Exception {
    assertEquals(List.of(), check(NET, 24L, 12L));
    assertEquals(List.of("netc: network Small costs 24 FLOPs per example in predict, over the budget"
        + " <maxFlopsPerExample> of 23 (src/main/net/small.net)"), check(NET, 23L, null));
    assertEquals(List.of("netc: network Small has 12 params, over the budget <maxParams> of 11 (src/main/net/small.net)"),
        check(NET, null, 11L));
  }

  @Test
  void filesWithErrorsAreLeftToTheGenerator() throws Exception {
    assertTrue(check(NET.replace("W * x", "W * q"), 0L, 0L).isEmpty());
  }
}
