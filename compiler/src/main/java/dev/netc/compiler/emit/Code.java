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

    public Builder stmt(String format, Object... args) {
      items.add(new Stmt(args.length == 0 ? format : String.format(java.util.Locale.ROOT, format, args)));
      return this;
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
