package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile data files: bounded reads, strict gzip and numbers, messages that say why and where. */
class BadInputTest {
  @TempDir Path dir;

  static final List<TensorInfo> IN = List.of(new TensorInfo("x", new int[] {2}));
  static final List<TensorInfo> TG = List.of(new TensorInfo("y", new int[] {}));
  static final String GOOD = "a,b,y\n1,2,3\n4,5,6\n";

  String error(Path p) {
    DataException e = assertThrows(DataException.class, () -> Csv.load(p, IN, TG));
    return e.getMessage().replace(p.toString(), "F");
  }

  Path bytes(String name, byte[] b) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, b);
    return p;
  }

  Path text(String s) throws IOException {
    return bytes("d.csv", s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(b)) {
      out.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }

  @Test
  void controlCharactersUnderflowAndOverflowInNumbers() throws IOException {
    assertEquals("F:2:2 (b): control character U+0000 in a number: \"2\\u0000\"", error(text("a,b,y\n1,2\0,3\n")));
    assertEquals("F:3:1 (a): control character U+0007 in a number: \"\\u00074\"", error(text("a,b,y\n1,2,3\n\u00074,5,6\n")));
    assertTrue(error(text("a,b,y\n1,5e-99999,3\n")).startsWith("F:2:2 (b): number too small (it would be 0;"));
    assertTrue(error(text("a,b,y\n1,2,-1e400\n")).startsWith("F:2:3 (y): number out of range"));
    // zeros written any way are zeros, and tabs around values are trimmed
    Dataset d = Csv.load(text("a,b,y\n0e-99999,\t-0.000,0\n"), IN, TG);
    assertArrayEquals(new double[] {0, -0.0}, d.inputData(0));
  }

  @Test
  void longFieldsAreQuotedClippedAndLongLinesRefused() throws IOException {
    String big = "9".repeat(100_000) + "x";
    String e = error(text("a,b,y\n1," + big + ",3\n"));
    assertEquals("F:2:2 (b): not a number: \"" + "9".repeat(60) + "...\" (100001 characters)", e);
    Path huge = dir.resolve("huge.csv");
    try (OutputStream out = Files.newOutputStream(huge)) {
      out.write("a,b,y\n1,".getBytes(StandardCharsets.UTF_8));
      byte[] chunk = new byte[1 << 20];
      java.util.Arrays.fill(chunk, (byte) '7');
      for (int i = 0; i < 17; i++) {
        out.write(chunk);
      }
    }
    assertEquals("F:2: line longer than " + Csv.MAX_LINE
        + " bytes, the limit for one line (is this a CSV file?)", error(huge));
  }

  @Test
  void strictGzip() throws IOException {
    assertEquals("F: empty gzip file (no data)", error(bytes("e.csv.gz", new byte[0])));
    byte[] good = gzip(GOOD);
    byte[] garbage = java.util.Arrays.copyOf(good, good.length + 3);
    garbage[good.length] = 'x';
    assertEquals("F: unexpected bytes after the gzip data (at byte " + good.length + ")",
        error(bytes("g.csv.gz", garbage)));
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 5);
    assertTrue(error(bytes("c.csv.gz", cut)).startsWith("F: truncated gzip data"), error(bytes("c.csv.gz", cut)));
    byte[] badCrc = good.clone();
    badCrc[good.length - 8] ^= 1;
    assertTrue(error(bytes("k.csv.gz", badCrc)).startsWith("F: corrupt gzip data (CRC mismatch"));
    assertEquals("F: not gzip data (bad magic bytes)", error(bytes("n.csv.gz", GOOD.getBytes(StandardCharsets.UTF_8))));
    // two members, as cat a.gz b.gz makes: one text
    byte[] a = gzip("a,b,y\n1,2,3\n");
    byte[] b = gzip("4,5,6\n");
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    assertEquals(2, Csv.load(bytes("two.csv.gz", both), IN, TG).size());
    assertEquals(2, Csv.load(bytes("magic.csv", good), IN, TG).size());
  }

  @Test
  void notUtf8SaysWhere() throws IOException {
    byte[] b = "a,b,y\n1,2,3\n1,2,3 \u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("F: not UTF-8 text (byte 18, line 3)", error(bytes("l.csv", b)));
  }

  @Test
  void unreadableFilesSayWhy() throws Exception {
    assertEquals("F: is a directory, not a file", error(dir));
    Path p = text(GOOD);
    if (p.toFile().setReadable(false) && !Files.isReadable(p)) { // not as root
      assertEquals("F: cannot read: permission denied", error(p));
    }
  }

  @Test
  void pipesAreStreamed() throws Exception {
    Path fifo = dir.resolve("fifo.csv");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, mk.waitFor());
    Thread writer = new Thread(() -> {
      try {
        Files.write(fifo, gzip(GOOD));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.start();
    Dataset d = Csv.load(fifo, IN, TG);
    writer.join();
    assertEquals(2, d.size());
    assertArrayEquals(new double[] {3, 6}, d.targetData(0));
  }

  static byte[] paramsHeader(long declared) {
    ByteBuffer h = ByteBuffer.allocate(ParamsFile.HEADER_LENGTH);
    h.put(ParamsFile.MAGIC).putInt(ParamsFile.VERSION).putLong(declared);
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, 20);
    h.putInt((int) crc.getValue());
    return h.array();
  }

  @Test
  void paramsFilesAreCheckedBeforeTheyAreRead() throws IOException {
    Path big = dir.resolve("big.params");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.write(paramsHeader(3_000_000_000L));
      f.setLength(3_000_000_000L); // sparse
    }
    DataException e = assertThrows(DataException.class, () -> ParamsFile.read(big));
    assertEquals(big + ": params file too large (3000000000 bytes; this runtime reads at most "
        + ParamsFile.MAX_LENGTH + ")", e.getMessage());
    Path zero = Path.of("/dev/zero");
    if (Files.exists(zero)) {
      e = assertThrows(DataException.class, () -> ParamsFile.read(zero));
      assertEquals("/dev/zero: not a netc params file (bad magic bytes)", e.getMessage());
      e = assertThrows(DataException.class, () -> SafeTensors.readBytes(zero));
      assertTrue(e.getMessage().startsWith("/dev/zero: not a safetensors file: the header length 0"), e.getMessage());
      assertTrue(error(zero).startsWith("F:1: line longer than"), error(zero));
    }
    Path lies = bytes("lies.params", paramsHeader(1L << 40));
    e = assertThrows(DataException.class, () -> ParamsFile.read(lies));
    assertEquals(lies + ": truncated params file (24 of 1099511627776 bytes)", e.getMessage());
  }
}
