package dev.netc.compiler.cli;

import dev.netc.compiler.emit.KernelChoice;
import dev.netc.runtime.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --precision double|float} and {@code --kernels auto|scalar|vector}, shared by the commands
 * that generate code (a picocli mixin).
 */
final class CodegenOptions {
  @Option(names = "--precision", paramLabel = "double|float", defaultValue = "double",
      converter = Converters.PrecisionConverter.class,
      description = "arithmetic of the generated code (default: double)")
  Precision precision;

  @Option(names = "--kernels", paramLabel = "auto|scalar|vector", defaultValue = "auto",
      converter = Converters.KernelsConverter.class,
      description = "which runtime kernels large matrix products call: auto (default) the Vector API ones when the "
          + "JVM running the class has jdk.incubator.vector (--add-modules jdk.incubator.vector; ./netc adds it) and "
          + "plain Java ones otherwise; scalar or vector: those alone (for benchmarks)")
  KernelChoice kernels;

  @Option(names = "--vector", hidden = true, description = "the same as --kernels vector")
  boolean vector;

  /** The generated classes' {@code jvp} and {@code hvp} methods: set by {@code compile --jvp --hvp}. */
  boolean jvp;
  boolean hvp;

  /** Double arithmetic, both kernels: what {@code check} and {@code graph} compile with. */
  static CodegenOptions defaults() {
    CodegenOptions o = new CodegenOptions();
    o.precision = Precision.DOUBLE;
    o.kernels = KernelChoice.AUTO;
    return o;
  }

  /** {@code --kernels}, with the older {@code --vector} meaning {@code vector}. */
  KernelChoice kernelChoice() {
    return vector ? KernelChoice.VECTOR : kernels == null ? KernelChoice.AUTO : kernels;
  }

  boolean isFloat() {
    return precision == Precision.FLOAT;
  }
}
