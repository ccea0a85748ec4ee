package dev.netc.runtime;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Saves and loads a model's params in a versioned binary file with checksums.
 *
 * <p>Format versions 1 and 2, all numbers big-endian:
 *
 * <pre>
 * header (24 bytes)
 *   magic        8 bytes   0x89 'N' 'E' 'T' 'C' 0x0D 0x0A 0x1A
 *   version      u32       1, or 2 when the file has metadata
 *   file length  u64       total length of the file in bytes
 *   header crc   u32       CRC32C of the 20 bytes above
 * body
 *   network      string    (string = u32 byte count, then UTF-8 bytes)
 *   precision    u8        0 = double, 1 = float (the precision of the saving model)
 *   param count  u32
 *   per param    name string, rank u32, rank x u32 dimensions, size x f64 values (row-major)
 *   (version 2)  entry count u32, then per entry a key string and a value string, keys ascending
 * trailer
 *   file crc     u32       CRC32C of every byte before it
 * </pre>
 *
 * <p>Values are stored as doubles, so float params round-trip exactly. {@link #save} writes a
 * temporary file in the target's directory, forces it to disk, and moves it over the target
 * atomically, so a crash leaves either the old file or the new one, never a mix (a crash may
 * leave a stray {@code .NAME.*.tmp} file next to it). {@link #load} validates the whole file
 * before writing anything into the model.
 *
 * <p>Metadata are strings that belong with the params, such as a text model's {@link Vocabulary}
 * ({@link #save(Model, Path, Map)}, {@link #metadata(Path)}). A file without metadata is written
 * as version 1, byte for byte as before version 2 existed.
 */
public final class ParamsFile {
  /** The newest format version: 2 adds metadata; a file without metadata is version 1. */
  public static final int VERSION = 2;

  static final byte[] MAGIC = {(byte) 0x89, 'N', 'E', 'T', 'C', 0x0D, 0x0A, 0x1A};
  static final int HEADER_LENGTH = 24;

  private ParamsFile() {}

  /**
   * A new empty file {@code .NAME.<unique>.tmp} beside {@code target}, created with the default
   * permissions (as the final file would be; {@code Files.createTempFile} would make it private).
   */
  static Path siblingTempFile(Path target) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "-"
          + Long.toHexString(System.nanoTime()) + ".tmp");
      try {
        Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return tmp;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /** Writes {@code model}'s params to {@code file} atomically, replacing any existing file. */
  public static void save(Model model, Path file) throws IOException {
    save(model, file, Map.of());
  }

  /**
   * Writes {@code model}'s params and {@code metadata} to {@code file} atomically, replacing any
   * existing file.
   */
  public static void save(Model model, Path file, Map<String, String> metadata) throws IOException {
    SortedMap<String, String> sorted = new TreeMap<>(metadata);
    AtomicFiles.write(file, out -> write(model, sorted, out));
  }

  /** The exact byte length of {@code model}'s params file. */
  static long length(Model model) {
    return length(model, Map.of());
  }

  static long length(Model model, Map<String, String> metadata) {
    long n = HEADER_LENGTH + 4 + utf8(model.name()).length + 1 + 4;
    for (TensorInfo p : model.params()) {
      n += 4 + utf8(p.name()).length + 4 + 4L * p.shape().length + 8L * p.size();
    }
    if (!metadata.isEmpty()) {
      n += 4;
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        n += 8 + utf8(e.getKey()).length + utf8(e.getValue()).length;
      }
    }
    return n + 4;
  }

  /** Writes the params file of {@code model} to {@code out} (not closed, but flushed). */
  static void write(Model model, OutputStream out) throws IOException {
    write(model, new TreeMap<>(), out);
  }

  static void write(Model model, SortedMap<String, String> metadata, OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH);
    header.put(MAGIC).putInt(metadata.isEmpty() ? 1 : 2).putLong(length(model, metadata));
    crc.update(header.array(), 0, 20);
    header.putInt((int) crc.getValue());
    DataOutputStream data =
        new DataOutputStream(new BufferedOutputStream(new CrcStream(out, crc), 1 << 16));
    crc.reset();
    data.write(header.array());
    writeString(data, model.name());
    data.writeByte(model.precision() == Precision.DOUBLE ? 0 : 1);
    List<TensorInfo> params = model.params();
    data.writeInt(params.size());
    for (int i = 0; i < params.size(); i++) {
      TensorInfo p = params.get(i);
      writeString(data, p.name());
      int[] shape = p.shape();
      data.writeInt(shape.length);
      for (int d : shape) {
        data.writeInt(d);
      }
      Object a = model.paramData(i);
      if (a instanceof double[] d) {
        checkLength(p, d.length);
        for (double v : d) {
          data.writeDouble(v);
        }
      } else if (a instanceof float[] f) {
        checkLength(p, f.length);
        for (float v : f) {
          data.writeDouble(v);
        }
      } else {
        throw new IllegalArgumentException("param " + p.name() + " is not a double[] or float[]");
      }
    }
    if (!metadata.isEmpty()) {
      data.writeInt(metadata.size());
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        writeString(data, e.getKey());
        writeString(data, e.getValue());
      }
    }
    data.flush();
    int fileCrc = (int) crc.getValue();
    out.write(ByteBuffer.allocate(4).putInt(fileCrc).array());
    out.flush();
  }

  private static void checkLength(TensorInfo p, int length) {
    if (length != p.size()) {
      throw new IllegalArgumentException(
          "param " + p + " has an array of length " + length + ", expected " + p.size());
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = utf8(s);
    out.writeInt(b.length);
    out.write(b);
  }

  /** Passes bytes through, updating a checksum. */
  private static final class CrcStream extends OutputStream {
    private final OutputStream out;
    private final CRC32C crc;

    CrcStream(OutputStream out, CRC32C crc) {
      this.out = out;
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      crc.update(b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

  /**
   * Reads {@code file} into {@code model}'s params. Everything is checked first (magic, version,
   * length, checksums, network name, every param's name and shape); on any problem a
   * {@link DataException} names the file and the problem and the model is left untouched. A file
   * saved by a model of the other precision loads too (double values are rounded into a float
   * model).
   */
  public static void load(Model model, Path file) {
    String name = file.toString();
    byte[] bytes = read(file);
    Contents c = parse(bytes, name);
    if (!c.network.equals(model.name())) {
      throw new DataException(name + ": params are for network " + Messages.clip(c.network)
          + ", not " + model.name());
    }
    List<TensorInfo> params = model.params();
    for (int i = 0; i < params.size(); i++) {
      TensorInfo p = params.get(i);
      int at = c.indexOf(p.name());
      if (at < 0) {
        throw new DataException(name + ": missing param " + p.name());
      }
      if (!Arrays.equals(c.shapes.get(at), p.shape())) {
        throw new DataException(name + ": param " + p.name() + " has shape "
            + Arrays.toString(c.shapes.get(at)) + " in the file but "
            + Arrays.toString(p.shape()) + " in the model");
      }
      Object a = model.paramData(i);
      if (!(a instanceof double[] || a instanceof float[])
          || PerModelState.length(a) != p.size()) {
        throw new IllegalArgumentException("model param " + p + " has an unexpected array");
      }
    }
    for (String n : c.names) {
      if (params.stream().noneMatch(p -> p.name().equals(n))) {
        throw new DataException(name + ": unexpected param " + n + " (not in network "
            + model.name() + ")");
      }
    }
    for (int i = 0; i < params.size(); i++) {
      double[] values = c.values.get(c.indexOf(params.get(i).name()));
      Object a = model.paramData(i);
      if (a instanceof double[] d) {
        System.arraycopy(values, 0, d, 0, d.length);
      } else {
        float[] f = (float[]) a;
        for (int j = 0; j < f.length; j++) {
          f[j] = (float) values[j];
        }
      }
    }
  }

  /**
   * The metadata of the params file {@code file} (empty for a version 1 file), after checking the
   * whole file as {@link #load} does.
   *
   * @throws DataException naming the file and the problem
   */
  public static Map<String, String> metadata(Path file) {
    return parse(read(file), file.toString()).metadata;
  }

  /** The most bytes a params file may have (the longest Java array). */
  static final long MAX_LENGTH = Integer.MAX_VALUE - 8;

  /**
   * The bytes of a params file, read in one sequential pass after its header has been checked:
   * the magic bytes, the version, the header checksum and the length it declares, against the
   * file's size (when it has one), the largest array and the memory the JVM may use. So a huge
   * file, a device such as {@code /dev/zero} or a pipe never fills the memory.
   */
  static byte[] read(Path file) {
    String name = file.toString();
    try (InputStream in = Csv.openRaw(file)) {
      byte[] header = in.readNBytes(HEADER_LENGTH);
      checkHeader(header, header.length, name);
      long declared = ByteBuffer.wrap(header).getLong(12);
      if (declared < HEADER_LENGTH + 4 + 1 + 4 + 4) {
        throw new DataException(name + ": corrupted params file (declared length " + declared + ")");
      }
      if (Files.isRegularFile(file)) {
        long size = Files.size(file);
        if (size < declared) {
          throw new DataException(name + ": truncated params file (" + size + " of "
              + declared + " bytes)");
        }
        if (size > declared) {
          throw new DataException(name + ": corrupted params file (" + (size - declared)
              + " unexpected bytes after the end)");
        }
      }
      if (declared > MAX_LENGTH) {
        throw new DataException(name + ": params file too large (" + declared
            + " bytes; this runtime reads at most " + MAX_LENGTH + ")");
      }
      long max = Runtime.getRuntime().maxMemory();
      if (2 * declared > max) {
        throw new DataException(name + ": loading this params file (" + declared / (1 << 20)
            + " MiB) needs about " + 2 * declared / (1 << 20) + " MiB of memory, more than the "
            + max / (1 << 20) + " MiB Java may use; give Java more with -Xmx");
      }
      byte[] bytes = new byte[(int) declared];
      System.arraycopy(header, 0, bytes, 0, HEADER_LENGTH);
      int n = HEADER_LENGTH + in.readNBytes(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
      if (n < declared) {
        throw new DataException(name + ": truncated params file (" + n + " of " + declared + " bytes)");
      }
      if (in.read() >= 0) {
        throw new DataException(name + ": corrupted params file (unexpected bytes after the "
            + declared + " it declares)");
      }
      return bytes;
    } catch (IOException e) {
      throw new DataException(name + ": cannot read: " + Messages.reason(e), e);
    }
  }

  /** Checks the magic bytes, the version and the header checksum of {@code bytes[0, length)}. */
  private static void checkHeader(byte[] bytes, int length, String name) {
    int prefix = Math.min(length, MAGIC.length);
    if (!Arrays.equals(bytes, 0, prefix, MAGIC, 0, prefix) || length == 0) {
      throw new DataException(name + ": not a netc params file (bad magic bytes)");
    }
    if (length < HEADER_LENGTH) {
      throw new DataException(name + ": truncated params file (" + length + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int version = buf.getInt(8);
    if (version != 1 && version != 2) {
      throw new DataException(name + ": unsupported params file version " + Integer.toUnsignedString(version)
          + " (this runtime reads versions 1 and 2)");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 20);
    if ((int) crc.getValue() != buf.getInt(20)) {
      throw new DataException(name + ": corrupted params file (header checksum mismatch)");
    }
  }

  /** The validated contents of a params file. */
  static final class Contents {
    String network;
    Precision precision;
    final List<String> names = new ArrayList<>();
    final List<int[]> shapes = new ArrayList<>();
    final List<double[]> values = new ArrayList<>();
    Map<String, String> metadata = Map.of();

    int indexOf(String name) {
      return names.indexOf(name);
    }
  }

  static Contents parse(byte[] bytes, String name) {
    checkHeader(bytes, bytes.length, name);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    CRC32C crc = new CRC32C();
    long declared = buf.getLong(12);
    if (bytes.length < declared) {
      throw new DataException(name + ": truncated params file (" + bytes.length + " of "
          + declared + " bytes)");
    }
    if (bytes.length > declared) {
      throw new DataException(name + ": corrupted params file (" + (bytes.length - declared)
          + " unexpected bytes after the end)");
    }
    crc.reset();
    crc.update(bytes, 0, bytes.length - 4);
    if ((int) crc.getValue() != buf.getInt(bytes.length - 4)) {
      throw new DataException(name + ": corrupted params file (checksum mismatch)");
    }
    buf.position(HEADER_LENGTH);
    buf.limit(bytes.length - 4);
    try {
      Contents c = new Contents();
      c.network = readString(buf);
      int p = buf.get();
      if (p != 0 && p != 1) {
        throw new DataException(name + ": corrupted params file (unknown precision " + p + ")");
      }
      c.precision = p == 0 ? Precision.DOUBLE : Precision.FLOAT;
      int count = buf.getInt();
      if (count < 0 || count > buf.remaining() / 16) {
        throw new DataException(name + ": corrupted params file (" + Integer.toUnsignedString(count)
            + " params cannot fit in " + buf.remaining() + " bytes)");
      }
      for (int i = 0; i < count; i++) {
        String pn = readString(buf);
        int rank = buf.getInt();
        if (rank < 0 || rank > 4) {
          throw new DataException(name + ": corrupted params file (param " + Messages.clip(pn) + " has rank " + rank + ")");
        }
        int[] shape = new int[rank];
        long size = 1;
        for (int d = 0; d < rank; d++) {
          shape[d] = buf.getInt();
          size *= Math.max(shape[d], 1);
          if (shape[d] <= 0 || size > buf.remaining() / 8) {
            throw new DataException(name + ": corrupted params file (param " + Messages.clip(pn) + ")");
          }
        }
        double[] v = new double[(int) size];
        buf.asDoubleBuffer().get(v);
        buf.position(buf.position() + 8 * v.length);
        if (c.names.contains(pn)) {
          throw new DataException(name + ": corrupted params file (param " + Messages.clip(pn) + " twice)");
        }
        c.names.add(pn);
        c.shapes.add(shape);
        c.values.add(v);
      }
      if (buf.getInt(8) == 2) {
        int entries = buf.getInt();
        if (entries <= 0 || entries > buf.remaining() / 8) {
          throw new DataException(name + ": corrupted params file (" + Integer.toUnsignedString(entries)
              + " metadata entries in " + buf.remaining() + " bytes)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
          String key = readString(buf);
          String value = readString(buf);
          if (metadata.put(key, value) != null) {
            throw new DataException(name + ": corrupted params file (metadata " + Messages.clip(key) + " twice)");
          }
        }
        c.metadata = Collections.unmodifiableMap(metadata);
      }
      if (buf.hasRemaining()) {
        throw new DataException(name + ": corrupted params file (unexpected bytes after the params)");
      }
      return c;
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new DataException(name + ": corrupted params file (inconsistent structure)");
    }
  }

  private static String readString(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0 || n > buf.remaining()) {
      throw new java.nio.BufferUnderflowException();
    }
    String s = new String(bytes(buf, n), StandardCharsets.UTF_8);
    return s;
  }

  private static byte[] bytes(ByteBuffer buf, int n) {
    byte[] b = new byte[n];
    buf.get(b);
    return b;
  }
}
