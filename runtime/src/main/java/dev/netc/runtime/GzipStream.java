package dev.netc.runtime;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A strict gzip (RFC 1952) reader: unlike {@link java.util.zip.GZIPInputStream}, an empty or
 * truncated file, a bad checksum and bytes after the last member that are not another gzip
 * member are errors ({@link Corrupt}, with the byte offset in the compressed file), never a
 * silent end of data. Reads its source sequentially (pipes work) and never calls {@code
 * available()}.
 */
final class GzipStream extends InputStream {
  /** A malformed gzip file; the message says what and where, without the file name. */
  static final class Corrupt extends IOException {
    private static final long serialVersionUID = 1L;

    Corrupt(String message) {
      super(message);
    }
  }

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int lim;
  /** Compressed bytes consumed before {@code buf[0]}. */
  private long base;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private long memberSize;
  private boolean done;

  GzipStream(InputStream in) throws IOException {
    this.in = in;
    if (!fill()) {
      throw new Corrupt("empty gzip file (no data)");
    }
    header(true);
    inflater.setInput(buf, pos, lim - pos);
  }

  private long offset() {
    return base + pos;
  }

  /** Reads more compressed bytes when none are left; false at end of input. */
  private boolean fill() throws IOException {
    if (pos < lim) {
      return true;
    }
    base += lim;
    pos = 0;
    lim = 0;
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    lim = n;
    return true;
  }

  private int u8() throws IOException {
    if (!fill()) {
      throw new Corrupt("truncated gzip data (the file ends at byte " + offset() + ")");
    }
    return buf[pos++] & 0xff;
  }

  private int u16() throws IOException {
    return u8() | u8() << 8;
  }

  private long u32() throws IOException {
    return (u16() | (long) u16() << 16) & 0xffffffffL;
  }

  /** Reads a member's header; {@code first}: the file's first, else one after a trailer. */
  private void header(boolean first) throws IOException {
    long at = offset();
    if (u8() != 0x1f || !fill() || (buf[pos] & 0xff) != 0x8b) {
      throw new Corrupt(first ? "not gzip data (bad magic bytes)"
          : "unexpected bytes after the gzip data (at byte " + at + ")");
    }
    u8();
    int method = u8();
    if (method != 8) {
      throw new Corrupt("unsupported gzip compression method " + method + " (byte " + (at + 2) + ")");
    }
    int flags = u8();
    for (int i = 0; i < 6; i++) {
      u8(); // mtime, xfl, os
    }
    if ((flags & FEXTRA) != 0) {
      for (int n = u16(); n > 0; n--) {
        u8();
      }
    }
    if ((flags & FNAME) != 0) {
      while (u8() != 0) {
        // skip the original file name
      }
    }
    if ((flags & FCOMMENT) != 0) {
      while (u8() != 0) {
        // skip the comment
      }
    }
    if ((flags & FHCRC) != 0) {
      u16();
    }
    inflater.reset();
    crc.reset();
    memberSize = 0;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!done) {
      int n;
      try {
        n = inflater.inflate(b, off, len);
      } catch (DataFormatException e) {
        throw new Corrupt("corrupt gzip data near byte " + offset()
            + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
      }
      if (n > 0) {
        crc.update(b, off, n);
        memberSize += n;
        return n;
      }
      if (inflater.finished()) {
        pos = lim - inflater.getRemaining();
        trailer();
        continue;
      }
      if (inflater.needsDictionary()) {
        throw new Corrupt("corrupt gzip data near byte " + offset() + " (needs a dictionary)");
      }
      if (inflater.needsInput()) {
        pos = lim;
        if (!fill()) {
          throw new Corrupt("truncated gzip data (the file ends at byte " + offset() + ")");
        }
        inflater.setInput(buf, pos, lim - pos);
      }
    }
    return -1;
  }

  /** Checks a member's trailer; then the input ends or another member follows. */
  private void trailer() throws IOException {
    long at = offset();
    long expectedCrc = u32();
    long expectedSize = u32();
    if (expectedCrc != crc.getValue()) {
      throw new Corrupt("corrupt gzip data (CRC mismatch in the trailer at byte " + at + ")");
    }
    if (expectedSize != (memberSize & 0xffffffffL)) {
      throw new Corrupt("corrupt gzip data (size mismatch in the trailer at byte " + at + ")");
    }
    if (!fill()) {
      done = true;
      return;
    }
    header(false);
    inflater.setInput(buf, pos, lim - pos);
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }
}
