package dev.netc.compiler.opt;

import dev.netc.compiler.graph.Dag;

/** A named DAG-to-DAG transformation that keeps every root's value (IEEE-exactly). */
public interface Pass {
  String name();

  Dag run(Dag dag);
}
