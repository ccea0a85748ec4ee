package dev.netc.compiler.emit;

import java.util.ArrayList;
import java.util.List;

/**
 * A finished piece of a method body, as the planner decided it: statements, comments and
 * blocks with a header such as {@code for (int i = 0; i < 4; i++)}. The writer only prints it.
 */
public sealed interface Code {
  /** One statement, without its semicolon. */
  record Stmt(String text) implements Code {}

  /** A {@code //} comment line (already made safe to print). */
  record Comment(String text) implements Code {}

  /** {@code header { body }}. */
  record Block(String header, List<Code> body) implements Code {
    public Block {
      body = List.copyOf(body);
    }
  }

  /** A little builder for nested code. */
  final class Builder {
    private final List<Code> items = new ArrayList<>();

    /** A statement: {@code format} with each {@code %s} or {@code %d} replaced by the next argument. */
    public Builder stmt(String format, Object... args) {
      items.add(new Stmt(args.length == 0 ? format : format(format, args)));
      return this;
    }

    /**
     * {@code String.format(Locale.ROOT, format, args)} for the only conversions the emitter uses,
     * {@code %s} and {@code %d} of strings and ints (and {@code %%}), without the cost of
     * {@link java.util.Formatter}, which was a good part of planning a deep network.
     */
    static String format(String format, Object... args) {
      StringBuilder b = new StringBuilder(format.length() + 32);
      int next = 0;
      for (int i = 0; i < format.length(); i++) {
        char ch = format.charAt(i);
        if (ch != '%') {
          b.append(ch);
          continue;
        }
        char conversion = i + 1 < format.length() ? format.charAt(++i) : ' ';
        if (conversion == '%') {
          b.append('%');
        } else if (conversion == 's' || conversion == 'd' && args[next] instanceof Integer) {
          b.append(args[next++]);
        } else {
          throw new IllegalArgumentException("unsupported format: " + format);
        }
      }
      if (next != args.length) {
        throw new IllegalArgumentException("too many arguments for " + format);
      }
      return b.toString();
    }

    public Builder comment(String text) {
      items.add(new Comment(text));
      return this;
    }

    public Builder block(String header, Builder body) {
      items.add(new Block(header, body.build()));
      return this;
    }

    public Builder add(Code c) {
      items.add(c);
      return this;
    }

    public Builder addAll(List<Code> cs) {
      items.addAll(cs);
      return this;
    }

    public boolean isEmpty() {
      return items.isEmpty();
    }

    public List<Code> build() {
      return List.copyOf(items);
    }
  }
}
