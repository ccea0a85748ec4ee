package dev.netc.runtime;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A {@link Model} that splits each batch across threads: {@code threads} instances of the same
 * generated class, each with its own workspace, compute the loss and gradient of one share of the
 * batch, and their gradients are combined into the mean over the whole batch. The first instance
 * is the primary: its params are the ones optimizers update, and the others copy them before
 * each batch. {@code predictBatch} and {@code lossBatch} (the evaluations after each epoch of a
 * training run) are split the same way. Batches smaller than {@code minSplit} run on the primary
 * alone.
 *
 * <p>Workers are daemon threads that wait between batches (spinning briefly, then parked), and a
 * batch is handed over through a volatile generation counter and park/unpark, so a warm call
 * allocates nothing. Not thread-safe itself (one caller at a time), like every model; {@link #close()}
 * stops the workers.
 */
public final class ParallelModel implements Model, AutoCloseable {
  private final Model[] replicas;
  private final Gradient[] gradients;
  private final int minSplit;
  private final Thread[] workers;
  /** Incremented by the caller to hand out a batch (and once more by {@link #close()}). */
  private volatile int generation;
  /** Workers still computing the current batch. */
  private final AtomicInteger busy = new AtomicInteger();
  private volatile Thread caller;
  private final double[][][] inputSlices;
  private final double[][][] targetSlices;
  private final double[][][] outputSlices;
  /** What the current batch computes: {@link #GRADIENT}, {@link #LOSS} or {@link #PREDICT}. */
  private int mode;
  private static final int GRADIENT = 0;
  private static final int LOSS = 1;
  private static final int PREDICT = 2;
  private final int[] from;
  private final int[] count;
  private final double[] losses;
  private volatile boolean closed;
  private volatile RuntimeException failure;

  /**
   * @param factory makes one instance of the generated class (e.g. {@code () -> new Mnist(0)})
   * @param threads how many instances, and threads, share a batch (2 or more)
   * @param minSplit the smallest batch worth splitting
   */
  public ParallelModel(Supplier<? extends Model> factory, int threads, int minSplit) {
    this(factory.get(), factory, threads, minSplit);
  }

  /**
   * A parallel model around an existing instance, which stays the primary (its params are trained
   * in place); {@code factory} makes the other {@code threads - 1} instances.
   */
  public ParallelModel(Model primary, Supplier<? extends Model> factory, int threads, int minSplit) {
    if (threads < 2) {
      throw new IllegalArgumentException("a parallel model needs at least 2 threads, not " + threads);
    }
    this.minSplit = Math.max(threads, minSplit);
    replicas = new Model[threads];
    gradients = new Gradient[threads];
    for (int t = 0; t < threads; t++) {
      replicas[t] = t == 0 ? primary : factory.get();
      gradients[t] = replicas[t].newGradient();
      if (t > 0 && !replicas[t].params().equals(replicas[0].params())) {
        throw new IllegalArgumentException("the factory must make instances of one network");
      }
    }
    inputSlices = new double[threads][replicas[0].inputs().size()][];
    targetSlices = new double[threads][replicas[0].targets().size()][];
    outputSlices = new double[threads][replicas[0].outputs().size()][];
    from = new int[threads];
    count = new int[threads];
    losses = new double[threads];
    workers = new Thread[threads - 1];
    for (int t = 1; t < threads; t++) {
      int id = t;
      workers[t - 1] = new Thread(() -> work(id), "netc-parallel-" + replicas[0].name() + "-" + t);
      workers[t - 1].setDaemon(true);
      workers[t - 1].start();
    }
  }

  /** The primary instance: the one whose params are trained, saved and loaded. */
  public Model primary() {
    return replicas[0];
  }

  private void work(int t) {
    int seen = 0;
    while (true) {
      while (generation == seen) {
        waitBriefly();
      }
      seen = generation;
      if (closed) {
        return;
      }
      try {
        compute(t);
      } catch (RuntimeException e) {
        failure = e;
      }
      if (busy.decrementAndGet() == 0) {
        LockSupport.unpark(caller);
      }
    }
  }

  /** Spin a little (a batch step is short), then park until unparked or a millisecond passes. */
  private static void waitBriefly() {
    for (int i = 0; i < 200; i++) {
      Thread.onSpinWait();
    }
    LockSupport.parkNanos(1_000_000);
  }

  private void compute(int t) {
    Model m = replicas[t];
    if (t > 0) {
      for (int i = 0; i < m.params().size(); i++) {
        Object src = replicas[0].paramData(i);
        System.arraycopy(src, 0, m.paramData(i), 0, PerModelState.length(src));
      }
    }
    switch (mode) {
      case GRADIENT -> losses[t] = m.lossAndGradientBatch(count[t], inputSlices[t], targetSlices[t], gradients[t]);
      case LOSS -> losses[t] = m.lossBatch(count[t], inputSlices[t], targetSlices[t]);
      default -> m.predictBatch(count[t], inputSlices[t], outputSlices[t]);
    }
  }

  @Override
  public double lossAndGradientBatch(int batch, double[][] inputs, double[][] targets, Gradient gradient) {
    if (batch < minSplit) {
      return replicas[0].lossAndGradientBatch(batch, inputs, targets, gradient);
    }
    double loss = runSplit(GRADIENT, batch, inputs, targets);
    combine(batch, gradient);
    return loss;
  }

  /**
   * Splits the batch, has every replica compute its share in {@code mode} (the caller's thread
   * computes the first), and returns the batch's mean loss (NaN for {@link #PREDICT}).
   */
  private double runSplit(int mode, int batch, double[][] inputs, double[][] targets) {
    this.mode = mode; // published to the workers by the volatile write of generation
    split(batch, inputs, targets);
    failure = null;
    caller = Thread.currentThread();
    busy.set(workers.length);
    generation++;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    compute(0);
    while (busy.get() > 0) {
      waitBriefly();
    }
    if (failure != null) {
      throw failure;
    }
    if (mode == PREDICT) {
      return Double.NaN;
    }
    double loss = 0;
    for (int t = 0; t < replicas.length; t++) {
      loss += losses[t] * count[t] / batch;
    }
    return loss;
  }

  /** Example-major slices of the batch, copied into reused buffers. */
  private void split(int batch, double[][] inputs, double[][] targets) {
    int n = replicas.length;
    for (int t = 0, next = 0; t < n; t++) {
      from[t] = next;
      count[t] = batch / n + (t < batch % n ? 1 : 0);
      next += count[t];
      slice(replicas[0].inputs(), inputs, inputSlices[t], from[t], count[t]);
      if (targets != null) {
        slice(replicas[0].targets(), targets, targetSlices[t], from[t], count[t]);
      }
    }
  }

  private static void slice(List<TensorInfo> infos, double[][] all, double[][] into, int from, int count) {
    for (int i = 0; i < infos.size(); i++) {
      int size = infos.get(i).size();
      if (into[i] == null || into[i].length < count * size) {
        into[i] = new double[count * size];
      }
      System.arraycopy(all[i], from * size, into[i], 0, count * size);
    }
  }

  /** The batch mean: each share's mean gradient weighted by its share of the examples. */
  private void combine(int batch, Gradient into) {
    for (int i = 0; i < replicas[0].params().size(); i++) {
      Object out = into.data(i);
      if (out instanceof double[] o) {
        for (int t = 0; t < replicas.length; t++) {
          double[] g = (double[]) gradients[t].data(i);
          double w = (double) count[t] / batch;
          for (int j = 0; j < o.length; j++) {
            o[j] = t == 0 ? w * g[j] : o[j] + w * g[j];
          }
        }
      } else {
        float[] o = (float[]) out;
        for (int t = 0; t < replicas.length; t++) {
          float[] g = (float[]) gradients[t].data(i);
          float w = (float) count[t] / batch;
          for (int j = 0; j < o.length; j++) {
            o[j] = t == 0 ? w * g[j] : o[j] + w * g[j];
          }
        }
      }
    }
  }

  /** Stops the worker threads; the model must not be used for batches afterwards. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      generation++;
      for (Thread w : workers) {
        LockSupport.unpark(w);
      }
    }
  }

  /** Sets the mode of every replica. */
  @Override
  public void setTraining(boolean training) {
    for (Model m : replicas) {
      m.setTraining(training);
    }
  }

  @Override
  public boolean isTraining() {
    return replicas[0].isTraining();
  }

  /** Seeds replica {@code t}'s dropout stream with {@code Rng.derive(seed, t)} (the primary's with {@code seed}). */
  @Override
  public void seedDropout(long seed) {
    for (int t = 0; t < replicas.length; t++) {
      replicas[t].seedDropout(t == 0 ? seed : Rng.derive(seed, t));
    }
  }

  // everything else is the primary's

  @Override
  public String name() {
    return replicas[0].name();
  }

  @Override
  public Precision precision() {
    return replicas[0].precision();
  }

  @Override
  public List<TensorInfo> params() {
    return replicas[0].params();
  }

  @Override
  public List<TensorInfo> inputs() {
    return replicas[0].inputs();
  }

  @Override
  public List<TensorInfo> targets() {
    return replicas[0].targets();
  }

  @Override
  public List<TensorInfo> outputs() {
    return replicas[0].outputs();
  }

  @Override
  public boolean hasLoss() {
    return replicas[0].hasLoss();
  }

  @Override
  public Object paramData(int index) {
    return replicas[0].paramData(index);
  }

  @Override
  public Gradient newGradient() {
    return replicas[0].newGradient();
  }

  @Override
  public void initialize(long seed) {
    replicas[0].initialize(seed);
  }

  /** Split across the replicas as a gradient batch is (the evaluations of a training run). */
  @Override
  public void predictBatch(int batch, double[][] inputs, double[][] outputs) {
    if (batch < minSplit) {
      replicas[0].predictBatch(batch, inputs, outputs);
      return;
    }
    List<TensorInfo> infos = replicas[0].outputs();
    for (int t = 0; t < replicas.length; t++) {
      for (int o = 0; o < infos.size(); o++) {
        int need = (batch / replicas.length + 1) * infos.get(o).size();
        if (outputSlices[t][o] == null || outputSlices[t][o].length < need) {
          outputSlices[t][o] = new double[need];
        }
      }
    }
    runSplit(PREDICT, batch, inputs, null);
    for (int t = 0; t < replicas.length; t++) {
      for (int o = 0; o < infos.size(); o++) {
        int size = infos.get(o).size();
        System.arraycopy(outputSlices[t][o], 0, outputs[o], from[t] * size, count[t] * size);
      }
    }
  }

  /** Split across the replicas as a gradient batch is: the mean of the shares' mean losses, weighted by their sizes. */
  @Override
  public double lossBatch(int batch, double[][] inputs, double[][] targets) {
    if (batch < minSplit) {
      return replicas[0].lossBatch(batch, inputs, targets);
    }
    return runSplit(LOSS, batch, inputs, targets);
  }

  @Override
  public double inputGradient(double[][] inputs, double[][] targets, double[][] inputGradients) {
    return replicas[0].inputGradient(inputs, targets, inputGradients);
  }
}
