package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./netc} launcher itself (the other tests call the CLI in process): with
 * {@code --vector} it starts Java with the Vector API module, so {@code eval --vector} runs,
 * where {@code java -jar netc.jar eval --vector} without the module is exit 2; and it picks Java's
 * options per command.
 */
class LauncherTest {
  @Test
  void vectorAddsTheIncubatorModule() throws IOException, InterruptedException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    // in the reactor build compiler/target/netc.jar was just packaged, so the launcher runs it as it is
    assumeTrue(Files.isRegularFile(root.resolve("compiler/target/netc.jar")), "netc.jar is built by the compiler module");
    String out = launch(root, "", "eval", "samples/gate/gate.net", "--values", "samples/gate/values.json", "--vector");
    assertTrue(out.contains("\"loss\": -12.0"), out);
    assertTrue(out.contains("jdk.incubator.vector"), out); // Java's warning: the module is in
  }

  /**
   * {@code compile} and {@code check} start Java with the client compiler and the serial collector
   * (faster for a short run of the compiler); {@code eval}, which runs generated code, keeps the
   * defaults. {@code -XX:+PrintCommandLineFlags} in JAVA_OPTS makes Java print the flags it got.
   */
  @Test
  void compileAndCheckStartJavaForAShortRun() throws IOException, InterruptedException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assumeTrue(Files.isRegularFile(root.resolve("compiler/target/netc.jar")), "netc.jar is built by the compiler module");
    String check = launch(root, "-XX:+PrintCommandLineFlags", "check", "samples/gate/gate.net");
    assertTrue(check.contains("-XX:TieredStopAtLevel=1") && check.contains("-XX:+UseSerialGC"), check);
    assertTrue(check.contains("ok: 1 network (Gate)"), check);
    String eval = launch(root, "-XX:+PrintCommandLineFlags", "eval", "samples/gate/gate.net", "--values",
        "samples/gate/values.json");
    assertFalse(eval.contains("TieredStopAtLevel") || eval.contains("UseSerialGC"), eval);
    assertTrue(eval.contains("\"loss\": -12.0"), eval);
  }

  /** Runs {@code ./netc ARGS} with {@code JAVA_OPTS}; returns its output and errors (exit 0 asserted). */
  private static String launch(Path root, String javaOpts, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", root.resolve("netc").toString()));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
    b.environment().put("JAVA_OPTS", javaOpts);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
