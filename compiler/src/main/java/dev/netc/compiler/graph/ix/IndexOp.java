package dev.netc.compiler.graph.ix;

/**
 * What a DAG node of index notation carries: a {@link Comprehension} (the value of a
 * {@code COMPUTE} node, or the winners of a max/min for a {@code WINNERS} node) or a
 * {@link Scatter} (a {@code SCATTER} node: an adjoint that has no gather form), or a
 * {@link ScanBody} (a {@code SCAN} or {@code SCAN_BACK} node: a recurrence's body).
 */
public sealed interface IndexOp permits Comprehension, Scatter, ScanBody {}
