package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.maven.plugin.MojoExecutionException;
import org.junit.jupiter.api.Test;

/** The packageName parameter gets the same checks as a package line (E010, E050). */
class PackageNameTest {
  @Test
  void reservedAndInvalidPackagesStopTheBuild() throws MojoExecutionException {
    assertEquals("", AbstractNetcMojo.checkedPackage(null));
    assertEquals("", AbstractNetcMojo.checkedPackage("  "));
    assertEquals("com.example.nets", AbstractNetcMojo.checkedPackage(" com.example.nets "));
    assertEquals("javafx.nets", AbstractNetcMojo.checkedPackage("javafx.nets"));
    assertEquals("dev.netc.examples", AbstractNetcMojo.checkedPackage("dev.netc.examples"));
    for (String pkg : new String[] {"java.lang", "java", "javax.swing", "sun.misc", "jdk.internal", "dev.netc.runtime",
        "dev.netc.runtime.ops"}) {
      MojoExecutionException e = assertThrows(MojoExecutionException.class, () -> AbstractNetcMojo.checkedPackage(pkg));
      assertTrue(e.getMessage().startsWith("netc: packageName '" + pkg + "' is reserved: "), e.getMessage());
    }
    MojoExecutionException bad = assertThrows(MojoExecutionException.class, () -> AbstractNetcMojo.checkedPackage("com.int"));
    assertEquals("netc: packageName 'com.int' is not a valid Java package name: 'int' is a Java keyword", bad.getMessage());
  }
}
