package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;
import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;
import dev.netc.compiler.model.Op;
import java.util.List;

/**
 * Identities that hold for every IEEE 754 value, NaN and infinities included:
 * {@code x*1 = 1*x = x/1 = x}, {@code x+0 = 0+x = x-0 = x}, {@code x*(-1) = -x},
 * {@code -(-x) = x}, {@code x^1 = x}, {@code transpose(transpose(x)) = x}. Never {@code x*0 -> 0}:
 * wrong when x is NaN or infinite.
 */
public final class AlgebraicSimplification implements Pass {
  @Override
  public String name() {
    return "algebraic-simplification";
  }

  @Override
  public Dag run(Dag dag) {
    return Rebuild.run(dag, dag.nodes(), new GraphBuilder(false), AlgebraicSimplification::simplify);
  }

  private static Node simplify(GraphBuilder b, Node n, List<Node> in) {
    switch (n.op()) {
      case MUL:
        if (in.get(1).isConstant(1)) {
          return in.get(0);
        }
        if (in.get(0).isConstant(1)) {
          return in.get(1);
        }
        if (in.get(1).isConstant(-1)) {
          return b.neg(in.get(0));
        }
        if (in.get(0).isConstant(-1)) {
          return b.neg(in.get(1));
        }
        break;
      case DIV:
        if (in.get(1).isConstant(1)) {
          return in.get(0);
        }
        break;
      case ADD:
        if (in.get(1).isConstant(0)) {
          return in.get(0);
        }
        if (in.get(0).isConstant(0)) {
          return in.get(1);
        }
        break;
      case SUB:
        if (in.get(1).isConstant(0)) {
          return in.get(0);
        }
        break;
      case NEG:
        if (in.get(0).op() == Op.NEG) {
          return in.get(0).input(0);
        }
        break;
      case TRANSPOSE:
        if (in.get(0).op() == Op.TRANSPOSE) {
          return in.get(0).input(0);
        }
        break;
      case POW:
        if (n.attr() == 1) {
          return in.get(0);
        }
        break;
      default:
        break;
    }
    return b.copy(n, in);
  }
}
