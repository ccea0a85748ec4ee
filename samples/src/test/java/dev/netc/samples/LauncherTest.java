package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./netc} launcher itself (the other tests call the CLI in process): with
 * {@code --vector} it starts Java with the Vector API module, so {@code eval --vector} runs,
 * where {@code java -jar netc.jar eval --vector} without the module is exit 2.
 */
class LauncherTest {
  @Test
  void vectorAddsTheIncubatorModule() throws IOException, InterruptedException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    // in the reactor build compiler/target/netc.jar was just packaged, so the launcher runs it as it is
    assumeTrue(Files.isRegularFile(root.resolve("compiler/target/netc.jar")), "netc.jar is built by the compiler module");
    Process p = new ProcessBuilder("bash", root.resolve("netc").toString(), "eval", "samples/gate/gate.net",
        "--values", "samples/gate/values.json", "--vector").directory(root.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out + err);
    assertTrue(out.contains("\"loss\": -12.0"), out);
    assertTrue(err.contains("jdk.incubator.vector"), err); // Java's warning: the module is in
  }
}
