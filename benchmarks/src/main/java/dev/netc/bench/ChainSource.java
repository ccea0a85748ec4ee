package dev.netc.bench;

/** The text of a tanh chain network, as gen-chains.py writes it. */
public final class ChainSource {
  private ChainSource() {}

  public static String chain(String name, int depth, int width) {
    StringBuilder s = new StringBuilder();
    s.append("network ").append(name).append(" {\n");
    s.append("    input  x[").append(width).append("]\n");
    s.append("    target y[").append(width).append("]\n");
    for (int i = 1; i <= depth; i++) {
      s.append("    param  W").append(i).append('[').append(width).append(", ").append(width)
          .append("] init xavier\n");
      s.append("    param  b").append(i).append('[').append(width).append("]\n");
    }
    String prev = "x";
    for (int i = 1; i <= depth; i++) {
      s.append("    h").append(i).append(" = tanh(W").append(i).append(" * ").append(prev)
          .append(" + b").append(i).append(")\n");
      prev = "h" + i;
    }
    s.append("    output ").append(prev).append('\n');
    s.append("    loss = mse(").append(prev).append(", y)\n");
    s.append("}\n");
    return s.toString();
  }
}
