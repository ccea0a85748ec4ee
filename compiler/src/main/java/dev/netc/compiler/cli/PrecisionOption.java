package dev.netc.compiler.cli;

import dev.netc.runtime.Precision;
import picocli.CommandLine.Option;

/** {@code --precision double|float}, shared by the commands that generate code (a picocli mixin). */
final class PrecisionOption {
  @Option(names = "--precision", paramLabel = "double|float", defaultValue = "double",
      converter = Converters.PrecisionConverter.class,
      description = "arithmetic of the generated code (default: double)")
  Precision precision;

  boolean isFloat() {
    return precision == Precision.FLOAT;
  }
}
