package dev.netc.compiler.autodiff;

import dev.netc.compiler.graph.GraphBuilder;
import dev.netc.compiler.graph.Node;

/**
 * The contract every derivative rule follows: given a node {@code y = op(x0, x1, ...)}, the
 * adjoint {@code g} of {@code y} (d loss / d y, shaped like {@code y}), and an argument index
 * {@code i}, return the contribution of this use to the adjoint of {@code x_i} (shaped like
 * {@code x_i}), built from ordinary DAG nodes with {@code b}, or {@code null} for a symbolic
 * zero. Rules never simplify; the passes do. Rules may use {@code y} itself (its own output).
 */
@FunctionalInterface
public interface Rule {
  Node adjoint(GraphBuilder b, Node y, int i, Node g);
}
