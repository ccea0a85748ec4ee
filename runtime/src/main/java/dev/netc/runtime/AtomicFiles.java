package dev.netc.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see the old contents or the new, never a mix: the bytes go to
 * {@code .NAME.PID-HEX.tmp} beside the target, are forced to disk, and the temporary file is
 * renamed over the target. A symbolic link is followed (the file is written beside the link's
 * target, which is replaced; the link stays). An existing target that is not a regular file (a
 * directory, a device such as {@code /dev/full}) is refused. Temporary files for the same target
 * that a killed run left behind (their process no longer alive) are removed.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** What writes the contents. */
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Writes what {@code writer} produces to {@code target} atomically. */
  public static void write(Path target, Writer writer) throws IOException {
    Path real = resolve(target);
    Path dir = real.getParent();
    Files.createDirectories(dir);
    removeStale(real);
    Path tmp = null;
    for (int attempt = 0; tmp == null; attempt++) {
      Path t = dir.resolve("." + real.getFileName() + "." + ProcessHandle.current().pid() + "-"
          + Long.toHexString(System.nanoTime()) + ".tmp");
      try {
        Files.newOutputStream(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        tmp = t;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
    boolean moved = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(ch);
        writer.write(out);
        out.flush();
        ch.force(true);
      }
      try {
        Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
        ch.force(true);
      } catch (IOException | UnsupportedOperationException e) {
        // not every platform can sync a directory; the file itself is on disk
      }
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The file to replace: {@code target}, or what its symbolic links lead to; refuses non-regular files. */
  static Path resolve(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    for (int hops = 0; Files.isSymbolicLink(abs); hops++) {
      if (hops > 40) {
        throw new FileSystemException(target.toString(), null, "too many levels of symbolic links");
      }
      abs = abs.resolveSibling(Files.readSymbolicLink(abs)).normalize();
    }
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileSystemException(target.toString(), null, Files.isDirectory(abs)
          ? "is a directory" : "exists and is not a regular file (a device or a pipe?); not replaced");
    }
    return abs;
  }

  /** Removes {@code .NAME.PID-HEX.tmp} files beside {@code real} whose process has ended. */
  private static void removeStale(Path real) {
    String prefix = "." + real.getFileName() + ".";
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(real.getParent(), prefix.replace("[", "\\[")
        .replace("*", "\\*").replace("?", "\\?").replace("{", "\\{") + "*.tmp")) {
      for (Path p : ds) {
        String rest = p.getFileName().toString().substring(prefix.length());
        int dash = rest.indexOf('-');
        if (dash <= 0 || !rest.substring(0, dash).chars().allMatch(Character::isDigit)
            || !rest.endsWith(".tmp") || !rest.substring(dash + 1, rest.length() - 4).matches("[0-9a-f]+")) {
          continue;
        }
        long pid = Long.parseLong(rest.substring(0, dash));
        if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      // cleaning up is a courtesy; the save itself goes on
    }
  }
}
