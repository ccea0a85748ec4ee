package dev.netc.maven;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.check.JavaNames;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.emit.KernelChoice;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What {@code generate} and {@code generate-test} share: the parameters, the call into {@link
 * NetcGenerator}, and turning its outcome into log lines and at most one exception.
 */
abstract class AbstractNetcMojo extends AbstractMojo {

  /** The package of generated classes whose {@code .net} file has no {@code package} line. */
  @Parameter(property = "netc.packageName", defaultValue = "")
  private String packageName;

  /** {@code double} or {@code float}: the type of params, buffers and arithmetic in generated code. */
  @Parameter(property = "netc.precision", defaultValue = "double")
  private String precision;

  /**
   * Which runtime kernels large matrix products call, as {@code netc compile --kernels}: {@code auto}
   * (the default) the Vector API ones when the JVM running the classes has
   * {@code jdk.incubator.vector} ({@code --add-modules jdk.incubator.vector}) and plain Java ones
   * otherwise, chosen at run time; {@code scalar} or {@code vector}: those alone (for benchmarks).
   */
  @Parameter(defaultValue = "auto")
  private String kernels;

  /** The same as {@code <kernels>vector</kernels>} (kept from before {@code <kernels>}). */
  @Parameter(property = "netc.vector", defaultValue = "false")
  private boolean vector;

  /**
   * Generated classes get {@code jvp}: forward mode, the outputs' and the loss's directional
   * derivative along a tangent of the inputs and params (as {@code netc compile --jvp}).
   */
  @Parameter(property = "netc.jvp", defaultValue = "false")
  private boolean jvp;

  /**
   * Generated classes get {@code hvp}: the Hessian of the loss times a vector in the Gradient
   * layout, by forward-over-reverse (as {@code netc compile --hvp}).
   */
  @Parameter(property = "netc.hvp", defaultValue = "false")
  private boolean hvp;

  /**
   * The most FLOPs per example a network's {@code lossAndGradient} (its {@code predict} when it
   * has no loss) may cost, as {@code netc check --cost} counts them at batch 1; none by default.
   */
  @Parameter(property = "netc.maxFlopsPerExample")
  private Long maxFlopsPerExample;

  /** The most param values a network may have; none by default. */
  @Parameter(property = "netc.maxParams")
  private Long maxParams;

  /** Skips the goal. */
  @Parameter(property = "netc.skip", defaultValue = "false")
  private boolean skip;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  @Parameter(defaultValue = "${project.build.directory}", readonly = true, required = true)
  private File buildDirectory;

  @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
  private MojoExecution execution;

  abstract File sourceDirectory();

  abstract File outputDirectory();

  /** The goal's name, which names its state file. */
  abstract String goal();

  abstract void addSourceRoot(String path);

  /**
   * {@code generate.txt} for the goal's default execution, {@code generate-<id>.txt} for any
   * other, so that two executions (say, double and float into different folders) do not take
   * each other's classes for orphans.
   */
  static String stateFileName(String goal, String executionId) {
    boolean isDefault = executionId == null || executionId.equals("default") || executionId.equals("default-" + goal);
    return goal + (isDefault ? "" : "-" + executionId.replaceAll("[^A-Za-z0-9._-]", "_")) + ".txt";
  }

  /**
   * The {@code packageName} parameter, trimmed ("" for none), or an error if it is not a Java
   * package name or is reserved ({@code java.*}, {@code dev.netc.runtime}, ...: E050's rule).
   */
  static String checkedPackage(String packageName) throws MojoExecutionException {
    String pkg = packageName == null ? "" : packageName.trim();
    if (pkg.isEmpty()) {
      return pkg;
    }
    java.util.Optional<String> problem = JavaNames.packageProblem(pkg);
    if (problem.isPresent()) {
      throw new MojoExecutionException("netc: packageName '" + pkg + "' is " + problem.get());
    }
    return pkg;
  }

  @Override
  public void execute() throws MojoExecutionException {
    if (skip) {
      getLog().info("netc: skipped");
      return;
    }
    String pkg = checkedPackage(packageName);
    KernelChoice choice = vector ? KernelChoice.VECTOR : KernelChoice.parse(kernels == null ? "auto" : kernels);
    if (choice == null) {
      throw new MojoExecutionException("netc: kernels '" + kernels + "' is not one of auto, scalar, vector");
    }
    NetcCompiler.Options options = new NetcCompiler.Options(pkg, isFloat(), choice).withDerivatives(jvp, hvp);
    NetcGenerator.Config config = new NetcGenerator.Config(
        sourceDirectory().toPath(),
        outputDirectory().toPath(),
        buildDirectory.toPath().resolve("netc-state").resolve(stateFileName(goal(), execution.getExecutionId())),
        project.getBasedir().toPath(),
        options);
    NetcGenerator.Outcome outcome;
    try {
      checkBudgets(config);
      outcome = NetcGenerator.run(config);
    } catch (IOException e) {
      throw new MojoExecutionException("netc: " + e, e);
    }
    report(outcome);
    if (outcome.errorCount() > 0) {
      long n = outcome.errorCount();
      throw new MojoExecutionException(
          "netc: " + n + (n == 1 ? " error" : " errors") + " in .net files; see the messages above");
    }
    if (outputDirectory().isDirectory()) {
      addSourceRoot(outputDirectory().getAbsolutePath());
    }
  }

  /**
   * With {@code maxFlopsPerExample} or {@code maxParams}: compiles every {@code .net} file and
   * fails, before anything is written, naming each network over a budget. Files with errors are
   * left to the generator, which reports them.
   */
  private void checkBudgets(NetcGenerator.Config config) throws IOException, MojoExecutionException {
    if (maxFlopsPerExample == null && maxParams == null) {
      return;
    }
    for (Long budget : new Long[] {maxFlopsPerExample, maxParams}) {
      if (budget != null && budget < 0) {
        throw new MojoExecutionException("netc: a budget (<maxFlopsPerExample>, <maxParams>) must be at least 0, not "
            + budget);
      }
    }
    List<String> over = Budgets.check(config, maxFlopsPerExample, maxParams);
    over.forEach(m -> getLog().error(m));
    if (!over.isEmpty()) {
      throw new MojoExecutionException(over.size() == 1 ? over.get(0)
          : "netc: " + over.size() + " networks over budget; see the messages above");
    }
  }

  private boolean isFloat() throws MojoExecutionException {
    String p = precision == null ? "" : precision.trim().toLowerCase(Locale.ROOT);
    return switch (p) {
      case "double" -> false;
      case "float" -> true;
      default -> throw new MojoExecutionException(
          "netc: <precision> must be 'double' or 'float', but is '" + precision + "'");
    };
  }

  private void report(NetcGenerator.Outcome outcome) {
    outcome.notes().forEach(n -> getLog().warn("netc: " + n));
    for (Diagnostic d : outcome.diagnostics()) {
      if (d.isError()) {
        getLog().error(d.render());
      } else {
        getLog().warn(d.render());
      }
    }
    if (outcome.errorCount() > 0) {
      return;
    }
    if (outcome.compiled().isEmpty() && outcome.deleted().isEmpty()) {
      getLog().info("netc: " + count(outcome.upToDate(), ".net file") + " up to date in " + sourceDirectory());
      return;
    }
    outcome.written().forEach(p -> getLog().debug("netc: wrote " + p));
    outcome.deleted().forEach(p -> getLog().info("netc: deleted " + p));
    getLog().info("netc: compiled " + count(outcome.compiled().size(), ".net file") + " ("
        + outcome.upToDate() + " up to date): " + outcome.written().size() + " written, "
        + outcome.unchanged().size() + " unchanged, " + outcome.deleted().size() + " deleted in "
        + outputDirectory());
  }

  private static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
