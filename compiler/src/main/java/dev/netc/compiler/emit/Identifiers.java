package dev.netc.compiler.emit;

import java.util.HashSet;
import java.util.Set;

/**
 * Every identifier that generated code writes by itself, in one place. A user name (a param,
 * input, target, output or value) that equals one of them would shadow it or be shadowed by it,
 * so {@link Names} renames such a user name with a {@code _} suffix (docs/tools.md, "Names in
 * the generated class"). A network whose name is one of {@link #TYPES} would hide that type
 * from its own code, and the checker rejects it (E011).
 *
 * <p>{@code FrontendFuzzTest} draws user names from these sets and from every identifier found
 * in the generated code of the examples; a name missing here shows up there as Java that does not
 * compile.
 */
public final class Identifiers {
  private Identifiers() {}

  /** Types that generated code names by their simple name (imported, java.lang, or its own nested ones). */
  public static final Set<String> TYPES = Set.of(
      // java.lang
      "Math", "System", "Double", "Float", "Object", "String", "Override", "IllegalArgumentException",
      "IndexOutOfBoundsException",
      // java.util, javax (JavaPoet writes ArrayList in full where a name hides it)
      "Arrays", "List", "Generated",
      // the runtime (VectorKernelsD/F are written in full)
      "Model", "Ops", "Init", "Rng", "Precision", "TensorInfo", "Vectorized",
      // nested in every generated class
      "Gradient", "Workspace");

  /** First parts of the qualified names generated code writes ({@code java.util.Arrays}, {@code dev.netc.runtime.Gradient}). */
  public static final Set<String> PACKAGE_ROOTS = Set.of("java", "javax", "jdk", "dev");

  /** Fields and constants of the generated class, its Gradient and its Workspace. */
  static final Set<String> MEMBERS = Set.of(
      "ws", "NAME", "PARAMS", "INPUTS", "TARGETS", "OUTPUTS", "SEED", "capacity", "staging", "grad", "list", "ids");

  /** Method parameters and locals that generated methods declare with fixed names. */
  static final Set<String> FIXED_LOCALS = Set.of(
      "batch", "ex", "seed", "rng", "inputs", "outputs", "targets", "inputGradients", "result", "first",
      "total", "inv", "grad", "gradient", "loss", "source", "slot", "ensure", "stage", "unstage");

  /** Everything above and the kernels' locals: no user-derived identifier may take one of these. */
  static final Set<String> RESERVED = union(TYPES, PACKAGE_ROOTS, MEMBERS, FIXED_LOCALS);

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    Set<String> all = new HashSet<>();
    for (Set<String> s : sets) {
      all.addAll(s);
    }
    return Set.copyOf(all);
  }
}
