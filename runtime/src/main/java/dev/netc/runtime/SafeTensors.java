package dev.netc.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files,
 * the format in which PyTorch and the Hugging Face libraries exchange weights, and moves a
 * {@link Model}'s params into and out of them.
 *
 * <p>The format: an unsigned 64-bit little-endian header length {@code N}; {@code N} bytes of
 * UTF-8 JSON, {@code {"NAME": {"dtype": "F32", "shape": [32, 64], "data_offsets": [BEGIN, END]},
 * ..., "__metadata__": {"key": "value", ...}}} (the metadata optional, string to string); then the
 * data: each tensor's values row-major, little-endian, at {@code [BEGIN, END)} counted from the
 * first byte after the header. The tensors must cover the data exactly: no overlap, no hole, no
 * byte past the end of the file.
 *
 * <p>Reading accepts {@code F64}, {@code F32} and {@code BF16} values (converted to double
 * exactly); a tensor of another valid dtype ({@code I64}, {@code F16}, ...) may be in the file
 * but cannot become a param. Writing gives {@code F64} or {@code F32}, the header padded with
 * spaces to a multiple of 8 bytes as the reference implementation does. Everything is validated
 * before a model is touched; every problem is a {@link DataException} naming the file.
 *
 * <p>Names: a tensor becomes the param of the same name, unless a name map (see
 * {@link #readNameMap}) renames it, e.g. PyTorch's {@code fc1.weight} to {@code W1}. Layouts need
 * no change for {@code nn.Linear}: its weight {@code [out, in]} is netc's {@code W[out, in]} in
 * {@code W * x}, both row-major.
 *
 * <p>This class has no dependencies: its JSON reader covers what a header holds.
 */
public final class SafeTensors {
  private SafeTensors() {}

  /** The largest header accepted, as in the reference implementation (100 MB). */
  public static final long MAX_HEADER = 100_000_000L;

  /** The dtypes netc reads, in the words of messages. */
  static final String READABLE = "F64, F32, BF16";

  /** Every dtype of the safetensors format, with its size in bytes. */
  private static final Map<String, Integer> DTYPES = dtypes();

  private static Map<String, Integer> dtypes() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (String d : new String[] {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3"}) {
      m.put(d, 1);
    }
    for (String d : new String[] {"I16", "U16", "F16", "BF16"}) {
      m.put(d, 2);
    }
    for (String d : new String[] {"I32", "U32", "F32"}) {
      m.put(d, 4);
    }
    for (String d : new String[] {"I64", "U64", "F64"}) {
      m.put(d, 8);
    }
    return Collections.unmodifiableMap(m);
  }

  /** The value types {@link #encode} writes. */
  public enum DType {
    F64,
    F32;

    /** The dtype of a {@link Precision}: F64 for double, F32 for float. */
    public static DType of(Precision p) {
      return p == Precision.DOUBLE ? F64 : F32;
    }
  }

  /** One tensor of a file: its name, dtype and shape, and its raw little-endian bytes. */
  public static final class Tensor {
    private final String name;
    private final String dtype;
    private final int[] shape;
    private final ByteBuffer data;

    Tensor(String name, String dtype, int[] shape, ByteBuffer data) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.data = data;
    }

    public String name() {
      return name;
    }

    /** The dtype as the file writes it: {@code F32}, {@code BF16}, {@code I64}, ... */
    public String dtype() {
      return dtype;
    }

    public int[] shape() {
      return shape.clone();
    }

    /** The number of elements: the product of the shape (1 for a scalar). */
    public long size() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    /** Whether netc can read the values: dtype F64, F32 or BF16. */
    public boolean readable() {
      return dtype.equals("F64") || dtype.equals("F32") || dtype.equals("BF16");
    }

    /** The values, row-major, converted exactly to double; throws unless {@link #readable}. */
    public double[] values() {
      if (!readable()) {
        throw new DataException("tensor " + name + " has dtype " + dtype + "; netc reads " + READABLE);
      }
      ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      double[] v = new double[(int) size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = switch (dtype) {
          case "F64" -> b.getDouble();
          case "F32" -> b.getFloat();
          default -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
        };
      }
      return v;
    }

    @Override
    public String toString() {
      return name + " " + dtype + " " + Arrays.toString(shape);
    }
  }

  /** A validated file: its tensors in the order of their data, and its metadata. */
  public record Contents(List<Tensor> tensors, Map<String, String> metadata) {
    public Contents {
      tensors = List.copyOf(tensors);
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor named {@code name}, or null. */
    public Tensor get(String name) {
      for (Tensor t : tensors) {
        if (t.name.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  // ------------------------------------------------------------------ reading

  /** Reads and validates a safetensors file. */
  public static Contents read(Path file) {
    return decode(readBytes(file), file.toString());
  }

  /**
   * The bytes of {@code file}, read in one pass. The size is checked before reading: that of a
   * regular file, or for a pipe or device the header length in the first 8 bytes, so that a huge
   * file or {@code /dev/zero} never fills the memory.
   */
  static byte[] readBytes(Path file) {
    try (InputStream in = Csv.openRaw(file)) {
      long limit = Math.min(ParamsFile.MAX_LENGTH, Runtime.getRuntime().maxMemory() / 2);
      if (Files.isRegularFile(file)) {
        long size = Files.size(file);
        if (size > limit) {
          throw new DataException(file + ": too large to load (" + size + " bytes; at most "
              + limit + " here; give Java more memory with -Xmx)");
        }
        return in.readNBytes((int) size + 1);
      }
      byte[] first = in.readNBytes(8);
      if (first.length == 8) {
        long n = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER) {
          throw new DataException(file + ": not a safetensors file: the header length "
              + Long.toUnsignedString(n) + " is not between 2 and " + MAX_HEADER);
        }
      }
      byte[] rest = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, limit - first.length + 1));
      if (first.length + (long) rest.length > limit) {
        throw new DataException(file + ": too large to load (more than " + limit
            + " bytes; give Java more memory with -Xmx)");
      }
      byte[] all = Arrays.copyOf(first, first.length + rest.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      return all;
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + Messages.reason(e), e);
    }
  }

  /**
   * Validates the bytes of a safetensors file; {@code fileName} is for messages only. The
   * tensors keep views of {@code bytes}.
   */
  public static Contents decode(byte[] bytes, String fileName) {
    String f = fileName + ": ";
    if (bytes.length < 8) {
      throw new DataException(f + "not a safetensors file: " + bytes.length
          + " bytes, fewer than the 8 of the header length");
    }
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > bytes.length - 8L) {
      throw new DataException(f + "not a safetensors file: the header length "
          + Long.toUnsignedString(n) + " is more than the " + (bytes.length - 8)
          + " bytes after it");
    }
    if (n > MAX_HEADER) {
      throw new DataException(f + "header of " + n + " bytes is larger than the limit of " + MAX_HEADER);
    }
    if (n < 2 || bytes[8] != '{') {
      throw new DataException(f + "not a safetensors file: the header does not start with '{'");
    }
    String header;
    try {
      header = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(bytes, 8, (int) n)).toString();
    } catch (CharacterCodingException e) {
      throw new DataException(f + "the header is not UTF-8 text");
    }
    Object json;
    try {
      json = new JsonReader(header).document();
    } catch (JsonException e) {
      throw new DataException(f + "bad JSON in the header at character " + (e.at + 1) + ": "
          + e.getMessage());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> top = (Map<String, Object>) json;
    int dataStart = 8 + (int) n;
    long dataLength = bytes.length - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Tensor> tensors = new ArrayList<>();
    List<long[]> ranges = new ArrayList<>();
    for (Map.Entry<String, Object> e : top.entrySet()) {
      String name = e.getKey();
      if (name.equals("__metadata__")) {
        if (!(e.getValue() instanceof Map<?, ?> m)) {
          throw new DataException(f + "__metadata__ must be an object of strings");
        }
        for (Map.Entry<?, ?> me : m.entrySet()) {
          if (!(me.getValue() instanceof String s)) {
            throw new DataException(f + "__metadata__: the value of \"" + me.getKey()
                + "\" must be a string");
          }
          metadata.put((String) me.getKey(), s);
        }
        continue;
      }
      String t = f + "tensor " + name + ": ";
      if (!(e.getValue() instanceof Map<?, ?> info)) {
        throw new DataException(t + "expected an object with dtype, shape and data_offsets");
      }
      if (!(info.get("dtype") instanceof String dtype)) {
        throw new DataException(t + "missing dtype (a string such as \"F32\")");
      }
      Integer width = DTYPES.get(dtype);
      if (width == null) {
        throw new DataException(t + "unknown dtype \"" + dtype + "\" (safetensors has "
            + String.join(", ", DTYPES.keySet()) + ")");
      }
      long[] shapeL = integers(info.get("shape"), -1, t + "shape must be an array of sizes");
      long[] off = integers(info.get("data_offsets"), 2,
          t + "data_offsets must be an array of two byte offsets [BEGIN, END]");
      int[] shape = new int[shapeL.length];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        if (shapeL[i] > Integer.MAX_VALUE) {
          throw new DataException(t + "size " + shapeL[i] + " is too large");
        }
        shape[i] = (int) shapeL[i];
        count = multiply(count, shapeL[i], t);
      }
      long need = multiply(count, width, t);
      if (off[0] > off[1]) {
        throw new DataException(t + "data_offsets [" + off[0] + ", " + off[1] + "] end before they begin");
      }
      if (off[1] > dataLength) {
        throw new DataException(t + "data_offsets [" + off[0] + ", " + off[1]
            + "] reach past the end of the file (the data has " + dataLength + " bytes)");
      }
      if (off[1] - off[0] != need) {
        throw new DataException(t + "data_offsets [" + off[0] + ", " + off[1] + "] hold "
            + (off[1] - off[0]) + " bytes, but " + dtype + " " + Arrays.toString(shape)
            + " needs " + need);
      }
      ByteBuffer view = ByteBuffer.wrap(bytes, dataStart + (int) off[0], (int) need).slice();
      tensors.add(new Tensor(name, dtype, shape, view));
      ranges.add(new long[] {off[0], off[1], tensors.size() - 1});
    }
    ranges.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]));
    long end = 0;
    String last = null;
    for (long[] r : ranges) {
      String name = tensors.get((int) r[2]).name;
      if (r[0] < end) {
        throw new DataException(f + "tensors " + last + " and " + name + " overlap (data_offsets ["
            + r[0] + ", " + r[1] + "] begin before byte " + end + ", where " + last + " ends)");
      }
      if (r[0] > end) {
        throw new DataException(f + "bytes " + end + " to " + r[0]
            + " of the data belong to no tensor (a hole before " + name + ")");
      }
      end = r[1];
      last = name;
    }
    if (end != dataLength) {
      throw new DataException(f + (dataLength - end) + " bytes after the end of the last tensor"
          + " (the data has " + dataLength + " bytes, the tensors cover " + end + ")");
    }
    List<Tensor> ordered = new ArrayList<>();
    for (long[] r : ranges) {
      ordered.add(tensors.get((int) r[2]));
    }
    return new Contents(ordered, metadata);
  }

  private static long multiply(long a, long b, String where) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw new DataException(where + "the shape is too large");
    }
  }

  private static long[] integers(Object v, int length, String message) {
    if (!(v instanceof List<?> list) || (length >= 0 && list.size() != length)) {
      throw new DataException(message);
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long l) || l < 0) {
        throw new DataException(message + " (non-negative integers)");
      }
      out[i] = l;
    }
    return out;
  }

  // ------------------------------------------------------------------ models

  /**
   * Reads {@code file} into {@code model}'s params, renaming the file's tensors with
   * {@code names} (file name to param name, or {@code "-"} to leave a tensor out; names not in
   * the map are kept). Every problem is found before anything is written: missing params,
   * tensors that match no param, tensors of the wrong shape or of a dtype netc cannot read, and
   * a map that names no param, all listed in one {@link DataException}.
   */
  public static void load(Model model, Path file, Map<String, String> names) {
    load(model, read(file), file.toString(), names);
  }

  /** Like {@link #load(Model, Path, Map)} for contents already read. */
  public static void load(Model model, Contents contents, String fileName, Map<String, String> names) {
    List<TensorInfo> params = model.params();
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      index.put(params.get(i).name(), i);
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : names.entrySet()) {
      if (!e.getValue().equals(SKIP) && !index.containsKey(e.getValue())) {
        problems.add("the name map sends " + e.getKey() + " to " + e.getValue()
            + ", which is not a param of network " + model.name());
      }
    }
    Tensor[] chosen = new Tensor[params.size()];
    List<String> extra = new ArrayList<>();
    for (Tensor t : contents.tensors()) {
      String target = names.getOrDefault(t.name, t.name);
      if (target.equals(SKIP)) {
        continue;
      }
      Integer i = index.get(target);
      String label = target.equals(t.name) ? t.name : t.name + " (" + target + ")";
      if (i == null) {
        if (!names.containsKey(t.name)) {
          extra.add(t.toString());
        }
        continue;
      }
      if (chosen[i] != null) {
        problems.add("param " + target + " is given twice, by " + chosen[i].name + " and " + t.name);
        continue;
      }
      chosen[i] = t;
      TensorInfo p = params.get(i);
      if (!Arrays.equals(t.shape, p.shape())) {
        problems.add("wrong shape: " + label + " is " + Arrays.toString(t.shape) + " in the file, "
            + p + " in network " + model.name());
      }
      if (!t.readable()) {
        problems.add("unreadable dtype: " + label + " is " + t.dtype + "; netc reads " + READABLE);
      }
    }
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      if (chosen[i] == null) {
        String from = null;
        for (Map.Entry<String, String> e : names.entrySet()) {
          if (e.getValue().equals(params.get(i).name())) {
            from = e.getKey();
          }
        }
        missing.add(params.get(i) + (from == null ? "" : " (from " + from + ")"));
      }
    }
    if (!missing.isEmpty()) {
      problems.add(0, "missing: " + String.join(", ", missing));
    }
    if (!extra.isEmpty()) {
      problems.add(missing.isEmpty() ? 0 : 1, "not params of network " + model.name() + ": "
          + String.join(", ", extra) + (names.isEmpty() ? " (rename them with a name map)" : ""));
    }
    if (!problems.isEmpty()) {
      throw new DataException(fileName + ": does not match network " + model.name() + ":\n  "
          + String.join("\n  ", problems));
    }
    double[][] values = new double[params.size()][];
    for (int i = 0; i < values.length; i++) {
      values[i] = chosen[i].values();
    }
    for (int i = 0; i < values.length; i++) {
      Object a = model.paramData(i);
      if (a instanceof double[] d) {
        System.arraycopy(values[i], 0, d, 0, d.length);
      } else {
        float[] fl = (float[]) a;
        for (int j = 0; j < fl.length; j++) {
          fl[j] = (float) values[i][j];
        }
      }
    }
  }

  /**
   * {@code model}'s params as a safetensors file in {@code dtype} (F32 rounds double params to
   * the nearest float), named by the inverse of {@code names} (a param that no entry maps to
   * keeps its name), with the network's name in the metadata.
   */
  public static byte[] encode(Model model, DType dtype, Map<String, String> names) {
    List<String> tensorNames = new ArrayList<>();
    List<int[]> shapes = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    for (int i = 0; i < model.params().size(); i++) {
      TensorInfo p = model.params().get(i);
      tensorNames.add(p.name());
      shapes.add(p.shape());
      values.add(PerModelState.length(model.paramData(i)) == p.size()
          ? toDouble(model.paramData(i)) : null);
    }
    return encode(model.name(), model.precision(), tensorNames, shapes, values, dtype, names);
  }

  /**
   * A netc params file (see {@link ParamsFile}) as a safetensors file, without the network: in
   * {@code dtype}, or the precision the params were saved in when {@code dtype} is null.
   */
  public static byte[] fromParamsFile(Path paramsFile, DType dtype, Map<String, String> names) {
    ParamsFile.Contents c = ParamsFile.parse(readBytes(paramsFile), paramsFile.toString());
    DType d = dtype != null ? dtype : DType.of(c.precision);
    return encode(c.network, c.precision, c.names, c.shapes, c.values, d, names);
  }

  private static double[] toDouble(Object a) {
    if (a instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) a;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static byte[] encode(String network, Precision precision, List<String> params,
      List<int[]> shapes, List<double[]> values, DType dtype, Map<String, String> names) {
    Map<String, String> inverse = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : names.entrySet()) {
      if (!e.getValue().equals(SKIP) && inverse.put(e.getValue(), e.getKey()) != null) {
        throw new IllegalArgumentException("the name map sends two names to " + e.getValue());
      }
    }
    int width = dtype == DType.F64 ? 8 : 4;
    StringBuilder json = new StringBuilder("{\"__metadata__\":{\"netc.network\":")
        .append(quote(network)).append(",\"netc.precision\":")
        .append(quote(precision == Precision.DOUBLE ? "double" : "float")).append('}');
    long offset = 0;
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      String name = inverse.getOrDefault(params.get(i), params.get(i));
      if (seen.contains(name)) {
        throw new IllegalArgumentException("two tensors would be named " + name);
      }
      seen.add(name);
      long size = 1;
      StringBuilder shape = new StringBuilder("[");
      for (int d = 0; d < shapes.get(i).length; d++) {
        shape.append(d > 0 ? "," : "").append(shapes.get(i)[d]);
        size *= shapes.get(i)[d];
      }
      if (values.get(i) == null || values.get(i).length != size) {
        throw new IllegalArgumentException("param " + params.get(i) + " has an unexpected array");
      }
      long end = offset + size * width;
      json.append(',').append(quote(name)).append(":{\"dtype\":\"").append(dtype)
          .append("\",\"shape\":").append(shape).append("],\"data_offsets\":[")
          .append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (header.length + 7) / 8 * 8;
    if (8L + padded + offset > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("params too large for one safetensors array");
    }
    ByteBuffer out = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(header);
    for (int i = header.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (double[] v : values) {
      for (double x : v) {
        if (dtype == DType.F64) {
          out.putDouble(x);
        } else {
          out.putFloat((float) x);
        }
      }
    }
    return out.array();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  // ------------------------------------------------------------------ name maps

  /** The target of a name-map entry that leaves the tensor out. */
  public static final String SKIP = "-";

  /**
   * Reads a name map: one {@code FILE_NAME = PARAM} a line (PyTorch's {@code fc1.weight = W1}),
   * or {@code FILE_NAME = -} to leave a tensor out; blank lines and lines starting with
   * {@code #} are ignored. A name given twice, or a param that two names map to, is an error
   * naming the lines.
   */
  public static Map<String, String> readNameMap(Path file) {
    String text = Messages.utf8(readBytes(file), file.toString());
    return parseNameMap(text, file.toString());
  }

  /** Parses the text of a name map; {@code fileName} is for messages only. */
  public static Map<String, String> parseNameMap(String text, String fileName) {
    Map<String, String> map = new LinkedHashMap<>();
    Map<String, Integer> lineOfName = new LinkedHashMap<>();
    Map<String, Integer> lineOfParam = new LinkedHashMap<>();
    BufferedReader r = new BufferedReader(new StringReader(text));
    try {
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        String s = line.strip();
        if (no == 1 && s.startsWith("\uFEFF")) {
          s = s.substring(1).strip();
        }
        if (s.isEmpty() || s.startsWith("#")) {
          continue;
        }
        int eq = s.indexOf('=');
        String from = eq < 0 ? "" : s.substring(0, eq).strip();
        String to = eq < 0 ? "" : s.substring(eq + 1).strip();
        if (from.isEmpty() || to.isEmpty() || to.contains("=") || to.contains(" ")) {
          throw new DataException(fileName + ":" + no + ": expected TENSOR = PARAM (for example"
              + " fc1.weight = W1), found \"" + s + "\"");
        }
        if (lineOfName.containsKey(from)) {
          throw new DataException(fileName + ":" + no + ": " + from + " is mapped twice (first on line "
              + lineOfName.get(from) + ")");
        }
        if (!to.equals(SKIP) && lineOfParam.containsKey(to)) {
          throw new DataException(fileName + ":" + no + ": two tensors map to " + to + " (the other on line "
              + lineOfParam.get(to) + ")");
        }
        lineOfName.put(from, no);
        lineOfParam.put(to, no);
        map.put(from, to);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // a StringReader does not fail
    }
    return map;
  }

  // ------------------------------------------------------------------ JSON

  /** A problem in the header's JSON at a character index. */
  private static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;
    final int at;

    JsonException(int at, String message) {
      super(message, null, false, false);
      this.at = at;
    }
  }

  /**
   * The JSON of a header: objects (as ordered maps, duplicate names refused), arrays (lists),
   * strings, integers (as Long; other numbers as Double), true, false and null. Trailing white
   * space is allowed, as the format pads the header with spaces.
   */
  private static final class JsonReader {
    private final String s;
    private int pos;

    JsonReader(String s) {
      this.s = s;
    }

    Object document() throws JsonException {
      space();
      if (!peek('{')) {
        throw new JsonException(pos, "expected '{'");
      }
      Object v = value(0);
      space();
      if (pos < s.length()) {
        throw new JsonException(pos, "unexpected " + describe() + " after the header's object");
      }
      return v;
    }

    private String describe() {
      if (pos >= s.length()) {
        return "end of the header";
      }
      char c = s.charAt(pos);
      return c < 0x20 ? String.format("character U+%04X", (int) c) : "'" + c + "'";
    }

    private void space() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t'
          || s.charAt(pos) == '\n' || s.charAt(pos) == '\r')) {
        pos++;
      }
    }

    private boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) throws JsonException {
      if (!peek(c)) {
        throw new JsonException(pos, "expected '" + c + "', found " + describe());
      }
      pos++;
    }

    private Object value(int depth) throws JsonException {
      if (depth > 64) {
        throw new JsonException(pos, "nested too deeply");
      }
      space();
      if (pos >= s.length()) {
        throw new JsonException(pos, "unexpected end of the header: expected a value");
      }
      char c = s.charAt(pos);
      if (c == '{') {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        space();
        if (peek('}')) {
          pos++;
          return m;
        }
        while (true) {
          space();
          int at = pos;
          if (!peek('"')) {
            throw new JsonException(pos, "expected a name in double quotes, found " + describe());
          }
          String key = string();
          if (m.containsKey(key)) {
            throw new JsonException(at, "duplicate name \"" + key + "\"");
          }
          space();
          expect(':');
          m.put(key, value(depth + 1));
          space();
          if (peek(',')) {
            pos++;
          } else if (peek('}')) {
            pos++;
            return m;
          } else {
            throw new JsonException(pos, "expected ',' or '}', found " + describe());
          }
        }
      }
      if (c == '[') {
        pos++;
        List<Object> a = new ArrayList<>();
        space();
        if (peek(']')) {
          pos++;
          return a;
        }
        while (true) {
          a.add(value(depth + 1));
          space();
          if (peek(',')) {
            pos++;
          } else if (peek(']')) {
            pos++;
            return a;
          } else {
            throw new JsonException(pos, "expected ',' or ']', found " + describe());
          }
        }
      }
      if (c == '"') {
        return string();
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (s.startsWith(word, pos)) {
          pos += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word.equals("true"));
        }
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return number();
      }
      throw new JsonException(pos, "unexpected " + describe() + ": expected a value");
    }

    private Object number() throws JsonException {
      int start = pos;
      if (peek('-')) {
        pos++;
      }
      int digits = pos;
      while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
        pos++;
      }
      if (pos == digits) {
        throw new JsonException(pos, "expected a digit, found " + describe());
      }
      boolean integer = true;
      while (pos < s.length() && "0123456789.eE+-".indexOf(s.charAt(pos)) >= 0) {
        integer = false;
        pos++;
      }
      String text = s.substring(start, pos);
      try {
        return integer ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw new JsonException(start, "bad number " + text);
      }
    }

    private String string() throws JsonException {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw new JsonException(pos, "unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw new JsonException(pos - 1, "control character in a string");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw new JsonException(pos, "unterminated string");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw new JsonException(pos, "bad \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw new JsonException(pos, "bad \\u escape");
            }
            pos += 4;
          }
          default -> throw new JsonException(pos - 1, "bad escape '\\" + e + "'");
        }
      }
    }
  }
}
