package dev.netc.compiler.cli;

import dev.netc.compiler.check.Frontend;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.viz.Dot;
import dev.netc.compiler.viz.Layout;
import dev.netc.compiler.viz.Picture;
import dev.netc.compiler.viz.Pictures;
import dev.netc.compiler.viz.Svg;
import dev.netc.runtime.Model;
import dev.netc.runtime.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "graph",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Draws a network's computational graph: inputs, targets, params, ops, outputs and the loss"
          + " as boxes (each with its source name, op and shape), arrows by data flow.",
      "--backward adds the gradient computation that reverse mode builds (red, dashed)."
          + " --at evaluates the network on one example (JSON, as eval takes it) and annotates every"
          + " arrow with the value it carries (green, above) and the gradient of the loss with"
          + " respect to that value (red, below): numbers for scalars, values for tensors of at"
          + " most 4 elements, shape and norm for larger ones.",
      "OUT.svg is laid out by ELK (no Graphviz needed); OUT.dot is Graphviz's format (dot -Tsvg)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc graph samples/gate/gate.net --backward --at samples/gate/values.json -o gate.svg",
      "  netc graph samples/xor/xor.net -o xor.dot && dot -Tpng xor.dot -o xor.png"
    })
final class GraphCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .net file")
  Path file;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true,
      description = "the picture to write: .svg or .dot")
  Path output;

  @Option(names = "--network", paramLabel = "N",
      description = "which network, when the file declares several")
  String network;

  @Option(names = "--backward", description = "draw the gradient computation too")
  boolean backward;

  @Option(names = "--at", paramLabel = "V.json",
      description = "annotate the arrows with values and gradients on this example (as eval takes it)")
  Path at;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "with --at, seed of the params not given in V.json (default: 1)")
  long seed;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean svg = name.endsWith(".svg");
    if (!svg && !name.endsWith(".dot")) {
      throw CliException.usage("-o must name a .svg or .dot file, got " + output);
    }
    Files2.checkWritable(output, "picture");
    List<SourceFile> sources = Networks.read(List.of(file));
    Diagnostics diagnostics = new Diagnostics();
    List<Network> networks = Frontend.check(sources, "", diagnostics);
    for (Diagnostic d : diagnostics.all()) {
      err.println(d.render());
    }
    err.flush();
    if (diagnostics.hasErrors()) {
      throw new CliException(Main.EXIT_SOURCE, "");
    }
    Network net = select(networks);
    Map<String, double[]> leaves = at == null ? null : leaves(net);
    Picture picture = Pictures.of(net, backward, leaves);
    String text = svg ? Svg.write(Layout.place(picture)) : Dot.write(picture);
    try {
      write(output, text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliException.data("cannot write picture " + output + ": " + Files2.reason(e));
    }
    out.println("wrote " + output + " (" + Networks.count(picture.boxes().size(), "node") + ", "
        + Networks.count(picture.arrows().size(), "edge") + ")");
    return Main.EXIT_OK;
  }

  /** Writes atomically, with the permissions any new file gets. */
  static void write(Path target, byte[] bytes) throws IOException {
    Files2.writeAtomically(target, bytes);
  }

  private Network select(List<Network> networks) {
    List<String> names = networks.stream().map(Network::name).toList();
    if (networks.isEmpty()) {
      throw CliException.usage(file + " declares no network");
    }
    if (network == null) {
      if (networks.size() > 1) {
        throw CliException.usage(file + " declares " + networks.size()
            + " networks; choose one with --network (" + String.join(", ", names) + ")");
      }
      return networks.get(0);
    }
    return networks.stream().filter(n -> n.name().equals(network)).findFirst()
        .orElseThrow(() -> CliException.usage(file + " has no network " + network + " (it declares: "
            + String.join(", ", names) + ")"));
  }

  /**
   * The example's inputs and targets and the params, by name: read and checked as {@code eval}
   * does, with the params not given initialized by the generated class from {@code --seed}.
   */
  private Map<String, double[]> leaves(Network net) {
    PrintWriter quiet = new PrintWriter(Writer.nullWriter()); // diagnostics were printed above
    Model model = Networks.load(file, net.name(), CodegenOptions.defaults(), seed, quiet);
    EvalCommand.Example ex = EvalCommand.bind(model, EvalCommand.readValues(at), at.toString());
    Map<String, double[]> leaves = new LinkedHashMap<>();
    for (int i = 0; i < model.inputs().size(); i++) {
      leaves.put(model.inputs().get(i).name(), ex.inputs()[i]);
    }
    for (int i = 0; i < model.targets().size(); i++) {
      leaves.put(model.targets().get(i).name(), ex.targets()[i]);
    }
    List<TensorInfo> params = model.params();
    for (int i = 0; i < params.size(); i++) {
      leaves.put(params.get(i).name(), EvalCommand.toDouble(model.paramData(i)));
    }
    return leaves;
  }
}
