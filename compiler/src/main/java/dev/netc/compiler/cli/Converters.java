package dev.netc.compiler.cli;

import dev.netc.compiler.emit.KernelChoice;
import dev.netc.runtime.Optimizers;
import dev.netc.runtime.Precision;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values with lower-case names and clear messages. */
final class Converters {
  private Converters() {}

  /** {@code double} or {@code float}. */
  static final class PrecisionConverter implements ITypeConverter<Precision> {
    @Override
    public Precision convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "double" -> Precision.DOUBLE;
        case "float" -> Precision.FLOAT;
        default -> throw new TypeConversionException(
            "'" + value + "' is not a precision; valid values: double, float");
      };
    }
  }

  /** {@code auto}, {@code scalar} or {@code vector}. */
  static final class KernelsConverter implements ITypeConverter<KernelChoice> {
    @Override
    public KernelChoice convert(String value) {
      KernelChoice k = KernelChoice.parse(value);
      if (k == null) {
        throw new TypeConversionException("'" + value + "' is not a kernel choice; valid values: auto, scalar, vector");
      }
      return k;
    }
  }

  /** {@code sgd}, {@code momentum} or {@code adam}. */
  static final class OptimizerConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String v = value.toLowerCase(Locale.ROOT);
      if (!Optimizers.NAMES.contains(v)) {
        throw new TypeConversionException("'" + value + "' is not an optimizer; valid values: "
            + String.join(", ", Optimizers.NAMES));
      }
      return v;
    }
  }

  /** Candidates shown in help. */
  static final class PrecisionNames extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    PrecisionNames() {
      super(java.util.List.of("double", "float"));
    }
  }

  static final class OptimizerNames extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    OptimizerNames() {
      super(Optimizers.NAMES);
    }
  }
}
