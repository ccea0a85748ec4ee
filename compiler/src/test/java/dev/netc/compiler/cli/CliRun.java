package dev.netc.compiler.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@link Main#run} with captured streams. */
record CliRun(int code, String out, String err) {
  static CliRun of(Object... args) {
    String[] a = new String[args.length];
    for (int i = 0; i < args.length; i++) {
      a[i] = String.valueOf(args[i]);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(a, new PrintWriter(out), new PrintWriter(err));
    return new CliRun(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
  }
}
