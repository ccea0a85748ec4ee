package dev.netc.compiler.emit;

import dev.netc.compiler.graph.Dag;

/** Turns an optimized, differentiated DAG into the source of its generated class. */
public final class Emitter {
  private Emitter() {}

  /** One generated source file: its class's qualified name, its path under a source root, its text. */
  public record GeneratedFile(String qualifiedName, String relativePath, String content) {}

  public static GeneratedFile emit(Dag dag, boolean isFloat, String sourceName) {
    return emit(dag, isFloat, KernelChoice.AUTO, sourceName);
  }

  /** {@code vector}: large matrix products call the runtime's Vector API kernels alone; else both (the default). */
  public static GeneratedFile emit(Dag dag, boolean isFloat, boolean vector, String sourceName) {
    return emit(dag, isFloat, vector ? KernelChoice.VECTOR : KernelChoice.AUTO, sourceName);
  }

  /** {@code kernels}: which runtime kernels large matrix products call. */
  public static GeneratedFile emit(Dag dag, boolean isFloat, KernelChoice kernels, String sourceName) {
    return emit(dag, null, null, isFloat, kernels, sourceName);
  }

  /**
   * With the methods {@code jvp} (from {@code jvp}, the forward-mode DAG) and {@code hvp} (from
   * {@code hvp}, the forward-over-reverse DAG); either null for none.
   */
  public static GeneratedFile emit(Dag dag, Dag jvp, Dag hvp, boolean isFloat, KernelChoice kernels, String sourceName) {
    String className = dag.network().name();
    ClassPlan plan = Planner.plan(dag, jvp, hvp, isFloat, kernels, className, sourceName);
    String pkg = dag.network().packageName();
    String qualified = pkg.isEmpty() ? className : pkg + "." + className;
    String path = (pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/") + className + ".java";
    return new GeneratedFile(qualified, path, JavaWriter.write(plan));
  }
}
