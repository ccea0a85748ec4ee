package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void followsSymlinksAndReplacesTheirTarget() throws IOException {
    Path real = Files.writeString(dir.resolve("real.params"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("link.params"), real.getFileName());
    AtomicFiles.write(link, "new".getBytes());
    assertTrue(Files.isSymbolicLink(link));
    assertEquals("new", Files.readString(real));
    try (var s = Files.list(dir)) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void refusesNonRegularTargets() {
    FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFiles.write(dir, new byte[1]));
    assertEquals("is a directory", e.getReason());
    Path full = Path.of("/dev/full");
    if (Files.exists(full)) {
      e = assertThrows(FileSystemException.class, () -> AtomicFiles.write(full, new byte[1]));
      assertTrue(e.getReason().startsWith("exists and is not a regular file"), e.getReason());
      assertFalse(Files.isRegularFile(full));
    }
  }

  @Test
  void removesStaleTempFilesOfDeadProcesses() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Path stale = Files.writeString(dir.resolve(".d.params." + p.pid() + "-1a2b.tmp"), "half");
    Path other = Files.writeString(dir.resolve(".e.params." + p.pid() + "-1a2b.tmp"), "other target");
    Path mine = Files.writeString(dir.resolve(".d.params." + ProcessHandle.current().pid() + "-ff.tmp"), "live");
    AtomicFiles.write(dir.resolve("d.params"), "x".getBytes());
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(other));
    assertTrue(Files.exists(mine));
    assertEquals("x", Files.readString(dir.resolve("d.params")));
  }
}
