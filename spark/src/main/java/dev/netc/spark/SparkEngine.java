package dev.netc.spark;

import dev.netc.compiler.cli.TrainingEngine;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Model;
import dev.netc.runtime.TrainingHistory;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code netc train --spark MASTER [--partitions N]}: starts a Spark session on MASTER, ships the
 * in-memory compiled class to the executors and trains with {@link SparkTrainer}. Found by the
 * CLI through {@link java.util.ServiceLoader}.
 */
public final class SparkEngine implements TrainingEngine {
  @Override
  public String name() {
    return "spark";
  }

  @Override
  public TrainingHistory train(Request r) {
    Model model = r.model();
    ModelSource source = sourceOf(model);
    SparkSession session;
    try {
      session = SparkSession.builder()
          .master(r.master())
          .appName("netc train " + model.name())
          .config("spark.ui.enabled", "false")
          .getOrCreate();
    } catch (Exception e) { // SparkException is checked in Java's eyes, but Scala throws it anyway
      throw new IllegalArgumentException("--spark " + r.master() + ": cannot start Spark: " + e.getMessage());
    }
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
      sc.setLogLevel("ERROR");
      int partitions = r.partitions() != null ? r.partitions() : sc.defaultParallelism();
      partitions = Math.max(1, Math.min(partitions, r.train().size()));
      r.out().println("on Spark " + sc.master() + " (Spark " + sc.version() + "), " + partitions
          + " partitions, " + sc.defaultParallelism() + " cores");
      r.out().flush();
      SparkTrainer trainer = SparkTrainer.builder()
          .batchSize(r.batchSize())
          .epochs(r.epochs())
          .optimizer(r.optimizer())
          .seed(r.seed())
          .callback(r.callback())
          .build();
      return trainer.train(sc, model, source, SparkTrainer.blocks(sc, r.train(), partitions),
          r.test() == null ? null : SparkTrainer.blocks(sc, r.test(), partitions));
    } finally {
      session.stop();
    }
  }

  /** Class files for a class compiled in memory, else the class name. */
  static ModelSource sourceOf(Model model) {
    Class<?> type = model.getClass();
    if (type.getClassLoader() instanceof InMemoryCompiler.MemoryLoader loader) {
      return ModelSource.ofClassFiles(type.getName(), loader.classFiles());
    }
    return ModelSource.ofClassName(type.getName());
  }
}
