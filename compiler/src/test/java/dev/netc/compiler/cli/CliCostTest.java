package dev.netc.compiler.cli;

import static dev.netc.compiler.cli.CliCommandsTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check --cost}: the table, the JSON, --batch and --precision, and bad input. */
class CliCostTest {
  static final String MLP = dev.netc.compiler.cost.CostReportTest.MLP;
  static final long PREDICT = 2L * (784 * 128 + 128 * 10) + 128 + 128 + 10;

  @TempDir Path tmp;

  static double num(Object v) {
    return ((Json.Num) v).value();
  }

  Path write(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void jsonHasTheShapeOfTheIssue() throws Exception {
    Path net = write("mlp.net", MLP);
    CliRun r = CliRun.of("check", "--cost", "--json", net);
    expect(0, r);
    Json.Obj o = (Json.Obj) Json.parse(r.out());
    assertEquals("Mlp", o.members.get("network"));
    assertEquals(101770.0, num(o.members.get("params")));
    Json.Obj methods = (Json.Obj) o.members.get("methods");
    assertEquals(java.util.List.of("predict", "loss", "lossAndGradient", "inputGradient"),
        java.util.List.copyOf(methods.members.keySet()));
    Json.Obj predict = (Json.Obj) methods.members.get("predict");
    assertEquals((double) PREDICT, num(predict.members.get("flops")));
    assertEquals(8.0 * 101770, num(predict.members.get("paramBytes")));
    assertTrue(num(predict.members.get("workspaceBytes")) > 0);
    double ratio = num(o.members.get("gradientRatio"));
    assertTrue(ratio >= 2 && ratio <= 4, r::toString);

    // float: 4 bytes a value; batch 64: the same FLOPs per example, 64 times as many in all
    CliRun f = CliRun.of("check", "--cost", "--json", "--precision", "float", "--batch", "64", net);
    expect(0, f);
    Json.Obj fm = (Json.Obj) ((Json.Obj) ((Json.Obj) Json.parse(f.out())).members.get("methods")).members.get("predict");
    assertEquals(4.0 * 101770, num(fm.members.get("paramBytes")));
    assertEquals((double) PREDICT, num(fm.members.get("flops")));
    assertEquals(64.0 * PREDICT, num(fm.members.get("batchFlops")));
  }

  @Test
  void severalNetworksAreAnArray() throws Exception {
    Path a = write("mlp.net", MLP);
    Path b = write("tiny.net", "network Tiny {\n  input x[2]\n  param W[1, 2]\n  y = W * x\n  output y\n}\n");
    CliRun r = CliRun.of("check", "--cost", "--json", a, b);
    expect(0, r);
    Json.Arr arr = (Json.Arr) Json.parse(r.out());
    assertEquals(2, arr.items.size());
    Json.Obj tiny = (Json.Obj) arr.items.get(1);
    Json.Obj methods = (Json.Obj) tiny.members.get("methods");
    // no loss: predict only, 2 FLOPs per multiply-add
    assertEquals(java.util.List.of("predict"), java.util.List.copyOf(methods.members.keySet()));
    assertEquals(4.0, num(((Json.Obj) methods.members.get("predict")).members.get("flops")));
  }

  @Test
  void textIsATable() throws Exception {
    CliRun r = CliRun.of("check", "--cost", write("mlp.net", MLP));
    expect(0, r);
    assertTrue(r.out().startsWith("ok: 1 network\n"), r::toString);
    assertTrue(r.out().contains("Mlp: 101,770 params (double, 8 bytes each), batch 1"), r::toString);
    assertTrue(r.out().contains("FLOPs/example"), r::toString);
    assertTrue(r.out().matches("(?s).*\\n  predict +" + String.format(java.util.Locale.ROOT, "%,d", PREDICT)
        + " +814,160 .*"), r::toString);
    assertTrue(r.out().contains("lossAndGradient / loss FLOPs: 2.01"), r::toString);
  }

  @Test
  void badInput() throws Exception {
    Path bad = write("bad.net", CliCommandsTest.BAD);
    CliRun r = CliRun.of("check", "--cost", "--json", bad);
    expect(1, r);
    assertTrue(r.err().contains("bad.net:6:"), r::toString);
    assertEquals("", r.out());
    expect(3, CliRun.of("check", "--cost", tmp.resolve("none.net")));
    Path net = write("mlp.net", MLP);
    expect(2, CliRun.of("check", "--json", net));
    expect(2, CliRun.of("check", "--batch", "4", net));
    expect(2, CliRun.of("check", "--cost", "--batch", "0", net));
    expect(2, CliRun.of("check", "--cost", "--batch", "many", net));
  }
}
