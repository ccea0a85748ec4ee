package dev.netc.compiler.cli;

import dev.netc.compiler.NetcCompiler;
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
    footer = {"  netc check samples/digits/digits.net", "  netc check nets/*.net"})
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = ".net files")
  List<Path> files;

  @Option(names = "--precision", paramLabel = "double|float", defaultValue = "double",
      converter = Converters.PrecisionConverter.class,
      description = "check for this arithmetic (default: double); float also checks that every constant fits in a float")
  Precision precision;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    NetcCompiler.Result r = Networks.compile(Networks.read(files), "", codegen(), spec.commandLine().getErr());
    List<String> names = r.files().stream().map(Networks::simpleName).toList();
    long warnings = r.diagnostics().warningCount();
    out.println("ok: " + Networks.count(names.size(), "network")
        + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")")
        + (warnings > 0 ? ", " + Networks.count(warnings, "warning") : ""));
    return Main.EXIT_OK;
  }

  private CodegenOptions codegen() {
    CodegenOptions o = CodegenOptions.defaults();
    o.precision = precision;
    return o;
  }
}
