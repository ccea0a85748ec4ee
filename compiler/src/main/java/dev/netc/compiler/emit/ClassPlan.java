package dev.netc.compiler.emit;

import dev.netc.compiler.model.Init;
import java.util.List;

/**
 * Everything the writer needs to print one generated class, every decision already made by
 * the {@link Planner}: names, buffers, kernels and the bodies of the public methods.
 *
 * <p>{@code straight}: the entry methods are straight-line code over their arguments
 * ({@link Straight}), with no kernels; they bind nothing to the workspace, whose only buffers
 * hold the forward values the backward loop reads.
 *
 * <p>{@code dropout}: the network has {@code dropout} masks, so the class has a training mode
 * and its workspace a flag and a random generator for them.
 *
 * <p>{@code scratch}: the packing buffers of the contractions ({@link IndexKernels}), or null
 * when no kernel packs its operands.
 */
public record ClassPlan(
    String packageName,
    String className,
    String networkName,
    String sourceName,
    boolean isFloat,
    KernelChoice kernelChoice,
    boolean straight,
    List<Tensor> params,
    List<Tensor> inputs,
    List<Tensor> targets,
    List<Tensor> outputs,
    boolean hasLoss,
    List<Buffer> buffers,
    List<Kernel> kernels,
    List<Code> predictBody,
    List<Code> lossBody,
    List<Code> lossAndGradientBody,
    List<Code> inputGradientBody,
    boolean dropout,
    Scratch scratch,
    Derivatives derivatives) {

  /** A plan without {@code jvp} and {@code hvp}. */
  public ClassPlan(String packageName, String className, String networkName, String sourceName, boolean isFloat,
      KernelChoice kernelChoice, boolean straight, List<Tensor> params, List<Tensor> inputs, List<Tensor> targets,
      List<Tensor> outputs, boolean hasLoss, List<Buffer> buffers, List<Kernel> kernels, List<Code> predictBody,
      List<Code> lossBody, List<Code> lossAndGradientBody, List<Code> inputGradientBody, boolean dropout, Scratch scratch) {
    this(packageName, className, networkName, sourceName, isFloat, kernelChoice, straight, params, inputs, targets, outputs,
        hasLoss, buffers, kernels, predictBody, lossBody, lossAndGradientBody, inputGradientBody, dropout, scratch, null);
  }

  /** This plan with the methods {@code jvp} and {@code hvp} of {@code d}, and the scratch their kernels need too. */
  ClassPlan withDerivatives(Derivatives d, Scratch scratch) {
    return new ClassPlan(packageName, className, networkName, sourceName, isFloat, kernelChoice, straight, params, inputs,
        targets, outputs, hasLoss, buffers, kernels, predictBody, lossBody, lossAndGradientBody, inputGradientBody,
        dropout, scratch, d);
  }

  /**
   * The methods {@code jvp} (forward mode; null when not asked for) and {@code hvp}
   * (forward-over-reverse; null when not asked for, or without a loss). {@code jvp} takes the
   * inputs, the targets (with a loss), a tangent per input ({@code inputTangents}' names), the
   * params' tangent as a Gradient ({@code paramTangent}) and the arrays for the outputs' tangents
   * ({@code outputTangents}' names); {@code hvp} the inputs, targets, the vector ({@code vector},
   * a Gradient) and the Gradient that receives the product ({@code product}). Each binds the
   * workspace fields its tangent leaves read ({@code bindings}: field = expression) before its
   * body. {@code fields}: the workspace fields they bind.
   */
  public record Derivatives(List<Code> jvpBody, List<Tensor> inputTangents, String paramTangent,
      List<Tensor> outputTangents, List<Binding> jvpBindings, List<Code> hvpBody, String vector, String product,
      List<Binding> hvpBindings, List<String> fields) {}

  /** {@code ws.field = value;} at the start of a method. */
  public record Binding(String field, String value) {}

  /**
   * A param, input, target or output: its source name, its Java name, shape and source line;
   * for an int input or target ({@code integer}), the number of valid ids {@code limit} and the
   * padding id {@code ignore}.
   */
  public record Tensor(String name, String javaName, int[] dims, int size, Init init, int line, String gradientName,
      boolean integer, int limit, java.util.OptionalInt ignore) {
    /** A tensor of real numbers. */
    public Tensor(String name, String javaName, int[] dims, int size, Init init, int line, String gradientName) {
      this(name, javaName, dims, size, init, line, gradientName, false, 0, java.util.OptionalInt.empty());
    }

    /** This input with the name of {@code inputGradient}'s parameter for d loss / d input. */
    Tensor withGradientName(String gradientName) {
      return new Tensor(name, javaName, dims, size, init, line, gradientName, integer, limit, ignore);
    }
  }

  /**
   * A workspace array: {@code size} values per example when {@code batched}, else {@code size}
   * values in all.
   */
  public record Buffer(String javaName, int size, boolean batched, String comment, int steps) {
    /** A buffer of {@code size} numbers (per example when {@code batched}). */
    public Buffer(String javaName, int size, boolean batched, String comment) {
      this(javaName, size, batched, comment, 0);
    }
  }

  /**
   * A private method computing one node: {@code void name(int batch)}, which loads the arrays it
   * touches into locals ({@code loads}); or, when {@code params} is not empty, a kernel shared by
   * several nodes whose code is the same, {@code static void name(int batch, T[] param...)},
   * which takes those arrays as arguments.
   */
  public record Kernel(String name, String comment, List<String> params, List<String> loads, List<Code> body) {
    public Kernel {
      params = List.copyOf(params);
      loads = List.copyOf(loads);
      body = List.copyOf(body);
    }

    public boolean isShared() {
      return !params.isEmpty();
    }
  }

  /**
   * The workspace's packing buffers, allocated once: {@code pack} of {@code rows} rows of
   * {@code cols} values (a contraction's second operand, one row per point of the reduced
   * domain), {@code packA} of {@code flat} values (its first operand) and {@code packRow} of
   * {@code result} (the row being accumulated, or the whole product when the Vector API kernel
   * computes it), and for direct products ({@code IndexKernels.Direct}) {@code packIn} and
   * {@code packAt} of {@code direct} entries (each row of the second operand as an array and
   * the offset it starts at; 0: none).
   */
  public record Scratch(int rows, int cols, int flat, int result, int direct) {}

  public String elementType() {
    return isFloat ? "float" : "double";
  }
}
