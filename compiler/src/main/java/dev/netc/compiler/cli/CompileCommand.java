package dev.netc.compiler.cli;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.check.JavaNames;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import javax.lang.model.SourceVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compile",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = "Writes one Java class per network of the .net files, in package folders under DIR.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc compile samples/xor/xor.net -d src/main/java",
      "  netc compile a.net b.net -d gen --package com.example.nets --precision float"
    })
final class CompileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = ".net files")
  List<Path> files;

  @Option(names = {"-d", "--directory"}, paramLabel = "DIR", defaultValue = ".",
      description = "where to write the .java files (default: the current directory)")
  Path dir;

  @Option(names = "--package", paramLabel = "P", defaultValue = "",
      description = "package of networks whose file has no package line (default: the default package)")
  String pkg;

  @Mixin CodegenOptions codegen;

  @Option(names = "--jvp",
      description = "add jvp: forward mode, the outputs' and the loss's directional derivative along a tangent of the "
          + "inputs and params")
  boolean jvp;

  @Option(names = "--hvp",
      description = "add hvp: the Hessian of the loss times a vector in the Gradient layout (forward-over-reverse)")
  boolean hvp;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!pkg.isEmpty() && !SourceVersion.isName(pkg)) {
      throw CliException.usage("--package " + pkg + " is not a Java package name");
    }
    if (!pkg.isEmpty()) {
      JavaNames.reservedPackageProblem(pkg).ifPresent(why -> {
        throw CliException.usage("--package " + pkg + " is reserved: " + why);
      });
    }
    codegen.jvp = jvp;
    codegen.hvp = hvp;
    NetcCompiler.Result r = Networks.compile(Networks.read(files), pkg, codegen, err);
    for (GeneratedFile f : r.files()) {
      Path target = dir.resolve(f.relativePath());
      try {
        Files2.writeAtomically(target, f.content().getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw CliException.data("cannot write " + target + ": " + Files2.reason(e));
      }
      out.println("wrote " + target);
    }
    return Main.EXIT_OK;
  }
}
