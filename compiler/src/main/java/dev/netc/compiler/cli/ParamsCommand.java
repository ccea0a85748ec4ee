package dev.netc.compiler.cli;

import dev.netc.runtime.DataException;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.SafeTensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(
    name = "params",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Converts params between netc's params files and safetensors, the format of PyTorch and"
          + " Hugging Face: 'params export' writes a params file as safetensors, 'params import'"
          + " reads a safetensors file into a params file for a network.",
      "Row-major layouts are the same: PyTorch's nn.Linear weight [out, in] is netc's W[out, in]"
          + " in W * x, as it is. A name map (--map) renames tensors: lines 'fc1.weight = W1'."
    },
    subcommands = {ParamsCommand.Export.class, ParamsCommand.Import.class},
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc params export digits.params --format safetensors digits.safetensors",
      "  netc params import model.safetensors --network samples/from-pytorch/mlp.net"
          + " --map samples/from-pytorch/torch-names.map mlp.params"
    })
final class ParamsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    err.println("netc: params: missing subcommand (export or import)");
    spec.commandLine().usage(err);
    return Main.EXIT_USAGE;
  }

  /** The name map of {@code --map}, or an empty one. */
  static Map<String, String> nameMap(Path map) {
    if (map == null) {
      return Map.of();
    }
    try {
      return SafeTensors.readNameMap(map);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
  }

  /** {@code f32} or {@code f64}, in either case. */
  static final class DTypeConverter implements ITypeConverter<SafeTensors.DType> {
    @Override
    public SafeTensors.DType convert(String value) {
      return switch (value.toUpperCase(Locale.ROOT)) {
        case "F32" -> SafeTensors.DType.F32;
        case "F64" -> SafeTensors.DType.F64;
        default -> throw new TypeConversionException(
            "'" + value + "' is not a dtype netc writes; valid values: F32, F64");
      };
    }
  }

  /** {@code safetensors}, the one format so far. */
  static final class FormatConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!value.equalsIgnoreCase("safetensors")) {
        throw new TypeConversionException("'" + value + "' is not a format; valid values: safetensors");
      }
      return "safetensors";
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      versionProvider = Main.Version.class,
      description = {
        "Writes a params file as a safetensors file (atomically): one tensor per param, named as"
            + " the param (or as --map renames it), with its shape, in F64 or F32 (by default the"
            + " precision the params were saved in); the metadata holds the network's name.",
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  netc params export digits.params --format safetensors digits.safetensors",
        "  netc params export mlp.params --format safetensors --dtype F32 --map torch-names.map mlp.safetensors"
      })
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "P", description = "a params file (train --save, params import)")
    Path params;

    @Parameters(index = "1", paramLabel = "OUT", description = "the safetensors file to write")
    Path target;

    @Option(names = "--format", paramLabel = "safetensors", defaultValue = "safetensors",
        converter = FormatConverter.class, description = "the format to write (default: safetensors)")
    String format;

    @Option(names = "--dtype", paramLabel = "F32|F64", converter = DTypeConverter.class,
        description = "the values' type (default: F64 for double params, F32 for float)")
    SafeTensors.DType dtype;

    @Option(names = "--map", paramLabel = "M",
        description = "a name map, 'TENSOR = PARAM' a line: params are written under the TENSOR names")
    Path map;

    @Override
    public Integer call() {
      Map<String, String> names = nameMap(map);
      Files2.checkWritable(target, "safetensors file");
      byte[] bytes;
      try {
        bytes = SafeTensors.fromParamsFile(params, dtype, names);
      } catch (DataException e) {
        throw CliException.data(e.getMessage());
      }
      try {
        Files2.writeAtomically(target, bytes);
      } catch (IOException e) {
        throw CliException.data("cannot write safetensors file " + target + ": " + Files2.reason(e));
      }
      spec.commandLine().getOut().println("wrote " + target + " (" + bytes.length + " bytes)");
      return Main.EXIT_OK;
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      versionProvider = Main.Version.class,
      description = {
        "Reads a safetensors file (F64, F32 or BF16 values) into a params file for a network:"
            + " every param of the network must be a tensor of the file (by its name, or a name"
            + " that --map renames to it) with the param's shape. Missing, extra and mis-shaped"
            + " tensors are listed together; nothing is written unless all is well.",
        "M: one 'TENSOR = PARAM' a line (e.g. 'fc1.weight = W1'), or 'TENSOR = -' to leave a"
            + " tensor out; '#' starts a comment line. Tensors not in the map keep their names."
      },
      footerHeading = "%nExamples:%n",
      footer = {
        "  netc params import model.safetensors --network samples/from-pytorch/mlp.net"
            + " --map samples/from-pytorch/torch-names.map mlp.params",
        "  netc params import digits.safetensors --network samples/digits/digits.net digits.params"
      })
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "a safetensors file")
    Path source;

    @Parameters(index = "1", paramLabel = "OUT", description = "the params file to write")
    Path target;

    @Option(names = "--network", paramLabel = "NET.net", required = true,
        description = "the .net file of the network the params are for")
    Path network;

    @Option(names = "--name", paramLabel = "N",
        description = "which network of NET.net, when it declares several")
    String name;

    @Option(names = "--map", paramLabel = "M", description = "a name map: 'TENSOR = PARAM' a line")
    Path map;

    @Mixin CodegenOptions codegen;

    @Override
    public Integer call() {
      Map<String, String> names = nameMap(map);
      Files2.checkWritable(target, "params file");
      Model model = Networks.load(network, name, codegen, 1, spec.commandLine().getErr());
      try {
        SafeTensors.load(model, source, names);
      } catch (DataException e) {
        throw CliException.data(e.getMessage());
      }
      try {
        ParamsFile.save(model, target);
      } catch (IOException e) {
        throw CliException.data("cannot write params file " + target + ": " + Files2.reason(e));
      }
      spec.commandLine().getOut().println("wrote params of network " + model.name() + " ("
          + Networks.count(model.params().size(), "tensor") + ") to " + target);
      return Main.EXIT_OK;
    }
  }
}
