package dev.netc.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Compiles every {@code .net} file under {@code sourceDirectory} into Java sources under {@code
 * outputDirectory}, which becomes a compile source root. Only changed files are recompiled, and a
 * generated file is rewritten only when its content changes.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractNetcMojo {

  /** Where the {@code .net} files are; every {@code **}{@code /*.net} under it is compiled. */
  @Parameter(property = "netc.sourceDirectory", defaultValue = "${project.basedir}/src/main/net")
  private File sourceDirectory;

  /** Where the generated {@code .java} files go. */
  @Parameter(property = "netc.outputDirectory", defaultValue = "${project.build.directory}/generated-sources/netc")
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
    return "generate";
  }

  @Override
  void addSourceRoot(String path) {
    project.addCompileSourceRoot(path);
  }
}
