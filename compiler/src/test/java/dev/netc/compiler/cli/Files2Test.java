package dev.netc.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Files2Test {
  @TempDir Path dir;

  /** An atomically written file gets the same permissions as a plainly created one, not private ones. */
  @Test
  void writtenFilesHaveDefaultPermissions() throws Exception {
    Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
    Path atomic = dir.resolve("atomic.txt");
    Files2.writeAtomically(atomic, new byte[] {1, 2, 3});
    Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
    assertEquals(expected, Files.getPosixFilePermissions(atomic));
    assertEquals(3, Files.size(atomic));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temporary file is left behind");
    }
  }
}
