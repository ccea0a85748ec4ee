package dev.netc.runtime;

/**
 * Writes new lines with a trained character model: starting from the boundary (and an optional
 * prefix), it asks the model for the scores of the next character, draws one from
 * {@code softmax(scores / temperature)} (never the padding id), and stops at the boundary.
 *
 * <pre>{@code
 * Words model = new Words(1);
 * ParamsFile.load(model, Path.of("words.params"));
 * TextSampler sampler = TextSampler.of(model, Vocabulary.fromCharacters(
 *     ParamsFile.metadata(Path.of("words.params")).get(Vocabulary.METADATA_KEY)));
 * Rng rng = new Rng(42);
 * String word = sampler.sample(rng, 1.0, "");
 * }</pre>
 *
 * <p>A sequence model ({@code tok[T]}) writes at most T - 1 characters; a context-window model
 * at most {@link #MAX_WINDOW_LENGTH}. The model is used in prediction mode (dropout off). Not
 * thread-safe: one sampler per thread.
 */
public final class TextSampler {
  /** The longest line a context-window model writes. */
  public static final int MAX_WINDOW_LENGTH = 200;

  private final Model model;
  private final Vocabulary vocabulary;
  private final TextData.Layout layout;
  private final double[][] input;
  private final double[][] output;
  private final double[] p;

  private TextSampler(Model model, Vocabulary vocabulary, TextData.Layout layout) {
    this.model = model;
    this.vocabulary = vocabulary;
    this.layout = layout;
    if (model.outputs().isEmpty()) {
      throw new IllegalArgumentException("network " + model.name() + " has no output to sample from");
    }
    layout.checkOutput(model, vocabulary);
    this.input = new double[][] {new double[layout.width()]};
    this.output = new double[][] {new double[model.outputs().get(0).size()]};
    this.p = new double[vocabulary.size()];
  }

  /**
   * A sampler for {@code model} and its {@code vocabulary}.
   *
   * @throws IllegalArgumentException if the network does not read text (see {@link TextData.Layout#of})
   *     or its output is too small for the vocabulary
   */
  public static TextSampler of(Model model, Vocabulary vocabulary) {
    return new TextSampler(model, vocabulary, TextData.Layout.of(model));
  }

  /** The longest line this sampler writes, prefix included. */
  public int maxLength() {
    return layout.sequence() ? layout.width() - 1 : MAX_WINDOW_LENGTH;
  }

  /**
   * One line: {@code prefix} followed by the characters drawn until the model picks the boundary
   * (or the line reaches {@link #maxLength()}).
   *
   * @param temperature above 0: 1 samples the model's distribution, lower values sharpen it
   * @throws IllegalArgumentException if the temperature is not above 0, the prefix has a character
   *     outside the vocabulary or is longer than {@link #maxLength()}
   */
  public String sample(Rng rng, double temperature, String prefix) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be above 0, got " + temperature);
    }
    int[] start = vocabulary.encode(prefix);
    int max = maxLength();
    if (start.length > max) {
      throw new IllegalArgumentException("prefix of " + start.length + " characters is longer than the "
          + max + " this model writes");
    }
    int[] ids = new int[max + 1];
    ids[0] = Vocabulary.BOUNDARY;
    System.arraycopy(start, 0, ids, 1, start.length);
    int n = 1 + start.length; // ids[0, n) written so far
    while (n <= max) {
      int next = draw(rng, temperature, ids, n);
      if (next == Vocabulary.BOUNDARY) {
        break;
      }
      ids[n++] = next;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 1; i < n; i++) {
      s.appendCodePoint(vocabulary.codePoint(ids[i]));
    }
    return s.toString();
  }

  /** Draws the id after {@code ids[0, n)}. */
  private int draw(Rng rng, double temperature, int[] ids, int n) {
    double[] x = input[0];
    int row;
    if (layout.sequence()) {
      java.util.Arrays.fill(x, Vocabulary.PAD);
      for (int i = 0; i < n; i++) {
        x[i] = ids[i];
      }
      row = n - 1;
    } else {
      int k = layout.width();
      for (int i = 0; i < k; i++) {
        int at = n - k + i;
        x[i] = at < 0 ? Vocabulary.BOUNDARY : ids[at];
      }
      row = 0;
    }
    model.predictBatch(1, input, output);
    int classes = model.outputs().get(0).shape()[model.outputs().get(0).shape().length - 1];
    int base = row * classes;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 1; c < p.length; c++) {
      max = Math.max(max, output[0][base + c] / temperature);
    }
    double total = 0;
    for (int c = 1; c < p.length; c++) {
      double e = Math.exp(output[0][base + c] / temperature - max);
      p[c] = e;
      total += e;
    }
    if (!(total > 0) || Double.isNaN(max)) {
      throw new IllegalStateException("the model's scores are not finite (" + output[0][base + 1]
          + ", ...): are the params trained?");
    }
    double u = rng.nextDouble() * total;
    int last = 1;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > 0) {
        last = c;
      }
      u -= p[c];
      if (u < 0) {
        return c;
      }
    }
    return last;
  }
}
