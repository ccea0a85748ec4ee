package dev.netc.spark;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.EpochCallback;
import dev.netc.runtime.EpochReport;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Gradient;
import dev.netc.runtime.Model;
import dev.netc.runtime.Optimizer;
import dev.netc.runtime.TensorInfo;
import dev.netc.runtime.Trainer;
import dev.netc.runtime.TrainingHistory;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Synchronous data-parallel training of a generated network on Apache Spark.
 *
 * <p>Every step: the driver broadcasts the params; each partition computes, with the generated
 * code (one model instance per executor thread, reused), the loss and gradient <em>sums</em> over
 * its share of the global batch; {@code treeAggregate} adds the partial sums; the driver divides
 * by the batch size and applies the optimizer. The global batches are those of the one-machine
 * {@link Trainer} with the same seed ({@link Trainer#epochOrder}), so the loss curve is the same
 * up to floating-point summation order. After each epoch the train and test loss and accuracy are
 * evaluated on the executors and reported as an {@link EpochReport}, as {@link Trainer} does.
 */
public final class SparkTrainer {
  private static final Map<String, ThreadLocal<Worker>> WORKERS = new ConcurrentHashMap<>();

  private final int batchSize;
  private final int epochs;
  private final Optimizer optimizer;
  private final long seed;
  private final EpochCallback callback;
  private final TaskHook hook;

  /** Called in every task before a step's gradient is computed: tests inject failures here. */
  interface TaskHook extends Serializable {
    void beforeStep(int partition, int epoch, int step);
  }

  private SparkTrainer(Builder b) {
    this.batchSize = b.batchSize;
    this.epochs = b.epochs;
    this.optimizer = b.optimizer;
    this.seed = b.seed;
    this.callback = b.callback;
    this.hook = b.hook;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options; defaults as {@link Trainer}'s: batch 32, 10 epochs, Adam(0.001), seed 0. */
  public static final class Builder {
    private int batchSize = 32;
    private int epochs = 10;
    private Optimizer optimizer = new Adam(0.001);
    private long seed;
    private EpochCallback callback = r -> true;
    private TaskHook hook;

    private Builder() {}

    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be positive: " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    public Builder epochs(int epochs) {
      if (epochs < 0) {
        throw new IllegalArgumentException("epochs must not be negative: " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    public Builder optimizer(Optimizer optimizer) {
      if (optimizer == null) {
        throw new IllegalArgumentException("optimizer must not be null");
      }
      this.optimizer = optimizer;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder callback(EpochCallback callback) {
      if (callback == null) {
        throw new IllegalArgumentException("callback must not be null");
      }
      this.callback = callback;
      return this;
    }

    Builder taskHook(TaskHook hook) {
      this.hook = hook;
      return this;
    }

    public SparkTrainer build() {
      return new SparkTrainer(this);
    }
  }

  /** Splits an in-memory data set into {@code partitions} contiguous blocks. */
  public static JavaRDD<Block> blocks(JavaSparkContext sc, Dataset data, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be positive: " + partitions);
    }
    int n = data.size();
    List<Block> blocks = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      int from = (int) ((long) n * p / partitions);
      int to = (int) ((long) n * (p + 1) / partitions);
      long[] index = new long[to - from];
      for (int j = 0; j < index.length; j++) {
        index[j] = from + j;
      }
      blocks.add(new Block(index, slice(data.inputs(), data, true, from, to),
          slice(data.targets(), data, false, from, to)));
    }
    return sc.parallelize(blocks, partitions);
  }

  private static double[][] slice(List<TensorInfo> tensors, Dataset data, boolean inputs, int from, int to) {
    double[][] out = new double[tensors.size()][];
    for (int i = 0; i < out.length; i++) {
      int w = tensors.get(i).size();
      double[] all = inputs ? data.inputData(i) : data.targetData(i);
      out[i] = java.util.Arrays.copyOfRange(all, from * w, to * w);
    }
    return out;
  }

  /**
   * Converts rows to blocks, one per partition: each row holds the flattened values of every input
   * in order, then of every target, as the columns of a netc CSV file; a target {@code [k]} may
   * instead be one column holding the class index (0..k-1). Values must be numeric.
   */
  public static JavaRDD<Block> blocks(org.apache.spark.sql.Dataset<Row> rows, Model model) {
    List<TensorInfo> ins = model.inputs();
    List<TensorInfo> ts = model.targets();
    int[] inW = ins.stream().mapToInt(TensorInfo::size).toArray();
    int[] tW = ts.stream().mapToInt(TensorInfo::size).toArray();
    int inSum = java.util.Arrays.stream(inW).sum();
    int full = inSum + java.util.Arrays.stream(tW).sum();
    int labels = inSum + tW.length;
    int columns = rows.columns().length;
    if (columns != full && columns != labels) {
      throw new IllegalArgumentException("rows have " + columns + " columns; network " + model.name()
          + " needs " + full + " (inputs then targets)" + (full == labels ? "" : " or " + labels
          + " (inputs then one class index per target)"));
    }
    boolean asLabels = columns != full;
    return rows.javaRDD().zipWithIndex().mapPartitions(it -> {
      List<Tuple2<Row, Long>> list = new ArrayList<>();
      it.forEachRemaining(list::add);
      int m = list.size();
      long[] index = new long[m];
      double[][] in = new double[inW.length][];
      double[][] tg = new double[tW.length][];
      for (int i = 0; i < in.length; i++) {
        in[i] = new double[m * inW[i]];
      }
      for (int t = 0; t < tg.length; t++) {
        tg[t] = new double[m * tW[t]];
      }
      for (int e = 0; e < m; e++) {
        Row row = list.get(e)._1();
        index[e] = list.get(e)._2();
        int c = 0;
        for (int i = 0; i < in.length; i++) {
          for (int k = 0; k < inW[i]; k++) {
            in[i][e * inW[i] + k] = number(row, c++);
          }
        }
        for (int t = 0; t < tg.length; t++) {
          if (asLabels) {
            double v = number(row, c++);
            int label = (int) v;
            if (label != v || label < 0 || label >= tW[t]) {
              throw new IllegalArgumentException("row " + (index[e] + 1) + ", column " + c
                  + ": class index must be an integer in 0.." + (tW[t] - 1) + ", got " + v);
            }
            tg[t][e * tW[t] + label] = 1;
          } else {
            for (int k = 0; k < tW[t]; k++) {
              tg[t][e * tW[t] + k] = number(row, c++);
            }
          }
        }
      }
      return List.of(new Block(index, in, tg)).iterator();
    });
  }

  private static double number(Row row, int c) {
    Object v = row.get(c);
    if (v instanceof Number num) {
      return num.doubleValue();
    }
    if (v instanceof String s) {
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        // falls through
      }
    }
    throw new IllegalArgumentException("column " + (c + 1) + ": not a number: " + v);
  }

  /**
   * Trains {@code model}'s params in place (on the driver) on {@code train}; {@code test} may be
   * {@code null}. {@code source} makes the same class on the executors. The blocks' global indices
   * must be 0..n-1 (as {@link #blocks} makes them).
   */
  public TrainingHistory train(JavaSparkContext sc, Model model, ModelSource source,
      JavaRDD<Block> train, JavaRDD<Block> test) {
    if (!model.hasLoss()) {
      throw new IllegalArgumentException("network " + model.name() + " declares no loss");
    }
    if (!model.getClass().getName().equals(source.className())) {
      throw new IllegalArgumentException("model is a " + model.getClass().getName() + ", source makes "
          + source.className());
    }
    JavaRDD<Block> trainC = train.persist(StorageLevel.MEMORY_ONLY());
    JavaRDD<Block> testC = test == null ? null : test.persist(StorageLevel.MEMORY_ONLY());
    try {
      return run(sc, model, source, trainC, testC);
    } finally {
      trainC.unpersist(false);
      if (testC != null) {
        testC.unpersist(false);
      }
    }
  }

  private TrainingHistory run(JavaSparkContext sc, Model model, ModelSource source,
      JavaRDD<Block> train, JavaRDD<Block> test) {
    long nl = train.map(Block::size).fold(0, Integer::sum);
    if (nl == 0) {
      throw new IllegalArgumentException("the training set is empty");
    }
    int n = (int) nl;
    int bs = Math.min(batchSize, n);
    int paramCount = 0;
    for (TensorInfo p : model.params()) {
      paramCount += p.size();
    }
    final int pc = paramCount;
    boolean classifier = Evaluation.classifier(model) != null;
    Gradient gradient = model.newGradient();
    int depth = Math.max(2, (int) Math.ceil(Math.log(Math.max(2, train.getNumPartitions())) / Math.log(8)));
    TaskHook h = hook;
    String key = source.key();

    List<EpochReport> reports = new ArrayList<>();
    TrainingHistory.StopReason reason = TrainingHistory.StopReason.COMPLETED;
    long start = System.nanoTime();
    for (int epoch = 1; epoch <= epochs; epoch++) {
      int[] order = Trainer.epochOrder(n, seed, epoch);
      int[] rank = new int[n];
      for (int p = 0; p < n; p++) {
        rank[order[p]] = p;
      }
      Broadcast<int[]> rankB = sc.broadcast(rank);
      long t0 = System.nanoTime();
      double sum = 0;
      int step = 0;
      for (int from = 0; from < n; from += bs, step++) {
        int lo = from;
        int hi = Math.min(from + bs, n);
        int ep = epoch;
        int st = step;
        Broadcast<double[]> paramsB = sc.broadcast(flatten(model, pc));
        double[] total = train.mapPartitions((Iterator<Block> it) -> {
          double[] acc = new double[pc + 1];
          if (h != null) {
            h.beforeStep(org.apache.spark.TaskContext.getPartitionId(), ep, st);
          }
          Worker w = worker(source, key, bs);
          w.setParams(paramsB);
          while (it.hasNext()) {
            Block b = it.next();
            int[] local = b.select(ep, rankB.value(), lo, hi);
            if (local.length > 0) {
              w.addGradientSum(b, local, acc);
            }
          }
          return List.of(acc).iterator();
        }).treeAggregate(new double[pc + 1], SparkTrainer::addInto, SparkTrainer::addInto, depth);
        paramsB.destroy();
        int count = hi - lo;
        sum += total[0];
        setGradient(gradient, model, total, count);
        optimizer.step(model, gradient);
      }
      long t1 = System.nanoTime();
      rankB.destroy();
      double trainLoss = sum / n;
      double testLoss = Double.NaN;
      double trainAcc = Double.NaN;
      double testAcc = Double.NaN;
      Broadcast<double[]> paramsB = sc.broadcast(flatten(model, pc));
      if (classifier) {
        trainAcc = evaluate(train, source, key, bs, paramsB)[1];
      }
      if (test != null) {
        double[] e = evaluate(test, source, key, bs, paramsB);
        testLoss = e[0];
        testAcc = classifier ? e[1] : Double.NaN;
      }
      paramsB.destroy();
      double seconds = Math.max(t1 - t0, 1) / 1e9;
      EpochReport report = new EpochReport(epoch, trainLoss, testLoss, trainAcc, testAcc,
          n / seconds, Duration.ofNanos(System.nanoTime() - start));
      reports.add(report);
      if (!callback.onEpoch(report)) {
        reason = TrainingHistory.StopReason.CALLBACK;
        break;
      }
    }
    return new TrainingHistory(reports, reason);
  }

  /** Mean loss and accuracy over all examples of {@code data} (NaN when empty). */
  private static double[] evaluate(JavaRDD<Block> data, ModelSource source, String key, int bs,
      Broadcast<double[]> paramsB) {
    double[] s = data.mapPartitions((Iterator<Block> it) -> {
      double[] acc = new double[3];
      Worker w = worker(source, key, bs);
      w.setParams(paramsB);
      while (it.hasNext()) {
        Block b = it.next();
        if (b.size() == 0) {
          continue;
        }
        Dataset d = b.dataset(w.model.inputs(), w.model.targets());
        acc[0] += Evaluation.meanLoss(w.model, d) * b.size();
        double a = Evaluation.accuracy(w.model, d);
        acc[1] += Double.isNaN(a) ? 0 : a * b.size();
        acc[2] += b.size();
      }
      return List.of(acc).iterator();
    }).reduce(SparkTrainer::addInto);
    return new double[] {s[0] / s[2], s[1] / s[2]};
  }

  private static double[] addInto(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  static double[] flatten(Model model, int paramCount) {
    double[] flat = new double[paramCount];
    int off = 0;
    for (int i = 0; i < model.params().size(); i++) {
      Object d = model.paramData(i);
      if (d instanceof double[] a) {
        System.arraycopy(a, 0, flat, off, a.length);
        off += a.length;
      } else {
        float[] f = (float[]) d;
        for (float v : f) {
          flat[off++] = v;
        }
      }
    }
    return flat;
  }

  /** gradient = total[1..] / count (total[0] is the loss sum). */
  private static void setGradient(Gradient g, Model model, double[] total, int count) {
    int off = 1;
    for (int i = 0; i < model.params().size(); i++) {
      Object d = g.data(i);
      if (d instanceof double[] a) {
        for (int k = 0; k < a.length; k++) {
          a[k] = total[off++] / count;
        }
      } else {
        float[] f = (float[]) d;
        for (int k = 0; k < f.length; k++) {
          f[k] = (float) (total[off++] / count);
        }
      }
    }
  }

  private static Worker worker(ModelSource source, String key, int bs) {
    ThreadLocal<Worker> tl = WORKERS.computeIfAbsent(key + "/" + bs, k -> new ThreadLocal<>());
    Worker w = tl.get();
    if (w == null) {
      w = new Worker(source.newModel(0), bs);
      tl.set(w);
    }
    return w;
  }

  /** One executor thread's model instance, gradient and batch buffers, reused across tasks. */
  private static final class Worker {
    final Model model;
    final Gradient gradient;
    final double[][] inputs;
    final double[][] targets;
    long paramsId = -1;

    Worker(Model model, int bs) {
      this.model = model;
      this.gradient = model.newGradient();
      inputs = new double[model.inputs().size()][];
      targets = new double[model.targets().size()][];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = new double[bs * model.inputs().get(i).size()];
      }
      for (int t = 0; t < targets.length; t++) {
        targets[t] = new double[bs * model.targets().get(t).size()];
      }
    }

    void setParams(Broadcast<double[]> b) {
      if (paramsId == b.id()) {
        return;
      }
      double[] flat = b.value();
      int off = 0;
      for (int i = 0; i < model.params().size(); i++) {
        Object d = model.paramData(i);
        if (d instanceof double[] a) {
          System.arraycopy(flat, off, a, 0, a.length);
          off += a.length;
        } else {
          float[] f = (float[]) d;
          for (int k = 0; k < f.length; k++) {
            f[k] = (float) flat[off++];
          }
        }
      }
      paramsId = b.id();
    }

    void addGradientSum(Block b, int[] local, double[] acc) {
      int count = local.length;
      b.dataset(model.inputs(), model.targets()).gatherBatch(local, 0, count, inputs, targets);
      double loss = model.lossAndGradientBatch(count, inputs, targets, gradient);
      acc[0] += loss * count;
      int off = 1;
      for (int i = 0; i < model.params().size(); i++) {
        Object d = gradient.data(i);
        if (d instanceof double[] a) {
          for (double v : a) {
            acc[off++] += v * count;
          }
        } else {
          for (float v : (float[]) d) {
            acc[off++] += (double) v * count;
          }
        }
      }
    }
  }
}
