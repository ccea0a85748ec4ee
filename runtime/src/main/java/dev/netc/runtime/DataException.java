package dev.netc.runtime;

/**
 * A problem with user data: a CSV data set or a params file that cannot be used. The message is
 * meant for users and names the file and, where there is one, the line and column (for example
 * {@code data.csv:3:5 (pixel_0_4): not a number: "abc"}); tools print it without a stack trace.
 */
public final class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
