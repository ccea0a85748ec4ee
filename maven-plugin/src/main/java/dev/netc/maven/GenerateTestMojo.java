package dev.netc.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Like {@code generate}, for networks only the tests use: {@code src/test/net} into {@code
 * target/generated-test-sources/netc}, which becomes a test compile source root.
 */
@Mojo(name = "generate-test", defaultPhase = LifecyclePhase.GENERATE_TEST_SOURCES, threadSafe = true)
public class GenerateTestMojo extends AbstractNetcMojo {

  /** Where the test {@code .net} files are; every {@code **}{@code /*.net} under it is compiled. */
  @Parameter(property = "netc.testSourceDirectory", defaultValue = "${project.basedir}/src/test/net")
  private File sourceDirectory;

  /** Where the generated test {@code .java} files go. */
  @Parameter(
      property = "netc.testOutputDirectory",
      defaultValue = "${project.build.directory}/generated-test-sources/netc")
  private File outputDirectory;

  @Override
  File sourceDirectory() {
    return sourceDirectory;
  }

  @Override
  File outputDirectory() {
    return outputDirectory;
  }

  @Override
  String goal() {
    return "generate-test";
  }

  @Override
  void addSourceRoot(String path) {
    project.addTestCompileSourceRoot(path);
  }
}
