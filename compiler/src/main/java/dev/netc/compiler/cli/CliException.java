package dev.netc.compiler.cli;

/**
 * A user error that ends a command with an exit code and a message (printed as {@code netc:
 * message}, without a stack trace). The message may be empty when the details were already
 * printed, as with {@code .net} diagnostics.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }

  /** Exit 2: the command line does not make sense. */
  static CliException usage(String message) {
    return new CliException(Main.EXIT_USAGE, message);
  }

  /** Exit 3: bad data, or a file that cannot be read or written. */
  static CliException data(String message) {
    return new CliException(Main.EXIT_DATA, message);
  }
}
