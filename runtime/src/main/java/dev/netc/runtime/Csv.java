package dev.netc.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

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
  private Csv() {}

  /** Loads {@code file} for the inputs and targets of {@code model}. */
  public static Dataset load(Path file, Model model) {
    return load(file, model.inputs(), model.targets());
  }

  /** Loads {@code file} for the given inputs and targets. */
  public static Dataset load(Path file, List<TensorInfo> inputs, List<TensorInfo> targets) {
    String name = file.toString();
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in = new BufferedInputStream(raw, 1 << 16);
      if (name.endsWith(".gz") || isGzip(in)) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      return read(new InputStreamReader(in, StandardCharsets.UTF_8), name, inputs, targets);
    } catch (NoSuchFileException e) {
      throw new DataException(name + ": no such file");
    } catch (IOException e) {
      throw new DataException(name + ": cannot read: " + e.getMessage(), e);
    }
  }

  static boolean isGzip(InputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b;
  }

  /**
   * Reads CSV text from {@code reader}; {@code fileName} is used in messages only. The reader is
   * not closed.
   */
  public static Dataset read(
      Reader reader, String fileName, List<TensorInfo> inputs, List<TensorInfo> targets)
      throws IOException {
    BufferedReader br = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
    String header = br.readLine();
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
    boolean[] classIndex = layout(fileName, names.length, inputs, targets);
    int nIn = inputs.size();
    int nTg = targets.size();
    Column[] cols = new Column[nIn + nTg];
    int col = 0;
    for (int i = 0; i < nIn + nTg; i++) {
      boolean isTarget = i >= nIn;
      TensorInfo info = isTarget ? targets.get(i - nIn) : inputs.get(i);
      boolean ci = isTarget && classIndex[i - nIn];
      cols[i] = new Column(info.size(), ci, col);
      col += ci ? 1 : info.size();
    }
    int n = 0;
    int lineNo = 1;
    int blankLine = 0;
    String line;
    double[] row = new double[names.length];
    while ((line = br.readLine()) != null) {
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
          ok &= k > 1;
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
      row[c] = parseNumber(line.substring(start, end).trim(), file, lineNo, c, names);
      c++;
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
  }

  private static String where(String file, int lineNo, int c, String[] names) {
    String name = names[c].isEmpty() ? "" : " (" + names[c] + ")";
    return file + ":" + lineNo + ":" + (c + 1) + name;
  }

  private static double parseNumber(String s, String file, int lineNo, int c, String[] names) {
    if (s.isEmpty()) {
      throw new DataException(where(file, lineNo, c, names) + ": empty value");
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean ok = (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '+' || ch == 'e'
          || ch == 'E';
      if (!ok) {
        throw new DataException(where(file, lineNo, c, names) + ": not a number: \"" + s + "\"");
      }
    }
    double v;
    try {
      v = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new DataException(where(file, lineNo, c, names) + ": not a number: \"" + s + "\"");
    }
    if (!Double.isFinite(v)) {
      throw new DataException(
          where(file, lineNo, c, names) + ": number out of range: \"" + s + "\"");
    }
    return v;
  }

  /** The values of one input or target, growing as rows are read. */
  private static final class Column {
    private final int width;
    private final boolean classIndex;
    private final int first;
    private double[] values;
    private int[] labels;
    private int rows;

    Column(int width, boolean classIndex, int first) {
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
