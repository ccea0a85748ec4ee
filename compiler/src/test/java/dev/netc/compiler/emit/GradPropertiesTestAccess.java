package dev.netc.compiler.emit;

/** {@link GradPropertiesTest}'s deep network for tests in other packages. */
public final class GradPropertiesTestAccess {
  private GradPropertiesTestAccess() {}

  public static String deepPenalty(int layers) {
    return GradPropertiesTest.deepPenalty(layers);
  }
}
