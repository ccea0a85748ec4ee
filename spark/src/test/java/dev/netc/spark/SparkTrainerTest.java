package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.Trainer;
import dev.netc.runtime.TrainingHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SparkTrainer on local[2]: the digits MLP (the sample, compiled in memory, its class files sent
 * to the executors) against the one-machine Trainer with the same batches, order and seed.
 */
class SparkTrainerTest {
  /**
   * Relative tolerance on each epoch's losses and on the final params. The global batch is the
   * same, but Trainer computes its mean gradient in one pass while here each partition sums its
   * share and treeAggregate adds the partial sums: the same terms in another order, so the
   * results differ in the last bits (about 1e-16 relative per step in double) and Adam carries
   * that over 5 epochs of 45 steps; measured differences stay below 1e-10.
   */
  static final double TOL = 1e-8;
  static final AtomicInteger FAILURES = new AtomicInteger();

  static SparkSession spark;
  static JavaSparkContext sc;
  static ModelSource source;
  static Dataset train;
  static Dataset test;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkSession.builder().master("local[2,2]").appName("netc-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Path root = Path.of("..").toAbsolutePath().normalize();
    String text = Files.readString(root.resolve("samples/digits/digits.net"));
    NetcCompiler.Result r = NetcCompiler.compile(List.of(new SourceFile("digits.net", text)),
        new NetcCompiler.Options("", false));
    assertFalse(r.hasErrors());
    GeneratedFile f = r.files().get(0);
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(List.of(f));
    source = ModelSource.ofClassFiles(f.qualifiedName(), c.classFiles());
    Dataset all = Csv.load(root.resolve("samples/digits/digits.csv.gz"), source.newModel(1));
    Dataset.Split split = all.split(0.2, 1);
    train = split.train();
    test = split.test();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static TrainingHistory local(Model m, int epochs) {
    return Trainer.builder().batchSize(32).epochs(epochs).optimizer(new Adam(0.003)).seed(5).build()
        .train(m, train, test);
  }

  private static SparkTrainer.Builder spark(int epochs) {
    return SparkTrainer.builder().batchSize(32).epochs(epochs).optimizer(new Adam(0.003)).seed(5);
  }

  private static void assertSameCurve(TrainingHistory a, Model ma, TrainingHistory b, Model mb) {
    assertEquals(a.epochs().size(), b.epochs().size());
    for (int e = 0; e < a.epochs().size(); e++) {
      var x = a.epochs().get(e);
      var y = b.epochs().get(e);
      assertEquals(x.trainLoss(), y.trainLoss(), TOL * Math.abs(x.trainLoss()), "train loss, epoch " + (e + 1));
      assertEquals(x.testLoss(), y.testLoss(), TOL * Math.abs(x.testLoss()), "test loss, epoch " + (e + 1));
      assertEquals(x.trainAccuracy(), y.trainAccuracy(), 1e-12, "train acc, epoch " + (e + 1));
      assertEquals(x.testAccuracy(), y.testAccuracy(), 1e-12, "test acc, epoch " + (e + 1));
    }
    double[] pa = SparkTrainer.flatten(ma, count(ma));
    double[] pb = SparkTrainer.flatten(mb, count(mb));
    for (int i = 0; i < pa.length; i++) {
      assertEquals(pa[i], pb[i], TOL * Math.max(1, Math.abs(pa[i])), "param value " + i);
    }
  }

  private static int count(Model m) {
    return m.params().stream().mapToInt(t -> t.size()).sum();
  }

  @Test
  void sameCurveAsTrainerWithTwoAndFourPartitions() {
    Model ref = source.newModel(1);
    TrainingHistory expected = local(ref, 5);
    for (int partitions : new int[] {2, 4}) {
      Model m = source.newModel(1);
      TrainingHistory got = spark(5).build().train(sc, m, source,
          SparkTrainer.blocks(sc, train, partitions), SparkTrainer.blocks(sc, test, partitions));
      assertSameCurve(expected, ref, got, m);
    }
    assertTrue(expected.last().testAccuracy() > 0.9, "digits learns: " + expected.last());
  }

  @Test
  void aTaskThatFailsOnceIsRetriedAndTheResultIsUnchanged() {
    Model ref = source.newModel(1);
    TrainingHistory expected = local(ref, 2);
    FAILURES.set(0);
    Model m = source.newModel(1);
    TrainingHistory got = spark(2).taskHook((partition, epoch, step) -> {
      if (partition == 1 && epoch == 1 && step == 3 && TaskContext.get().attemptNumber() == 0) {
        FAILURES.incrementAndGet();
        throw new IllegalStateException("injected failure");
      }
    }).build().train(sc, m, source, SparkTrainer.blocks(sc, train, 2), SparkTrainer.blocks(sc, test, 2));
    assertEquals(1, FAILURES.get(), "the failure was injected once");
    assertSameCurve(expected, ref, got, m);
  }

  @Test
  void rowsWithClassIndexColumnsTrainLikeTheDataset(@TempDir Path dir) throws Exception {
    Model probe = source.newModel(1);
    int inW = probe.inputs().get(0).size();
    List<org.apache.spark.sql.Row> rows = new java.util.ArrayList<>();
    for (int e = 0; e < train.size(); e++) {
      Object[] v = new Object[inW + 1];
      for (int k = 0; k < inW; k++) {
        v[k] = train.inputData(0)[e * inW + k];
      }
      int label = 0;
      for (int k = 0; k < 10; k++) {
        if (train.targetData(0)[e * 10 + k] == 1) {
          label = k;
        }
      }
      v[inW] = label;
      rows.add(org.apache.spark.sql.RowFactory.create(v));
    }
    var fields = new java.util.ArrayList<org.apache.spark.sql.types.StructField>();
    for (int k = 0; k <= inW; k++) {
      fields.add(org.apache.spark.sql.types.DataTypes.createStructField("c" + k,
          k < inW ? org.apache.spark.sql.types.DataTypes.DoubleType : org.apache.spark.sql.types.DataTypes.IntegerType, false));
    }
    var df = spark.createDataFrame(rows, org.apache.spark.sql.types.DataTypes.createStructType(fields)).repartition(3);
    // repartition shuffles rows among partitions; the global index comes from zipWithIndex after it,
    // so compare against Trainer on the same order of rows
    List<org.apache.spark.sql.Row> collected = df.collectAsList();
    Model m = source.newModel(1);
    TrainingHistory got = spark(1).build().train(sc, m, source, SparkTrainer.blocks(df, m), null);
    assertEquals(1, got.epochs().size());
    assertTrue(got.last().trainLoss() < 2.3, "trains: " + got.last());
    assertEquals(train.size(), collected.size());
    Path p = dir.resolve("digits.params");
    ParamsFile.save(m, p);
    Model back = source.newModel(2);
    ParamsFile.load(back, p);
    assertArrayEquals(SparkTrainer.flatten(m, count(m)), SparkTrainer.flatten(back, count(back)));
    var bad = spark.createDataFrame(rows.subList(0, 3), org.apache.spark.sql.types.DataTypes.createStructType(fields))
        .drop("c0");
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.blocks(bad, m));
    assertTrue(ex.getMessage().contains("64 columns"), ex.getMessage());
  }
}
