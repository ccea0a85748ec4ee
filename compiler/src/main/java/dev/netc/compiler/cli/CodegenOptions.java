package dev.netc.compiler.cli;

import dev.netc.runtime.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --precision double|float} and {@code --vector}, shared by the commands that generate
 * code (a picocli mixin).
 */
final class CodegenOptions {
  @Option(names = "--precision", paramLabel = "double|float", defaultValue = "double",
      converter = Converters.PrecisionConverter.class,
      description = "arithmetic of the generated code (default: double)")
  Precision precision;

  @Option(names = "--vector",
      description = "large matrix products use the runtime's Vector API kernels (faster on wide layers; the JVM "
          + "running the generated code needs --add-modules jdk.incubator.vector, which ./netc adds)")
  boolean vector;

  /** The generated classes' {@code jvp} and {@code hvp} methods: set by {@code compile --jvp --hvp}. */
  boolean jvp;
  boolean hvp;

  /** Double arithmetic, no Vector API: what {@code check} and {@code graph} compile with. */
  static CodegenOptions defaults() {
    CodegenOptions o = new CodegenOptions();
    o.precision = Precision.DOUBLE;
    return o;
  }

  boolean isFloat() {
    return precision == Precision.FLOAT;
  }
}
