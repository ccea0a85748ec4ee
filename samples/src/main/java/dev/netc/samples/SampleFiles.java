package dev.netc.samples;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a sample's data file whether a program runs from the repository root (as
 * {@code mvn -pl samples exec:java} does) or from {@code samples/} (as the tests do).
 */
public final class SampleFiles {
  private SampleFiles() {}

  /**
   * {@code samples/<relative>}, looked up from the working directory and its parents; for
   * example {@code find("digits/digits.csv.gz")}.
   */
  public static Path find(String relative) {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path p = d.resolve("samples").resolve(relative);
      if (Files.isRegularFile(p)) {
        return p;
      }
      if (d.getFileName() != null && d.getFileName().toString().equals("samples")
          && Files.isRegularFile(d.resolve(relative))) {
        return d.resolve(relative);
      }
    }
    throw new IllegalStateException(
        "cannot find samples/" + relative + " from " + dir + " (run from the repository)");
  }
}
