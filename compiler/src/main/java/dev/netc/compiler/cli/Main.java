package dev.netc.compiler.cli;

import dev.netc.compiler.check.BigStack;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code netc} command line: {@code compile}, {@code check}, {@code eval}, {@code train},
 * {@code predict}, {@code params}, {@code graph}.
 *
 * <p>Exit codes: 0 success, 1 errors in the {@code .net} source, 2 bad usage, 3 bad data or I/O
 * (a missing file, a bad CSV or JSON file, a target that cannot be written). User errors print a
 * message, never a stack trace; 4 means a bug in netc, reported with its stack trace.
 */
@Command(
    name = "netc",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = "Compiles .net network descriptions to Java classes, and runs them.",
    subcommands = {
      CompileCommand.class,
      CheckCommand.class,
      EvalCommand.class,
      TrainCommand.class,
      PredictCommand.class,
      ParamsCommand.class,
      GraphCommand.class,
      SampleCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  success",
      "  1  errors in the .net source (printed as file:line:column: error: ...)",
      "  2  bad usage (an unknown option, a missing argument, a bad value)",
      "  3  bad data or I/O (a missing file, a bad CSV or JSON file, an unwritable target)",
      "  4  internal error (a bug in netc)",
      "  5  training diverged (a NaN or infinite loss or param; the last finite params are kept)",
      "",
      "Run 'netc COMMAND --help' for a command's options and examples."
    })
public final class Main implements Callable<Integer> {
  public static final int EXIT_OK = 0;
  public static final int EXIT_SOURCE = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_DATA = 3;
  public static final int EXIT_INTERNAL = 4;
  public static final int EXIT_DIVERGED = 5;

  static final String VERSION = "0.1.0-SNAPSHOT";

  /** Whether output goes to a terminal (progress bars instead of one line per epoch). */
  final boolean interactive;

  @Spec CommandSpec spec;

  Main(boolean interactive) {
    this.interactive = interactive;
  }

  public static void main(String[] args) {
    Charset cs = System.console() != null ? System.console().charset() : Charset.defaultCharset();
    PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true);
    PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true);
    System.exit(run(args, out, err, System.console() != null));
  }

  /** Runs the command line {@code args}; returns the exit code. Never calls System.exit. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, false);
  }

  static int run(String[] args, PrintWriter out, PrintWriter err, boolean interactive) {
    CommandLine cl = new CommandLine(new Main(interactive));
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExecutionExceptionHandler((ex, command, parseResult) -> failure(ex, command));
    try {
      return BigStack.call(() -> cl.execute(args));
    } catch (OutOfMemoryError e) {
      return outOfMemory(err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** No command given. */
  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    err.println("netc: missing command");
    spec.commandLine().usage(err);
    return EXIT_USAGE;
  }

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("netc: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println(hint(cl));
    err.flush();
    return EXIT_USAGE;
  }

  private static String hint(CommandLine cl) {
    return "Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.";
  }

  /** One line of advice, no stack trace: the data or the network is too big for the heap. */
  static int outOfMemory(PrintWriter err) {
    err.println("netc: out of memory; give Java more with -Xmx (for example JAVA_OPTS=-Xmx8g ./netc ...)"
        + " or use less data");
    err.flush();
    return EXIT_INTERNAL;
  }

  private static int failure(Exception ex, CommandLine command) {
    PrintWriter err = command.getErr();
    command.getOut().flush();
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return outOfMemory(err);
      }
    }
    if (ex instanceof CliException ce) {
      if (!ce.getMessage().isEmpty()) {
        err.println("netc: " + ce.getMessage());
      }
      if (ce.exitCode() == EXIT_USAGE) {
        err.println(hint(command));
      }
      err.flush();
      return ce.exitCode();
    }
    err.println("netc: internal error (a bug in netc, please report it):");
    ex.printStackTrace(err);
    err.flush();
    return EXIT_INTERNAL;
  }

  /** {@code netc --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "netc " + VERSION,
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
