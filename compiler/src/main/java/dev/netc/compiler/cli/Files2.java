package dev.netc.compiler.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writing files atomically, and I/O errors as messages for users. */
final class Files2 {
  private Files2() {}

  /**
   * Writes {@code content} to {@code target} through a temporary file in the same directory that
   * is then moved over it, so that a reader never sees a half-written file.
   */
  static void writeAtomically(Path target, byte[] content) throws IOException {
    dev.netc.runtime.AtomicFiles.write(target, content);
  }

  /** Why an I/O operation failed, in words. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof NotDirectoryException n) {
      return n.getFile() + " is not a directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    return String.valueOf(e.getMessage());
  }

  /**
   * Fails with exit 3 unless {@code file} could be created: its directory exists (or can be
   * created) and is writable, and {@code file} itself is not a directory.
   */
  static void checkWritable(Path file, String what) {
    Path abs = file.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      throw CliException.data("cannot write " + what + " " + file + ": it is a directory");
    }
    Path dir = abs.getParent();
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing)) {
      throw CliException.data("cannot write " + what + " " + file + ": "
          + (existing == null ? "no such directory" : existing + " is not a directory"));
    }
    if (!Files.isWritable(existing)) {
      throw CliException.data("cannot write " + what + " " + file + ": permission denied");
    }
  }
}
