package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorKernelsD} is {@link VectorKernelsF} with float turned into double: this test
 * derives it and compares, so that the two cannot drift apart. With
 * {@code -Dnetc.updateVectorKernels=true} it writes the derived file instead.
 */
class VectorKernelsSourceTest {
  static final Path DIR = Path.of("src/main/java/dev/netc/runtime");

  /** Float to double, in the order that keeps each replacement from touching another's result. */
  static final String[][] REPLACE = {
      {"FloatVector", "DoubleVector"},
      {"VectorSpecies<Float>", "VectorSpecies<Double>"},
      {"float[]", "double[]"},
      {"float s = 0", "double s = 0"},
      {"float acc = 0", "double acc = 0"},
      {"float acc = y[", "double acc = y["},
      {"float d0 = ", "double d0 = "},
      {"float d1 = ", "double d1 = "},
      {"float d2 = ", "double d2 = "},
      {"float d3 = ", "double d3 = "},
      {"float ar = ", "double ar = "},
      {"float x = ", "double x = "},
      {"float scale", "double scale"},
      {"private static float ", "private static double "},
      {"1f)", "1.0)"},
      {"0f)", "0.0)"},
      {"VectorKernelsF", "VectorKernelsD"},
      {"in float,", "in double,"},
      {"(within the float tolerances", "(within the tolerances"},
      {"IS_FLOAT = true", "IS_FLOAT = false"},
  };

  static String derive(String floatSource) {
    String s = floatSource;
    for (String[] r : REPLACE) {
      s = s.replace(r[0], r[1]);
    }
    // the cross references and the note on generation, as they read in the double file
    s = s.replace("{@link VectorKernelsD} is the same in double", "{@link VectorKernelsF} is the same in float");
    s = s.replace(" * <p>{@link VectorKernelsD} is generated from this file", " * <p>This file is generated from {@link VectorKernelsF}");
    s = s.replace("the JDK generates its own {@code DoubleVector} from a template the same way): edit this one,",
        "the JDK generates its own {@code DoubleVector} from a template the same way): edit that one,");
    return s;
  }

  @Test
  void doubleKernelsAreTheFloatKernelsInDouble() throws IOException {
    String f = Files.readString(DIR.resolve("VectorKernelsF.java"), StandardCharsets.UTF_8);
    String want = derive(f);
    Path d = DIR.resolve("VectorKernelsD.java");
    if (Boolean.getBoolean("netc.updateVectorKernels")) {
      Files.writeString(d, want, StandardCharsets.UTF_8);
    }
    assertEquals(want, Files.readString(d, StandardCharsets.UTF_8),
        "VectorKernelsD.java is not VectorKernelsF.java in double: edit VectorKernelsF and regenerate "
            + "(-Dnetc.updateVectorKernels=true)");
  }
}
