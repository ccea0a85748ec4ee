package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * netc train --spark without the netc-spark module on the class path (the compiler's own tests,
 * like the plain CLI jar, have none): a usage error before any data is read, not a crash.
 */
class CliTrainEngineTest {
  static final Path XOR = Path.of("../samples/xor/xor.net");

  @Test
  void sparkWithoutTheModuleIsAUsageError() {
    assertNull(TrainingEngine.find("spark"));
    CliRun r = CliRun.of("train", XOR, "--data", Path.of("does-not-exist.csv"), "--spark", "local[2]");
    assertEquals(Main.EXIT_USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("--spark needs the netc-spark module on the class path"), r::toString);
    assertFalse(r.err().contains("does-not-exist"), r::toString);
  }

  @Test
  void partitionsWithoutSparkIsAUsageError() {
    CliRun r = CliRun.of("train", XOR, "--data", Path.of("../samples/xor/xor.csv"), "--partitions", "2");
    assertEquals(Main.EXIT_USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("--partitions needs --spark"), r::toString);
  }
}
