package dev.netc.compiler.cli;

import dev.netc.compiler.Compilation;
import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.cost.CostReport;
import dev.netc.runtime.Precision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = "Parses and type-checks .net files and prints their diagnostics; writes nothing."
        + " Exit 1 if there is an error; warnings alone exit 0.",
    footerHeading = "%nExamples:%n",
    footer = {"  netc check samples/digits/digits.net", "  netc check nets/*.net",
        "  netc check --cost samples/digits/digits.net", "  netc check --cost --json --batch 64 --precision float mlp.net"})
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = ".net files")
  List<Path> files;

  @Option(names = "--precision", paramLabel = "double|float", defaultValue = "double",
      converter = Converters.PrecisionConverter.class,
      description = "check for this arithmetic (default: double); float also checks that every constant fits in a float")
  Precision precision;

  @Option(names = "--cost",
      description = "also print each network's static cost: FLOPs per example, bytes of params read and workspace"
          + " bytes of predict, loss, lossAndGradient and inputGradient (docs/tools.md says what counts)")
  boolean cost;

  @Option(names = "--json", description = "with --cost: print the report as JSON (one object, or an array of them"
      + " for several networks) and nothing else")
  boolean json;

  @Option(names = "--batch", paramLabel = "B", description = "with --cost: the batch size (default: 1)")
  Integer batch;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (!cost && (json || batch != null)) {
      throw CliException.usage((json ? "--json" : "--batch") + " needs --cost");
    }
    if (batch != null && batch < 1) {
      throw CliException.usage("--batch must be at least 1, not " + batch);
    }
    if (cost) {
      return cost(out);
    }
    NetcCompiler.Result r = Networks.compile(Networks.read(files), "", codegen(), spec.commandLine().getErr());
    List<String> names = r.files().stream().map(Networks::simpleName).toList();
    long warnings = r.diagnostics().warningCount();
    out.println("ok: " + Networks.count(names.size(), "network")
        + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")")
        + (warnings > 0 ? ", " + Networks.count(warnings, "warning") : ""));
    return Main.EXIT_OK;
  }

  /** {@code --cost}: the report of every network, as tables (after the usual line) or as JSON. */
  private int cost(PrintWriter out) {
    boolean isFloat = precision == Precision.FLOAT;
    Compilation c = Compilation.of(Networks.read(files), "", isFloat);
    Networks.printDiagnostics(new NetcCompiler.Result(c.diagnostics(), List.of()), spec.commandLine().getErr());
    if (c.hasErrors()) {
      throw new CliException(Main.EXIT_SOURCE, "");
    }
    List<CostReport> reports = c.dags().stream().map(d -> CostReport.of(d, isFloat, batch == null ? 1 : batch)).toList();
    if (json) {
      out.println(reports.size() == 1 ? reports.get(0).json()
          : "[\n" + String.join(",\n", reports.stream().map(CostReport::json).toList()) + "\n]");
      return Main.EXIT_OK;
    }
    long warnings = c.diagnostics().warningCount();
    out.println("ok: " + Networks.count(reports.size(), "network")
        + (warnings > 0 ? ", " + Networks.count(warnings, "warning") : ""));
    for (CostReport report : reports) {
      out.println();
      out.print(report.table());
    }
    return Main.EXIT_OK;
  }

  private CodegenOptions codegen() {
    CodegenOptions o = CodegenOptions.defaults();
    o.precision = precision;
    return o;
  }
}
