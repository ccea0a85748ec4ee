package dev.netc.compiler.cli;

import dev.netc.runtime.Dataset;
import dev.netc.runtime.EpochCallback;
import dev.netc.runtime.Model;
import dev.netc.runtime.Optimizer;
import dev.netc.runtime.TrainingHistory;
import java.io.PrintWriter;
import java.util.ServiceLoader;

/**
 * Another place to run {@code netc train}'s loop than this JVM, found with {@link ServiceLoader}
 * so that its (large) dependencies stay out of the CLI jar: the netc-spark module provides
 * {@code spark}, which the {@code ./netc} launcher puts on the class path when {@code --spark} is
 * given. An engine trains {@code model}'s params in place, with the same batches as
 * {@link dev.netc.runtime.Trainer}, and throws {@link IllegalArgumentException} for bad options.
 */
public interface TrainingEngine {
  /** What {@code netc train} needs trained, and how. */
  record Request(
      Model model,
      Dataset train,
      Dataset test,
      Optimizer optimizer,
      int batchSize,
      int epochs,
      long seed,
      EpochCallback callback,
      String master,
      Integer partitions,
      PrintWriter out) {}

  /** The engine's name, e.g. {@code spark}. */
  String name();

  TrainingHistory train(Request request);

  /** The engine called {@code name}, or {@code null} if none is on the class path. */
  static TrainingEngine find(String name) {
    for (TrainingEngine e : ServiceLoader.load(TrainingEngine.class, TrainingEngine.class.getClassLoader())) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }
}
