package dev.netc.runtime;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a CSV data set (plain or gzip-compressed) for a layout of inputs and targets.
 *
 * <p>Format: a header row of column names; then one row per example: the values of every input
 * in order (each flattened row-major), then every target. A target {@code [k]} with {@code k > 1}
 * may instead be a single integer column holding the class index {@code 0..k-1}, one-hot encoded
 * on load. Which targets are class indices is decided from the header's column count: if it is
 * the sum of all sizes, every value is direct; otherwise the one combination of targets that,
 * written as single columns, gives the header's count (an ambiguous or impossible count is an
 * error). Fields are separated by commas and trimmed; header names may be double-quoted. Values
 * must be finite decimal numbers (NaN and infinities are refused). Windows line endings, a UTF-8
 * byte order mark and blank lines at the end are accepted. Gzip is recognized by a {@code .gz}
 * name or by its magic bytes.
 *
 * <p>Every problem throws a {@link DataException} naming the file, the line (the header is line
 * 1) and, for a bad value, the column and its header name.
 */
public final class Csv {
  /**
   * The longest line a CSV file may have, in bytes (in characters for {@link #read(Reader,
   * String, List, List)}): longer lines are an error, so that a file without line breaks (such as
   * {@code /dev/zero}) never fills the memory.
   */
  public static final int MAX_LINE = 1 << 24;

  private Csv() {}

  /** Loads {@code file} for the inputs and targets of {@code model}. */
  public static Dataset load(Path file, Model model) {
    return load(file, model.inputs(), model.targets());
  }

  /** Loads {@code file} for the given inputs and targets. */
  public static Dataset load(Path file, List<TensorInfo> inputs, List<TensorInfo> targets) {
    return load(file, inputs, targets, false);
  }

  /**
   * Loads {@code file}; with {@code targetsOptional}, a file with only the inputs' columns gives a
   * data set without targets (what {@link Predictions#load} reads).
   */
  static Dataset load(
      Path file, List<TensorInfo> inputs, List<TensorInfo> targets, boolean targetsOptional) {
    String name = file.toString();
    try (InputStream in = open(file)) {
      return read(new ByteLines(in, name), name, inputs, targets, targetsOptional);
    } catch (GzipStream.Corrupt e) {
      throw new DataException(name + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataException(name + ": cannot read: " + Messages.reason(e), e);
    }
  }

  /**
   * Opens {@code file} for one sequential pass (pipes and {@code /dev/stdin} work: nothing seeks),
   * decompressing gzip, recognized by a {@code .gz} name or its magic bytes. A file that cannot be
   * opened is a {@link DataException} saying why.
   */
  static InputStream open(Path file) {
    String name = file.toString();
    InputStream raw = openRaw(file);
    try {
      PushbackInputStream in = new PushbackInputStream(raw, 2);
      byte[] magic = new byte[2];
      int n = in.readNBytes(magic, 0, 2);
      in.unread(magic, 0, n);
      if (name.endsWith(".gz") || (n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b)) {
        return new GzipStream(in);
      }
      return in;
    } catch (GzipStream.Corrupt e) {
      close(raw);
      throw new DataException(name + ": " + e.getMessage(), e);
    } catch (IOException e) {
      close(raw);
      throw new DataException(name + ": cannot read: " + Messages.reason(e), e);
    }
  }

  /**
   * Opens {@code file} for one sequential pass without decompressing; a file that cannot be opened
   * is a {@link DataException} saying why (no such file, permission denied, a directory).
   */
  static InputStream openRaw(Path file) {
    String name = file.toString();
    if (Files.isDirectory(file)) {
      throw new DataException(name + ": is a directory, not a file");
    }
    InputStream raw;
    try {
      raw = Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new DataException(name + ": no such file");
    } catch (IOException e) {
      throw new DataException(name + ": cannot read: " + Messages.reason(e), e);
    }
    // the channel's stream answers available() with a seek, which fails on a pipe: never ask
    return new FilterInputStream(raw) {
      @Override
      public int available() {
        return 0;
      }
    };
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // already failing with a better message
    }
  }

  /**
   * Reads CSV text from {@code reader}; {@code fileName} is used in messages only. The reader is
   * not closed.
   */
  public static Dataset read(
      Reader reader, String fileName, List<TensorInfo> inputs, List<TensorInfo> targets)
      throws IOException {
    return read(new CharLines(reader, fileName), fileName, inputs, targets, false);
  }

  private static Dataset read(LineSource lines, String fileName, List<TensorInfo> inputs,
      List<TensorInfo> targets, boolean targetsOptional) throws IOException {
    String header = lines.next();
    if (header != null && header.startsWith("\uFEFF")) {
      header = header.substring(1);
    }
    if (header == null || header.isBlank()) {
      throw new DataException(fileName + ": empty file (no header)");
    }
    String[] names = split(header);
    for (int c = 0; c < names.length; c++) {
      names[c] = unquote(names[c]);
    }
    int inputColumns = columns(inputs);
    if (targetsOptional && !targets.isEmpty() && names.length == inputColumns) {
      targets = List.of();
    }
    boolean[] classIndex;
    try {
      classIndex = layout(fileName, names.length, inputs, targets);
    } catch (DataException e) {
      if (!targetsOptional || targets.isEmpty()) {
        throw e;
      }
      throw new DataException(e.getMessage() + " (or " + inputColumns
          + " for the inputs alone, " + Predictions.names(inputs) + ", to predict without targets)");
    }
    int nIn = inputs.size();
    int nTg = targets.size();
    Column[] cols = new Column[nIn + nTg];
    int col = 0;
    for (int i = 0; i < nIn + nTg; i++) {
      boolean isTarget = i >= nIn;
      TensorInfo info = isTarget ? targets.get(i - nIn) : inputs.get(i);
      boolean ci = isTarget && classIndex[i - nIn];
      cols[i] = new Column(info, ci, col);
      col += ci ? 1 : info.size();
    }
    int n = 0;
    int lineNo = 1;
    int blankLine = 0;
    String line;
    double[] row = new double[names.length];
    while ((line = lines.next()) != null) {
      lineNo++;
      if (line.isBlank()) {
        if (blankLine == 0) {
          blankLine = lineNo;
        }
        continue;
      }
      if (blankLine != 0) {
        throw new DataException(fileName + ":" + blankLine + ": empty line");
      }
      parseRow(line, fileName, lineNo, names, row);
      for (int i = 0; i < cols.length; i++) {
        cols[i].add(row, fileName, lineNo, names);
      }
      n++;
    }
    if (n == 0) {
      throw new DataException(fileName + ": no data rows");
    }
    double[][] in = new double[nIn][];
    double[][] tg = new double[nTg][];
    int[][] labels = new int[nTg][];
    for (int i = 0; i < nIn; i++) {
      in[i] = cols[i].values();
    }
    for (int t = 0; t < nTg; t++) {
      tg[t] = cols[nIn + t].values();
      labels[t] = cols[nIn + t].labels();
    }
    return new Dataset(inputs, targets, n, in, tg, labels, false);
  }

  private static int columns(List<TensorInfo> infos) {
    int n = 0;
    for (TensorInfo t : infos) {
      n += t.size();
    }
    return n;
  }

  private static String tooLong(String file, long lineNo) {
    return file + ":" + lineNo + ": line longer than " + MAX_LINE
        + " bytes, the limit for one line (is this a CSV file?)";
  }

  /** The lines of a text, without their line ends; null after the last. */
  private interface LineSource {
    String next() throws IOException;
  }

  /** Lines of strict UTF-8 bytes, each at most {@link #MAX_LINE} bytes long. */
  private static final class ByteLines implements LineSource {
    private final InputStream in;
    private final String file;
    private byte[] buf = new byte[1 << 16];
    /** The current line starts at {@code buf[0]}; bytes {@code [0, lim)} are valid. */
    private int lim;
    private boolean eof;
    /** The byte offset of {@code buf[0]} in the (uncompressed) text. */
    private long offset;
    private long lineNo;

    ByteLines(InputStream in, String file) {
      this.in = in;
      this.file = file;
    }

    @Override
    public String next() throws IOException {
      int scanned = 0;
      while (true) {
        for (int i = scanned; i < lim; i++) {
          if (buf[i] == '\n') {
            return take(i, i + 1);
          }
        }
        scanned = lim;
        if (eof) {
          return lim == 0 ? null : take(lim, lim);
        }
        if (lim > MAX_LINE) {
          throw new DataException(tooLong(file, lineNo + 1));
        }
        if (lim == buf.length) {
          buf = Arrays.copyOf(buf, Math.min(2 * buf.length, MAX_LINE + 2));
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
          eof = true;
        } else {
          lim += n;
        }
      }
    }

    /** The line {@code buf[0, end)}; the next one starts at {@code next}. */
    private String take(int end, int next) {
      lineNo++;
      if (end > MAX_LINE) {
        throw new DataException(tooLong(file, lineNo));
      }
      int e = end > 0 && buf[end - 1] == '\r' ? end - 1 : end;
      boolean ascii = true;
      for (int i = 0; i < e && ascii; i++) {
        ascii = buf[i] >= 0;
      }
      String s = ascii ? new String(buf, 0, e, StandardCharsets.ISO_8859_1)
          : Messages.utf8(buf, 0, e, file, offset, lineNo);
      offset += next;
      System.arraycopy(buf, next, buf, 0, lim - next);
      lim -= next;
      return s;
    }
  }

  /** Lines of a reader, each at most {@link #MAX_LINE} characters long. */
  private static final class CharLines implements LineSource {
    private final BufferedReader in;
    private final String file;
    private final StringBuilder sb = new StringBuilder();
    private long lineNo;

    CharLines(Reader reader, String file) {
      this.in = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
      this.file = file;
    }

    @Override
    public String next() throws IOException {
      sb.setLength(0);
      int c = in.read();
      if (c < 0) {
        return null;
      }
      lineNo++;
      while (c >= 0 && c != '\n') {
        if (sb.length() >= MAX_LINE) {
          throw new DataException(tooLong(file, lineNo));
        }
        sb.append((char) c);
        c = in.read();
      }
      int e = sb.length();
      return sb.substring(0, e > 0 && sb.charAt(e - 1) == '\r' ? e - 1 : e);
    }
  }

  /** Which targets are class-index columns, from the header's column count. */
  private static boolean[] layout(
      String fileName, int columns, List<TensorInfo> inputs, List<TensorInfo> targets) {
    int total = 0;
    for (TensorInfo t : inputs) {
      total += t.size();
    }
    for (TensorInfo t : targets) {
      total += t.size();
    }
    int nTg = targets.size();
    boolean[] result = new boolean[nTg];
    if (columns == total) {
      return result;
    }
    if (nTg > 20) {
      throw new DataException(fileName + ":1: expected " + total + " columns, found " + columns);
    }
    int matches = 0;
    int found = 0;
    int minimum = total;
    for (int mask = 1; mask < (1 << nTg); mask++) {
      int count = total;
      boolean ok = true;
      for (int t = 0; t < nTg; t++) {
        if ((mask & (1 << t)) != 0) {
          int k = targets.get(t).size();
          ok &= k > 1 && !targets.get(t).integer();
          count -= k - 1;
        }
      }
      if (!ok) {
        continue;
      }
      minimum = Math.min(minimum, count);
      if (count == columns) {
        matches++;
        found = mask;
      }
    }
    if (matches == 1) {
      for (int t = 0; t < nTg; t++) {
        result[t] = (found & (1 << t)) != 0;
      }
      return result;
    }
    if (matches > 1) {
      throw new DataException(fileName + ":1: " + columns
          + " columns is ambiguous: several targets could be class-index columns");
    }
    String also = minimum < total ? " (or " + minimum + " with class-index targets)" : "";
    throw new DataException(
        fileName + ":1: expected " + total + " columns" + also + ", found " + columns);
  }

  private static String[] split(String line) {
    return line.split(",", -1);
  }

  private static String unquote(String s) {
    s = s.trim();
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1).replace("\"\"", "\"");
    }
    return s;
  }

  private static void parseRow(String line, String file, int lineNo, String[] names, double[] row) {
    int found = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == ',') {
        found++;
      }
    }
    if (found != row.length) {
      throw new DataException(
          file + ":" + lineNo + ": expected " + row.length + " columns, found " + found);
    }
    int c = 0;
    int start = 0;
    int len = line.length();
    while (true) {
      int comma = line.indexOf(',', start);
      int end = comma < 0 ? len : comma;
      row[c] = parseNumber(trimBlanks(line.substring(start, end)), file, lineNo, c, names);
      c++;
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
  }

  private static String where(String file, int lineNo, int c, String[] names) {
    String name = names[c].isEmpty() ? "" : " (" + Messages.clip(names[c]) + ")";
    return file + ":" + lineNo + ":" + (c + 1) + name;
  }

  /** {@code s} without leading and trailing spaces and tabs (not other control characters). */
  private static String trimBlanks(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
      b--;
    }
    return s.substring(a, b);
  }

  private static double parseNumber(String s, String file, int lineNo, int c, String[] names) {
    if (s.isEmpty()) {
      throw new DataException(where(file, lineNo, c, names) + ": empty value");
    }
    boolean nonzeroDigit = false;
    boolean exponent = false;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch == 0x7f) {
        throw new DataException(where(file, lineNo, c, names) + ": control character "
            + String.format(java.util.Locale.ROOT, "U+%04X", (int) ch) + " in a number: "
            + Messages.quote(s));
      }
      boolean ok = (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '+' || ch == 'e'
          || ch == 'E';
      if (!ok) {
        throw new DataException(where(file, lineNo, c, names) + ": not a number: " + Messages.quote(s));
      }
      exponent |= ch == 'e' || ch == 'E';
      nonzeroDigit |= !exponent && ch >= '1' && ch <= '9';
    }
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new DataException(where(file, lineNo, c, names) + ": not a number: " + Messages.quote(s));
    }
    if (!Double.isFinite(v)) {
      throw new DataException(where(file, lineNo, c, names) + ": number out of range (above "
          + Double.MAX_VALUE + " in magnitude): " + Messages.quote(s));
    }
    if (v == 0 && nonzeroDigit) {
      throw new DataException(where(file, lineNo, c, names) + ": number too small (it would be 0;"
          + " the smallest is " + Double.MIN_VALUE + "): " + Messages.quote(s));
    }
    return v;
  }

  /** The values of one input or target, growing as rows are read. */
  private static final class Column {
    private final TensorInfo info;
    private final int width;
    private final boolean classIndex;
    private final int first;
    private double[] values;
    private int[] labels;
    private int rows;

    Column(TensorInfo info, boolean classIndex, int first) {
      this.info = info;
      int width = info.size();
      this.width = width;
      this.classIndex = classIndex;
      this.first = first;
      this.values = new double[width * 64];
      this.labels = classIndex ? new int[64] : null;
    }

    void add(double[] row, String file, int lineNo, String[] names) {
      if ((long) (rows + 1) * width > Integer.MAX_VALUE - 8) {
        throw new DataException(file + ":" + lineNo + ": too much data for one array");
      }
      if ((rows + 1) * width > values.length) {
        values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * values.length));
      }
      int base = rows * width;
      if (classIndex) {
        double v = row[first];
        if (v != Math.rint(v)) {
          throw new DataException(where(file, lineNo, first, names)
              + ": class index must be an integer, found " + Csv.format(v));
        }
        if (v < 0 || v >= width) {
          throw new DataException(where(file, lineNo, first, names) + ": class index "
              + Csv.format(v) + " out of range 0.." + (width - 1));
        }
        if (rows == labels.length) {
          labels = Arrays.copyOf(labels, 2 * labels.length);
        }
        labels[rows] = (int) v;
        values[base + (int) v] = 1.0;
      } else {
        if (info.integer()) {
          for (int k = 0; k < width; k++) {
            double v = row[first + k];
            if (v != Math.rint(v)) {
              throw new DataException(where(file, lineNo, first + k, names) + ": '" + Messages.clip(info.name())
                  + "' is an int column, but this is not an integer: " + Csv.format(v));
            }
            if (!info.validId(v)) {
              throw new DataException(where(file, lineNo, first + k, names) + ": " + Csv.format(v) + " is out of range for '"
                  + Messages.clip(info.name()) + "', which holds " + info.validIds());
            }
          }
        }
        System.arraycopy(row, first, values, base, width);
      }
      rows++;
    }

    double[] values() {
      return Arrays.copyOf(values, rows * width);
    }

    int[] labels() {
      return labels == null ? null : Arrays.copyOf(labels, rows);
    }
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** The column names of a header, in order (for tools that write CSV files). */
  public static List<String> columnNames(List<TensorInfo> inputs, List<TensorInfo> targets) {
    List<String> out = new ArrayList<>();
    for (TensorInfo t : inputs) {
      addNames(t, out);
    }
    for (TensorInfo t : targets) {
      addNames(t, out);
    }
    return out;
  }

  private static void addNames(TensorInfo t, List<String> out) {
    int[] s = t.shape();
    if (s.length == 0) {
      out.add(t.name());
    } else if (s.length == 1) {
      for (int i = 0; i < s[0]; i++) {
        out.add(t.name() + "_" + i);
      }
    } else {
      for (int i = 0; i < s[0]; i++) {
        for (int j = 0; j < s[1]; j++) {
          out.add(t.name() + "_" + i + "_" + j);
        }
      }
    }
  }
}
