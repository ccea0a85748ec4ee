package dev.netc.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/** Helpers for messages meant for users: quoting bad input, and I/O errors in words. */
public final class Messages {
  /** The most characters of a bad value that a message quotes. */
  public static final int QUOTE_LIMIT = 60;

  private Messages() {}

  /**
   * {@code s} in double quotes for a message: control characters written as {@code \}{@code
   * uXXXX}, and clipped to {@link #QUOTE_LIMIT} characters followed by {@code ...} (with the full
   * length) when longer, so that a 1 GB field never becomes a 1 GB message.
   */
  public static String quote(CharSequence s) {
    String c = clip(s);
    int cut = c.length() - (s.length() > QUOTE_LIMIT ? (" (" + s.length() + " characters)").length() : 0);
    return '"' + c.substring(0, cut) + '"' + c.substring(cut);
  }

  /** {@link #quote} without the quotes. */
  public static String clip(CharSequence s) {
    int n = s.length();
    int shown = Math.min(n, QUOTE_LIMIT);
    StringBuilder sb = new StringBuilder(shown + 32);
    for (int i = 0; i < shown; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (n > shown) {
      sb.append("... (").append(n).append(" characters)");
    }
    return sb.toString();
  }

  /** Why an I/O operation failed, in words ("permission denied", "no such file", ...). */
  public static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException n) {
      return n.getFile() + " is not a directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(Locale.ROOT);
    }
    if (e.getMessage() == null) {
      return e.getClass().getSimpleName();
    }
    return e.getMessage();
  }

  /**
   * Decodes {@code bytes} as strict UTF-8; a malformed or unmappable sequence is a {@link
   * DataException} "{@code file}: not UTF-8 text (byte B, line L)" with the 0-based byte offset
   * {@code base + i} and the 1-based line {@code line + } the newlines before it.
   */
  static String utf8(byte[] bytes, int off, int len, String file, long base, long line) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, off, len);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(len);
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      int bad = in.position();
      long lines = line;
      for (int i = off; i < bad; i++) {
        lines += bytes[i] == '\n' ? 1 : 0;
      }
      throw new DataException(file + ": not UTF-8 text (byte " + (base + bad - off) + ", line "
          + lines + ")");
    }
    out.flip();
    return out.toString();
  }

  /** {@link #utf8} of a whole file's bytes. */
  public static String utf8(byte[] bytes, String file) {
    return utf8(bytes, 0, bytes.length, file, 0, 1);
  }
}
