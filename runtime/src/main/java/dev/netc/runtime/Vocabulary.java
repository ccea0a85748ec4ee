package dev.netc.runtime;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * A character vocabulary for text models: id {@value #PAD} pads a sequence (a target declared
 * {@code ignore=0} skips it), id {@value #BOUNDARY} marks the start and the end of a line, and
 * ids 2, 3, ... are the characters (Unicode code points) of the training text in code point
 * order. It is saved with the params ({@link #METADATA_KEY}), so that a trained model can be
 * sampled without its data.
 */
public final class Vocabulary {
  /** The padding id: fills a sequence past the end of its line. */
  public static final int PAD = 0;

  /** The boundary id: before the first character of a line and after its last. */
  public static final int BOUNDARY = 1;

  /** The key under which a params file keeps the vocabulary ({@link #characters()}). */
  public static final String METADATA_KEY = "netc.vocabulary";

  private final int[] codePoints; // id - 2 -> code point, ascending

  private Vocabulary(int[] codePoints) {
    this.codePoints = codePoints;
  }

  /** The vocabulary of every character in {@code lines}. */
  public static Vocabulary of(Iterable<String> lines) {
    TreeSet<Integer> seen = new TreeSet<>();
    for (String line : lines) {
      line.codePoints().forEach(seen::add);
    }
    return new Vocabulary(seen.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * The vocabulary whose characters, from id 2 on, are those of {@code characters} in order (as
   * {@link #characters()} writes them); they must be distinct and ascending.
   *
   * @throws IllegalArgumentException if they are not
   */
  public static Vocabulary fromCharacters(String characters) {
    int[] cps = characters.codePoints().toArray();
    for (int i = 1; i < cps.length; i++) {
      if (cps[i] <= cps[i - 1]) {
        throw new IllegalArgumentException("vocabulary characters must be distinct and in code point order");
      }
    }
    return new Vocabulary(cps);
  }

  /** The characters of ids 2, 3, ... in order, as one string. */
  public String characters() {
    return new String(codePoints, 0, codePoints.length);
  }

  /** The number of ids, padding and boundary included. */
  public int size() {
    return codePoints.length + 2;
  }

  /** Whether {@code codePoint} has an id. */
  public boolean contains(int codePoint) {
    return Arrays.binarySearch(codePoints, codePoint) >= 0;
  }

  /**
   * The id of {@code codePoint}.
   *
   * @throws IllegalArgumentException if the vocabulary does not have it
   */
  public int id(int codePoint) {
    int i = Arrays.binarySearch(codePoints, codePoint);
    if (i < 0) {
      throw new IllegalArgumentException("character " + describe(codePoint) + " is not in the vocabulary");
    }
    return i + 2;
  }

  /** The ids of the characters of {@code text}, without boundaries. */
  public int[] encode(String text) {
    return text.codePoints().map(this::id).toArray();
  }

  /** The code point of {@code id}, which must be at least 2. */
  public int codePoint(int id) {
    if (id < 2 || id >= size()) {
      throw new IllegalArgumentException("id " + id + " is not a character of this vocabulary (2 to "
          + (size() - 1) + ")");
    }
    return codePoints[id - 2];
  }

  /** The text of {@code ids}: characters in order, stopping at the first padding or boundary. */
  public String decode(int[] ids) {
    StringBuilder s = new StringBuilder();
    for (int id : ids) {
      if (id == PAD || id == BOUNDARY) {
        break;
      }
      s.appendCodePoint(codePoint(id));
    }
    return s.toString();
  }

  /** A character as users read it in a message: itself when printable, else U+XXXX. */
  static String describe(int codePoint) {
    if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)
        || !Character.isDefined(codePoint)) {
      return String.format("U+%04X", codePoint);
    }
    return "'" + new String(Character.toChars(codePoint)) + "' (U+" + String.format("%04X", codePoint) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocabulary v && Arrays.equals(codePoints, v.codePoints);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(codePoints);
  }

  @Override
  public String toString() {
    return "Vocabulary(" + size() + " ids: pad, boundary, " + characters() + ")";
  }
}
