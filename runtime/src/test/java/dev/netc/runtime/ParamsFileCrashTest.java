package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills a JVM that is saving params in a loop, and checks the file is always a valid save. */
class ParamsFileCrashTest {
  @TempDir Path dir;

  @Test
  void killedWriterNeverLeavesABrokenFile() throws Exception {
    Path target = dir.resolve("big.params");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    long[] delays = {150, 400, 700, 1100, 1500};
    int lastSeen = 0;
    for (long delay : delays) {
      Path log = Files.createTempFile("saveloop", ".log");
      Process p = new ProcessBuilder(java, "-cp", cp, SaveLoop.class.getName(), target.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      try {
        // wait until it has saved at least once, so there is a good file to protect
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("saved ")) {
          assertTrue(p.isAlive(), "the save loop died: " + Files.readString(log));
          assertTrue(System.nanoTime() < deadline, "no save within 60 s");
          Thread.sleep(10);
        }
        Thread.sleep(delay);
      } finally {
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      }
      String output = Files.readString(log);
      Files.delete(log);
      assertFalse(output.contains("Exception"), output);
      assertTrue(output.contains("saved "), output);

      SoftmaxRegression m = new SoftmaxRegression(SaveLoop.D, SaveLoop.K, Precision.DOUBLE);
      ParamsFile.load(m, target); // must not throw: the file is one complete save
      double[] w = (double[]) m.w;
      double[] b = (double[]) m.b;
      int save = (int) Math.round(w[0] / 1e6);
      assertTrue(save >= 1, "save number " + save);
      for (int i = 0; i < w.length; i++) {
        assertEquals(SaveLoop.value(save, i), w[i], "entry " + i + " of save " + save);
      }
      for (int i = 0; i < b.length; i++) {
        assertEquals(SaveLoop.value(save, -i), b[i]);
      }
      lastSeen = save;
    }
    assertTrue(lastSeen >= 1);
    // stray temp files a kill may leave never take the target's name
    try (var files = Files.list(dir)) {
      List<String> names = files.map(f -> f.getFileName().toString()).collect(Collectors.toList());
      for (String n : names) {
        assertTrue(n.equals("big.params") || (n.startsWith(".big.params.") && n.endsWith(".tmp")), n);
      }
    }
  }
}
