package dev.netc.compiler.viz;

import dev.netc.compiler.autodiff.Adjoints;
import dev.netc.compiler.autodiff.Rules;
import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.Eval;
import dev.netc.compiler.graph.Lowering;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.graph.ix.Printer;
import dev.netc.compiler.model.Network;
import dev.netc.compiler.model.Op;
import dev.netc.compiler.model.Shape;
import dev.netc.compiler.viz.Picture.Arrow;
import dev.netc.compiler.viz.Picture.Box;
import dev.netc.compiler.viz.Picture.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link Picture} of a network from its real DAG.
 *
 * <p>The forward part is the DAG of {@link Lowering#lower} (what the outputs and the loss need).
 * The backward part, on request, is the adjoint computation that reverse mode builds for it (the
 * rules of {@code autodiff}, before the optimizer simplifies it: the generated code computes an
 * optimized equivalent). Given the values of the leaves, every arrow is annotated with the value
 * it carries and, for the forward part, the gradient of the loss with respect to that value, both
 * computed by the reference evaluator {@link Eval} on the nodes of {@link Adjoints}.
 */
public final class Pictures {
  private Pictures() {}

  /**
   * @param backward draw the backward part too
   * @param leaves the values of every input, target and param by name, or null for no values
   */
  public static Picture of(Network network, boolean backward, Map<String, double[]> leaves) {
    Dag forward = Lowering.lower(network);
    Adjoints.Result ad = Adjoints.of(forward, Rules.standard());
    Map<String, Node> outputs = new LinkedHashMap<>();
    forward.outputs().forEach((name, n) -> outputs.put(name, ad.copy().get(n)));
    Node loss = ad.loss();

    List<Node> forwardRoots = new ArrayList<>(outputs.values());
    if (loss != null) {
      forwardRoots.add(loss);
    }
    Map<String, Node> gradients = new LinkedHashMap<>();
    if (backward && loss != null) {
      for (Node n : forward.nodes()) {
        if (n.op() == Op.PARAM || n.op() == Op.INPUT) {
          Node g = ad.adjoint().get(ad.copy().get(n));
          if (g != null) {
            gradients.put(n.name(), g);
          }
        }
      }
    }
    List<Node> roots = new ArrayList<>(forwardRoots);
    roots.addAll(gradients.values());
    List<Node> drawn = Dag.closure(ad.nodes(), roots);
    Set<Node> lossClosure = new HashSet<>(loss == null ? List.of() : Dag.closure(ad.nodes(), List.of(loss)));

    Map<Node, double[]> values = leaves == null ? null : Eval.run(ad.nodes(), leaves);

    // which forward nodes each backward node is the adjoint of, for its label
    Map<Node, List<String>> adjointOf = new LinkedHashMap<>();
    List<Node> named = new ArrayList<>(ad.nodes().subList(0, ad.forwardCount()));
    named.sort(java.util.Comparator.comparing(Node::isLeaf)); // intermediates first, stable
    for (Node n : named) {
      Node g = ad.adjoint().get(n);
      String name = n.label() != null ? n.label() : n.name();
      if (g != null && !ad.isForward(g) && name != null) {
        adjointOf.computeIfAbsent(g, k -> new ArrayList<>()).add(name);
      }
    }

    List<Box> boxes = new ArrayList<>();
    List<Arrow> arrows = new ArrayList<>();
    for (Node n : drawn) {
      boolean grad = !ad.isForward(n);
      boxes.add(new Box(id(n), grad ? Kind.GRADIENT_OP : kind(n), lines(n, grad ? adjointOf.get(n) : null)));
      for (int i = 0; i < n.inputs().size(); i++) {
        Node x = n.input(i);
        arrows.add(arrow("e" + n.id() + "_" + i, x, id(n), grad, values, ad, lossClosure));
      }
    }
    int k = 0;
    for (Map.Entry<String, Node> o : outputs.entrySet()) {
      String id = "output" + k++;
      boxes.add(new Box(id, Kind.OUTPUT, List.of(o.getKey(), "output", o.getValue().shape().toString())));
      arrows.add(arrow("e_" + id, o.getValue(), id, false, values, ad, lossClosure));
    }
    if (loss != null) {
      boxes.add(new Box("loss", Kind.LOSS, List.of("loss", "scalar")));
      arrows.add(arrow("e_loss", loss, "loss", false, values, ad, lossClosure));
    }
    k = 0;
    for (Map.Entry<String, Node> g : gradients.entrySet()) {
      String id = "gradient" + k++;
      boxes.add(new Box(id, Kind.GRADIENT, List.of("∂loss/∂" + g.getKey(), "gradient", g.getValue().shape().toString())));
      arrows.add(arrow("e_" + id, g.getValue(), id, true, values, ad, lossClosure));
    }
    String title = "network " + network.name()
        + (values == null ? "" : "   (green: value; red: gradient of the loss with respect to it)");
    return new Picture(title, boxes, arrows);
  }

  private static Arrow arrow(String id, Node from, String to, boolean gradient, Map<Node, double[]> values,
      Adjoints.Result ad, Set<Node> lossClosure) {
    gradient = gradient || !ad.isForward(from);
    if (values == null) {
      return new Arrow(id, id(from), to, gradient, null, null);
    }
    String value = format(values.get(from), from.shape());
    String grad = null;
    if (!gradient && lossClosure.contains(from)) {
      if (ad.unknown().contains(from)) {
        grad = "?";
      } else if (ad.adjoint().containsKey(from)) {
        grad = format(values.get(ad.adjoint().get(from)), from.shape());
      } else if (from.op() != Op.CONST && !(from.op() == Op.BROADCAST && from.input(0).isConst())) {
        grad = format(new double[from.shape().size()], from.shape());
      }
    }
    return new Arrow(id, id(from), to, gradient, value, grad);
  }

  static String id(Node n) {
    return "n" + n.id();
  }

  private static Kind kind(Node n) {
    return switch (n.op()) {
      case INPUT -> Kind.INPUT;
      case TARGET -> Kind.TARGET;
      case PARAM -> Kind.PARAM;
      case CONST -> Kind.CONST;
      default -> Kind.OP;
    };
  }

  /** The text of a node's box: its source name (if any), its op, its shape. */
  static List<String> lines(Node n, List<String> adjointOf) {
    List<String> lines = new ArrayList<>();
    if (adjointOf != null) {
      lines.add("∂loss/∂" + String.join(", ∂loss/∂", adjointOf));
    } else if (n.name() != null && n.op() != Op.DROPOUT_MASK) {
      lines.add(n.name());
    } else if (n.label() != null) {
      lines.add(n.label());
    }
    lines.add(opText(n));
    lines.add(n.shape().toString());
    return lines;
  }

  /** The op as the picture shows it: the operator or function name, with its constant if any. */
  static String opText(Node n) {
    if (n.ix() != null) {
      // an index definition is one box, with its indices: "[o, r, c] = sum(i, p, q) K[o, i, p, q] * ..."
      List<String> names = new ArrayList<>();
      n.inputs().forEach(x -> names.add(x.name() != null ? x.name() : x.label() != null ? x.label() : "%" + x.id()));
      String text = (n.op() == Op.WINNERS ? "winners of " : "") + Printer.of(n.ix(), names);
      return text.length() > 72 ? text.substring(0, 71) + "…" : text;
    }
    return switch (n.op()) {
      case INPUT -> "input";
      case TARGET -> "target";
      case PARAM -> "param";
      case CONST -> "const " + number(n.attr());
      case ADD -> "+";
      case SUB -> "-";
      case MUL -> "*";
      case DIV -> "/";
      case NEG -> "neg";
      case POW -> "^ " + number(n.attr());
      case LEAKY_RELU, LEAKY_STEP -> name(n.op()) + " " + number(n.attr());
      case DROPOUT_MASK -> "dropout mask, p " + number(n.attr());
      default -> name(n.op());
    };
  }

  private static String name(Op op) {
    return op.functionName() != null ? op.functionName() : op.name().toLowerCase(Locale.ROOT);
  }

  /**
   * A value for a label: a scalar as a short number; a tensor of at most 4 elements as its
   * values; a larger one as its shape and norm.
   */
  public static String format(double[] v, Shape shape) {
    if (shape.isScalar()) {
      return number(v[0]);
    }
    if (v.length <= 4) {
      StringBuilder sb = new StringBuilder("[");
      for (int r = 0; r < shape.rows(); r++) {
        if (shape.isMatrix()) {
          sb.append(r > 0 ? ", [" : "[");
        }
        for (int c = 0; c < shape.cols(); c++) {
          int i = r * shape.cols() + c;
          if (c > 0 || (!shape.isMatrix() && r > 0)) {
            sb.append(", ");
          }
          sb.append(number(v[i]));
        }
        if (shape.isMatrix()) {
          sb.append("]");
        }
      }
      return sb.append("]").toString();
    }
    double ss = 0;
    for (double x : v) {
      ss += x * x;
    }
    return shape + " norm " + number(Math.sqrt(ss));
  }

  /** {@code %.4g} without trailing zeros; integers plainly. */
  public static String number(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return Double.toString(x);
    }
    if (x == Math.rint(x) && Math.abs(x) < 1e6) {
      return Long.toString((long) x);
    }
    String s = String.format(Locale.ROOT, "%.4g", x);
    int e = s.indexOf('e');
    String mantissa = e < 0 ? s : s.substring(0, e);
    String exponent = e < 0 ? "" : s.substring(e);
    if (mantissa.contains(".")) {
      mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return mantissa + exponent;
  }
}
