package dev.netc.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Text data for character-level sequence models: a UTF-8 file of lines (plain or gzip), one
 * example per line (a word, a name), turned into integer sequences with a {@link Vocabulary}.
 *
 * <p>Two layouts, chosen by the network's shapes:
 *
 * <ul>
 *   <li>{@link #sequences}: an input {@code tok[T] int} and a target {@code next[T] int}. A line
 *       of n characters is the sequence boundary, c0, ..., c(n-1), boundary; the input is its
 *       first T ids and the target the T ids one step later, both padded with {@link
 *       Vocabulary#PAD} (so a target declared {@code ignore=0} skips the padding). A line of more
 *       than T - 1 characters is cut into windows starting every T positions.
 *   <li>{@link #windows}: an input {@code ctx[K] int} and a scalar target {@code next int}: one
 *       example per predicted character (n + 1 per line, the last predicting the boundary), the
 *       input the K ids before it, with boundaries before the first character (Bengio et al.
 *       2003; Karpathy's makemore).
 * </ul>
 */
public final class TextData {
  private TextData() {}

  /**
   * How a network reads text: {@code sequence} (an input {@code [T]} and a target {@code [T]})
   * or {@code window} (an input {@code [K]} and a target {@code []} or {@code [1]}), with
   * {@code width} T or K.
   */
  public record Layout(boolean sequence, int width) {
    /**
     * The layout of {@code model}'s one input and one target.
     *
     * @throws IllegalArgumentException saying what the network must declare, when it has another shape
     */
    public static Layout of(Model model) {
      List<TensorInfo> in = model.inputs();
      List<TensorInfo> out = model.targets();
      if (in.size() == 1 && out.size() == 1 && in.get(0).shape().length == 1
          && in.get(0).integer() && out.get(0).integer()) {
        int[] x = in.get(0).shape();
        int[] y = out.get(0).shape();
        if (y.length == 1 && y[0] == x[0] && x[0] > 1) {
          return new Layout(true, x[0]);
        }
        if (y.length == 0 || (y.length == 1 && y[0] == 1)) {
          return new Layout(false, x[0]);
        }
      }
      throw new IllegalArgumentException("text data needs a network with one input and one target,"
          + " either tok[T] int and next[T] int (a sequence model) or ctx[K] int and next int (a"
          + " context window); network " + model.name() + " has inputs " + in + " and targets " + out);
    }

    /** The examples of {@code lines} in this layout. */
    public Examples examples(List<String> lines, Vocabulary vocabulary) {
      return sequence ? sequences(lines, vocabulary, width) : windows(lines, vocabulary, width);
    }

    /** How many ids a network's output must at least classify: its last axis, checked against a vocabulary. */
    public void checkOutput(Model model, Vocabulary vocabulary) {
      if (model.outputs().isEmpty()) {
        return;
      }
      TensorInfo z = model.outputs().get(0);
      int[] s = z.shape();
      int rank = sequence ? 2 : 1;
      if (s.length != rank || (sequence && s[0] != width)) {
        throw new IllegalArgumentException("network " + model.name() + "'s output " + z + " should be "
            + (sequence ? "[" + width + ", V]" : "[V]") + ": scores for the next character"
            + (sequence ? " at every position" : ""));
      }
      if (s[rank - 1] < vocabulary.size()) {
        throw new IllegalArgumentException("the text has " + vocabulary.size() + " ids (padding, boundary and "
            + (vocabulary.size() - 2) + " characters) but network " + model.name() + "'s output " + z
            + " scores only " + s[rank - 1] + "; make its last axis at least " + vocabulary.size());
      }
    }
  }

  /**
   * A data set of {@code examples} laid out for {@code model} (ids as exact doubles, as the
   * {@link Model} interface carries {@code int} inputs and targets).
   */
  public static Dataset dataset(Model model, Examples examples) {
    double[] x = new double[examples.inputs().length];
    double[] y = new double[examples.targets().length];
    for (int i = 0; i < x.length; i++) {
      x[i] = examples.inputs()[i];
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = examples.targets()[i];
    }
    return new Dataset(model.inputs(), model.targets(), examples.count(), new double[][] {x}, new double[][] {y},
        null, false);
  }

  /**
   * The mean loss per predicted character of {@code examples} (nats per character when the
   * network's loss is the softmax cross-entropy per example, as a mean over its non-padding
   * positions): each example's loss weighted by its count of non-padding targets.
   */
  public static double lossPerCharacter(Model model, Examples examples) {
    double[][] in = {new double[examples.inputWidth()]};
    double[][] tg = {new double[examples.targetWidth()]};
    double sum = 0;
    long count = 0;
    for (int e = 0; e < examples.count(); e++) {
      int n = 0;
      for (int i = 0; i < examples.inputWidth(); i++) {
        in[0][i] = examples.inputs()[e * examples.inputWidth() + i];
      }
      for (int i = 0; i < examples.targetWidth(); i++) {
        int id = examples.targets()[e * examples.targetWidth() + i];
        tg[0][i] = id;
        n += id == Vocabulary.PAD ? 0 : 1;
      }
      if (n > 0) {
        sum += model.lossBatch(1, in, tg) * n;
        count += n;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }

  /** Examples as flat example-major id arrays: {@code count * inputWidth} and {@code count * targetWidth}. */
  public record Examples(int count, int inputWidth, int targetWidth, int[] inputs, int[] targets) {}

  /** Lines split into a training part and a validation part. */
  public record Split(List<String> train, List<String> validation) {}

  /**
   * The non-empty lines of {@code file} (UTF-8, gzip when it starts with gzip's magic bytes or
   * its name ends in {@code .gz}), without their line terminators ({@code \n} or {@code \r\n}),
   * keeping only those that {@code keep} matches in full when it is not null.
   *
   * @throws DataException naming the file and line of bytes that are not UTF-8, or when no line
   *     is left
   */
  public static List<String> readLines(Path file, Pattern keep) {
    String name = file.toString();
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    List<String> lines = new ArrayList<>();
    int read = 0;
    try (InputStream in = Csv.open(file)) {
      byte[] buf = new byte[1 << 16];
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int lineNumber = 1;
      int n;
      while (true) {
        n = in.read(buf);
        int start = 0;
        for (int i = 0; i < Math.max(n, 0); i++) {
          if (buf[i] == '\n') {
            line.write(buf, start, i - start);
            read += add(lines, line, utf8, keep, name, lineNumber++);
            line.reset();
            start = i + 1;
          }
        }
        if (n < 0) {
          read += add(lines, line, utf8, keep, name, lineNumber);
          break;
        }
        line.write(buf, start, n - start);
        if (line.size() > MAX_LINE_BYTES) {
          throw new DataException(name + ":" + lineNumber + ": line longer than " + MAX_LINE_BYTES
              + " bytes; is this a text file of one example per line?");
        }
      }
    } catch (GzipStream.Corrupt e) {
      throw new DataException(name + ": corrupted gzip data: " + e.getMessage());
    } catch (IOException e) {
      throw new DataException(name + ": cannot read: " + Messages.reason(e), e);
    }
    if (lines.isEmpty()) {
      throw new DataException(name + ": no lines" + (read > 0 ? " match " + keep.pattern() + " (of " + read + ")" : ""));
    }
    return lines;
  }

  /** The longest line {@link #readLines} accepts, in bytes. */
  static final int MAX_LINE_BYTES = 1 << 20;

  /** Adds the line if it is not empty and matches; returns 1 when it was not empty. */
  private static int add(
      List<String> lines, ByteArrayOutputStream bytes, CharsetDecoder utf8, Pattern keep, String name, int lineNumber) {
    byte[] b = bytes.toByteArray();
    int length = b.length;
    if (length > 0 && b[length - 1] == '\r') {
      length--;
    }
    if (length == 0) {
      return 0;
    }
    String s;
    try {
      s = utf8.reset().decode(ByteBuffer.wrap(b, 0, length)).toString();
    } catch (CharacterCodingException e) {
      int at = firstBadByte(b, length);
      throw new DataException(name + ":" + lineNumber + ":" + (at + 1) + ": not UTF-8 text (byte 0x"
          + String.format("%02X", b[at] & 0xff) + " at byte " + (at + 1) + " of the line)");
    }
    if (s.indexOf('\0') >= 0) {
      throw new DataException(name + ":" + lineNumber + ": contains a NUL character; is this a text file?");
    }
    if (keep == null || keep.matcher(s).matches()) {
      lines.add(s);
    }
    return 1;
  }

  /** The index of the first byte of {@code b[0, length)} that does not begin a valid UTF-8 sequence. */
  static int firstBadByte(byte[] b, int length) {
    int i = 0;
    while (i < length) {
      int c = b[i] & 0xff;
      int need;
      int lo = 0x80;
      int hi = 0xBF;
      if (c < 0x80) {
        i++;
        continue;
      } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80; // no overlong forms
        hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; // at most U+10FFFF
      } else {
        return i;
      }
      if (i + need >= length) {
        return i;
      }
      for (int k = 1; k <= need; k++) {
        int d = b[i + k] & 0xff;
        if (k == 1 ? d < lo || d > hi : (d & 0xC0) != 0x80) {
          return i;
        }
      }
      i += need + 1;
    }
    return Math.max(0, length - 1);
  }

  /**
   * Splits {@code lines} reproducibly: a share {@code validationFraction} of them, drawn with
   * {@code seed}, for validation (at least one line when the fraction is above 0 and there are
   * two lines or more), the rest for training, each part in file order.
   */
  public static Split split(List<String> lines, double validationFraction, long seed) {
    if (!(validationFraction >= 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("validation fraction must be in [0, 1): " + validationFraction);
    }
    int n = lines.size();
    int held = (int) Math.round(n * validationFraction);
    if (validationFraction > 0 && held == 0 && n >= 2) {
      held = 1;
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    new Rng(Rng.derive(seed, 0x7e47L)).shuffle(order);
    boolean[] validation = new boolean[n];
    for (int i = 0; i < held; i++) {
      validation[order[i]] = true;
    }
    List<String> train = new ArrayList<>(n - held);
    List<String> valid = new ArrayList<>(held);
    for (int i = 0; i < n; i++) {
      (validation[i] ? valid : train).add(lines.get(i));
    }
    return new Split(List.copyOf(train), List.copyOf(valid));
  }

  /**
   * The sequence layout: per window, {@code length} input ids and {@code length} target ids (see
   * the class comment).
   */
  public static Examples sequences(List<String> lines, Vocabulary vocabulary, int length) {
    if (length < 1) {
      throw new IllegalArgumentException("sequence length must be at least 1: " + length);
    }
    List<int[]> in = new ArrayList<>();
    List<int[]> out = new ArrayList<>();
    for (String line : lines) {
      int[] ids = vocabulary.encode(line);
      int[] full = new int[ids.length + 2];
      full[0] = Vocabulary.BOUNDARY;
      System.arraycopy(ids, 0, full, 1, ids.length);
      full[full.length - 1] = Vocabulary.BOUNDARY;
      for (int start = 0; start < full.length - 1; start += length) {
        int[] x = new int[length];
        int[] y = new int[length];
        for (int t = 0; t < length && start + t + 1 < full.length; t++) {
          x[t] = full[start + t];
          y[t] = full[start + t + 1];
        }
        in.add(x);
        out.add(y);
      }
    }
    return flatten(in, out, length, length);
  }

  /**
   * The context-window layout: per predicted character, the {@code context} ids before it and
   * its own id (see the class comment).
   */
  public static Examples windows(List<String> lines, Vocabulary vocabulary, int context) {
    if (context < 1) {
      throw new IllegalArgumentException("context must be at least 1: " + context);
    }
    List<int[]> in = new ArrayList<>();
    List<int[]> out = new ArrayList<>();
    for (String line : lines) {
      int[] ids = vocabulary.encode(line);
      int[] full = new int[context + ids.length + 1];
      java.util.Arrays.fill(full, 0, context, Vocabulary.BOUNDARY);
      System.arraycopy(ids, 0, full, context, ids.length);
      full[full.length - 1] = Vocabulary.BOUNDARY;
      for (int i = 0; i + context < full.length; i++) {
        in.add(java.util.Arrays.copyOfRange(full, i, i + context));
        out.add(new int[] {full[i + context]});
      }
    }
    return flatten(in, out, context, 1);
  }

  private static Examples flatten(List<int[]> in, List<int[]> out, int inputWidth, int targetWidth) {
    int n = in.size();
    int[] x = new int[Math.multiplyExact(n, inputWidth)];
    int[] y = new int[Math.multiplyExact(n, targetWidth)];
    for (int e = 0; e < n; e++) {
      System.arraycopy(in.get(e), 0, x, e * inputWidth, inputWidth);
      System.arraycopy(out.get(e), 0, y, e * targetWidth, targetWidth);
    }
    return new Examples(n, inputWidth, targetWidth, x, y);
  }
}
