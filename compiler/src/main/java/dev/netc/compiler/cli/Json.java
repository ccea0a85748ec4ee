package dev.netc.compiler.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON that {@code netc eval} reads and writes. Reading gives {@link Map} (keys in
 * order), {@link List}, {@link Num}, {@link String}, {@link Boolean} and {@link #NULL}; every
 * value remembers where it starts, so that errors can name a line and a column. Writing prints
 * numbers with {@link Double#toString}, which reads back to the same double; NaN and the
 * infinities, which JSON cannot express, are written as the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"} (and read back as numbers where a number is wanted).
 */
final class Json {
  private Json() {}

  /** A JSON null. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** A number and where it was read. */
  record Num(double value, int line, int column) {}

  /** A problem in JSON text, at a 1-based line and column. */
  static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;

    JsonException(int line, int column, String message) {
      super(line + ":" + column + ": " + message, null, false, false);
      this.line = line;
      this.column = column;
    }
  }

  /** Parses one JSON value (the whole text, nothing after it but white space). */
  static Object parse(String text) throws JsonException {
    Reader r = new Reader(text);
    r.skipSpace();
    if (r.pos >= text.length()) {
      throw r.error("empty file: expected a JSON object");
    }
    Object v = r.value(0);
    r.skipSpace();
    if (r.pos < text.length()) {
      throw r.error("unexpected " + r.describe() + " after the end of the JSON value");
    }
    return v;
  }

  /** A parsed object: members in order, with the position of each value. */
  static final class Obj {
    final Map<String, Object> members = new LinkedHashMap<>();
    final Map<String, int[]> where = new LinkedHashMap<>();
    final int line;
    final int column;

    Obj(int line, int column) {
      this.line = line;
      this.column = column;
    }
  }

  /** A parsed array with its position. */
  static final class Arr {
    final List<Object> items = new ArrayList<>();
    final int line;
    final int column;

    Arr(int line, int column) {
      this.line = line;
      this.column = column;
    }
  }

  private static final int MAX_DEPTH = 512;

  private static final class Reader {
    final String s;
    int pos;
    int line = 1;
    int lineStart;

    Reader(String s) {
      this.s = s;
      if (s.startsWith("\uFEFF")) {
        pos = 1;
        lineStart = 1;
      }
    }

    int column() {
      return s.codePointCount(lineStart, pos) + 1;
    }

    JsonException error(String message) {
      return new JsonException(line, column(), message);
    }

    String describe() {
      if (pos >= s.length()) {
        return "end of file";
      }
      int cp = s.codePointAt(pos);
      return cp < 0x20 ? String.format("character U+%04X", cp) : "'" + new String(Character.toChars(cp)) + "'";
    }

    void skipSpace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '\n') {
          line++;
          pos++;
          lineStart = pos;
        } else if (c == '\r') {
          line++;
          pos++;
          if (pos < s.length() && s.charAt(pos) == '\n') {
            pos++;
          }
          lineStart = pos;
        } else if (c == ' ' || c == '\t') {
          pos++;
        } else {
          break;
        }
      }
    }

    Object value(int depth) throws JsonException {
      if (depth > MAX_DEPTH) {
        throw error("nested too deeply");
      }
      if (pos >= s.length()) {
        throw error("unexpected end of file: expected a value");
      }
      char c = s.charAt(pos);
      int l = line;
      int col = column();
      switch (c) {
        case '{' -> {
          pos++;
          Obj o = new Obj(l, col);
          skipSpace();
          if (peek('}')) {
            pos++;
            return o;
          }
          while (true) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != '"') {
              throw error("expected a member name in double quotes, found " + describe());
            }
            int kl = line;
            int kc = column();
            String key = string();
            if (o.members.containsKey(key)) {
              throw new JsonException(kl, kc, "duplicate name \"" + key + "\"");
            }
            skipSpace();
            expect(':');
            skipSpace();
            int vl = line;
            int vc = column();
            o.members.put(key, value(depth + 1));
            o.where.put(key, new int[] {vl, vc});
            skipSpace();
            if (peek(',')) {
              pos++;
              continue;
            }
            if (peek('}')) {
              pos++;
              return o;
            }
            throw error("expected ',' or '}', found " + describe());
          }
        }
        case '[' -> {
          pos++;
          Arr a = new Arr(l, col);
          skipSpace();
          if (peek(']')) {
            pos++;
            return a;
          }
          while (true) {
            skipSpace();
            a.items.add(value(depth + 1));
            skipSpace();
            if (peek(',')) {
              pos++;
              continue;
            }
            if (peek(']')) {
              pos++;
              return a;
            }
            throw error("expected ',' or ']', found " + describe());
          }
        }
        case '"' -> {
          return string();
        }
        case 't', 'f', 'n' -> {
          for (String word : new String[] {"true", "false", "null"}) {
            if (s.startsWith(word, pos)) {
              pos += word.length();
              return word.equals("null") ? NULL : Boolean.valueOf(word.equals("true"));
            }
          }
          throw error("unexpected " + describe());
        }
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error("unexpected " + describe() + ": expected a value");
        }
      }
    }

    boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    void expect(char c) throws JsonException {
      if (!peek(c)) {
        throw error("expected '" + c + "', found " + describe());
      }
      pos++;
    }

    Num number() throws JsonException {
      int l = line;
      int col = column();
      int start = pos;
      if (peek('-')) {
        pos++;
      }
      if (peek('0')) {
        pos++;
      } else if (digits() == 0) {
        throw error("expected a digit, found " + describe());
      }
      if (peek('.')) {
        pos++;
        if (digits() == 0) {
          throw error("expected a digit after '.', found " + describe());
        }
      }
      if (peek('e') || peek('E')) {
        pos++;
        if (peek('+') || peek('-')) {
          pos++;
        }
        if (digits() == 0) {
          throw error("expected a digit in the exponent, found " + describe());
        }
      }
      if (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '.')) {
        throw error("malformed number: unexpected " + describe());
      }
      double v = Double.parseDouble(s.substring(start, pos));
      if (Double.isInfinite(v)) {
        throw new JsonException(l, col, "number out of range: " + s.substring(start, pos));
      }
      return new Num(v, l, col);
    }

    int digits() {
      int n = 0;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
        n++;
      }
      return n;
    }

    String string() throws JsonException {
      pos++; // opening quote
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          pos++;
          return sb.toString();
        }
        if (c < 0x20) {
          throw error("control character in a string (an unterminated string?)");
        }
        if (c == '\\') {
          pos++;
          if (pos >= s.length()) {
            throw error("unterminated string");
          }
          char e = s.charAt(pos);
          switch (e) {
            case '"', '\\', '/' -> sb.append(e);
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
              if (pos + 4 >= s.length()) {
                throw error("bad \\u escape");
              }
              try {
                sb.append((char) Integer.parseInt(s.substring(pos + 1, pos + 5), 16));
              } catch (NumberFormatException ex) {
                throw error("bad \\u escape");
              }
              pos += 4;
            }
            default -> throw error("bad escape '\\" + e + "'");
          }
          pos++;
        } else {
          sb.append(c);
          pos++;
        }
      }
    }
  }

  // ---------------------------------------------------------------- writing

  /** A number as JSON: {@link Double#toString}, or a string for NaN and the infinities. */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "\"NaN\"";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    }
    return Double.toString(v);
  }

  /** A string as JSON, quoted and escaped. */
  static String string(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** {@code [a, b, c]} */
  static String array(double[] values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(number(values[i]));
    }
    return sb.append(']').toString();
  }

  /** An object of arrays, one member a line, indented by {@code indent}. */
  static String arrays(Map<String, double[]> members, String indent) {
    if (members.isEmpty()) {
      return "{}";
    }
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, double[]> e : members.entrySet()) {
      sb.append(indent).append("  ").append(string(e.getKey())).append(": ").append(array(e.getValue()));
      sb.append(++i < members.size() ? ",\n" : "\n");
    }
    return sb.append(indent).append('}').toString();
  }
}
