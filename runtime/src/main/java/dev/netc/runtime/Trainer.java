package dev.netc.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A mini-batch training loop over an in-memory {@link Dataset} for any {@link Model} with a loss.
 *
 * <p>Every epoch shuffles the training examples with a generator seeded from {@code seed} and the
 * epoch number (so a run is deterministic for a seed), then takes one optimizer step per batch of
 * {@code batchSize} examples; the last batch of an epoch may be smaller. After each epoch it
 * evaluates the test loss (if a test set is given) and the accuracies (if the model is a
 * classifier, see {@link Evaluation}), calls the callback, and decides whether to stop: when the
 * callback returns {@code false}, or, with {@code patience > 0}, when the monitored loss (the test
 * loss, or the training loss without a test set) has not improved on its best for
 * {@code patience} epochs in a row. The params are left as they are after the last epoch run.
 *
 * <p>Divergence: at the end of every epoch the training loss and every param value are checked
 * (one pass over the params, cheap next to an epoch). If any is NaN or infinite, the params are
 * restored to a copy of the last finite ones (taken after every good epoch) and {@link
 * DivergedException} is thrown, naming the epoch, the first bad param and its index; its history
 * ends with stop reason {@link TrainingHistory.StopReason#DIVERGED}.
 *
 * <p>Training mode ({@link Model#setTraining}): the gradient steps of an epoch run with it on, after
 * {@link Model#seedDropout} with {@link #dropoutSeed}{@code (seed, epoch)}, so that the
 * {@code dropout} masks of a run are reproducible and an epoch's masks do not depend on the epochs
 * before it (a resumed run draws the same ones); the evaluations after each epoch run with it
 * off, and {@link #train} leaves it off.
 *
 * <p>Steps allocate nothing once warm: batch buffers and the gradient are allocated once per
 * {@link #train} call. Build with {@link #builder()}; a Trainer is immutable and reusable.
 */
public final class Trainer {
  private final int batchSize;
  private final int epochs;
  private final Optimizer optimizer;
  private final long seed;
  private final int patience;
  private final EpochCallback callback;
  private final LrSchedule schedule;
  private final double clipNorm;
  private final double weightDecay;
  private final int startEpoch;

  private Trainer(Builder b) {
    this.schedule = b.schedule;
    this.clipNorm = b.clipNorm;
    this.weightDecay = b.weightDecay;
    this.startEpoch = b.startEpoch;
    this.batchSize = b.batchSize;
    this.epochs = b.epochs;
    this.optimizer = b.optimizer;
    this.seed = b.seed;
    this.patience = b.patience;
    this.callback = b.callback;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link Trainer}; defaults: batch 32, 10 epochs, Adam(0.001), seed 0, no early stopping. */
  public static final class Builder {
    private int batchSize = 32;
    private int epochs = 10;
    private Optimizer optimizer = new Adam(0.001);
    private long seed;
    private int patience;
    private EpochCallback callback = r -> true;
    private LrSchedule schedule = LrSchedule.CONSTANT;
    private double clipNorm;
    private double weightDecay;
    private int startEpoch;

    private Builder() {}

    /** The learning rate of epoch e is the optimizer's times {@code schedule.factor(e, epochs)}. */
    public Builder lrSchedule(LrSchedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule must not be null");
      }
      this.schedule = schedule;
      return this;
    }

    /**
     * Rescales each batch's gradient so that its global L2 norm (all params together) is at most
     * {@code maxNorm}, as {@code torch.nn.utils.clip_grad_norm_}; 0 (the default) never clips.
     */
    public Builder clipNorm(double maxNorm) {
      if (!(maxNorm >= 0) || !Double.isFinite(maxNorm)) {
        throw new IllegalArgumentException("the clipping norm must be a non-negative number: " + maxNorm);
      }
      this.clipNorm = maxNorm;
      return this;
    }

    /**
     * Decoupled weight decay: before every step each param value is multiplied by {@code 1 - lr *
     * lambda} (PyTorch's AdamW; with SGD this is an L2 penalty {@code lambda/2 * |w|^2}, i.e. SGD's
     * {@code weight_decay}). Applies to every param, biases included; 0 (the default): none.
     */
    public Builder weightDecay(double lambda) {
      if (!(lambda >= 0) || !Double.isFinite(lambda)) {
        throw new IllegalArgumentException("weight decay must be a non-negative number: " + lambda);
      }
      this.weightDecay = lambda;
      return this;
    }

    /**
     * Epochs already done (when resuming): training runs epochs {@code startEpoch + 1 .. epochs}
     * with the shuffles and learning rates of an uninterrupted run.
     */
    public Builder startEpoch(int startEpoch) {
      if (startEpoch < 0) {
        throw new IllegalArgumentException("startEpoch must not be negative: " + startEpoch);
      }
      this.startEpoch = startEpoch;
      return this;
    }

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

    /** Stop after {@code patience} epochs without improvement; 0 (the default) never stops early. */
    public Builder patience(int patience) {
      if (patience < 0) {
        throw new IllegalArgumentException("patience must not be negative: " + patience);
      }
      this.patience = patience;
      return this;
    }

    public Builder callback(EpochCallback callback) {
      if (callback == null) {
        throw new IllegalArgumentException("callback must not be null");
      }
      this.callback = callback;
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }

  public int batchSize() {
    return batchSize;
  }

  public int epochs() {
    return epochs;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  public long seed() {
    return seed;
  }

  public int patience() {
    return patience;
  }

  /**
   * The order in which {@link #train} visits {@code n} training examples in {@code epoch}
   * (1-based) for {@code seed}: a permutation of {@code 0..n-1}. Public so that other training
   * engines (the Spark trainer) form exactly the same batches.
   */
  public static int[] epochOrder(int n, long seed, int epoch) {
    int[] order = new int[n];
    epochOrder(seed, epoch, order);
    return order;
  }

  /** The seed of the dropout masks' stream in {@code epoch} (1-based) of a run with {@code seed}. */
  public static long dropoutSeed(long seed, int epoch) {
    return Rng.derive(seed ^ 0x64726F706F7574L, epoch); // "dropout"
  }

  private static void epochOrder(long seed, int epoch, int[] order) {
    Rng rng = new Rng(seed ^ (0x5DEECE66DL * epoch));
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
  }

  /** Trains without a test set. */
  public TrainingHistory train(Model model, Dataset train) {
    return train(model, train, null);
  }

  /**
   * Trains {@code model}'s params in place on {@code train}; {@code test} may be {@code null}.
   * Both data sets must match the model's inputs and targets.
   */
  public TrainingHistory train(Model model, Dataset train, Dataset test) {
    if (!model.hasLoss()) {
      throw new IllegalArgumentException("network " + model.name() + " declares no loss");
    }
    train.checkCompatible(model);
    if (test != null) {
      test.checkCompatible(model);
    }
    int n = train.size();
    if (n == 0) {
      throw new IllegalArgumentException("the training set is empty");
    }
    double baseLr = optimizer.lr();
    boolean scheduled = schedule != LrSchedule.CONSTANT;
    if ((scheduled || weightDecay > 0) && Double.isNaN(baseLr)) {
      throw new IllegalArgumentException(optimizer + " has no learning rate to schedule or decay with");
    }
    int bs = Math.min(batchSize, n);
    Evaluator.BatchBuffers full = new Evaluator.BatchBuffers(model, bs);
    int rest = n % bs;
    Evaluator.BatchBuffers partial = rest == 0 ? null : new Evaluator.BatchBuffers(model, rest);
    Gradient gradient = model.newGradient();
    Evaluator eval = new Evaluator(model, model.inputs(), model.targets(), Evaluation.DEFAULT_BATCH);
    boolean classifier = Evaluation.classifier(model) != null;
    int[] order = Dataset.identity(n);
    List<TensorInfo> infos = model.params();
    int params = infos.size();
    Object[] lastGood = new Object[params];
    copyParams(model, lastGood, true);

    List<EpochReport> reports = new ArrayList<>();
    TrainingHistory.StopReason reason = TrainingHistory.StopReason.COMPLETED;
    double best = Double.POSITIVE_INFINITY;
    int sinceBest = 0;
    long start = System.nanoTime();
    try {
      for (int epoch = startEpoch + 1; epoch <= epochs; epoch++) {
        double lr = scheduled ? baseLr * schedule.factor(epoch, epochs) : baseLr;
        if (scheduled) {
          optimizer.setLr(lr);
        }
        epochOrder(seed, epoch, order);
        model.seedDropout(dropoutSeed(seed, epoch));
        model.setTraining(true);
        long t0 = System.nanoTime();
        double sum = 0;
        double normSum = 0;
        int batches = 0;
        for (int from = 0; from < n; from += bs) {
          int count = Math.min(bs, n - from);
          Evaluator.BatchBuffers b = count == bs ? full : partial;
          train.gatherBatch(order, from, count, b.inputs, b.targets);
          double loss = model.lossAndGradientBatch(count, b.inputs, b.targets, gradient);
          normSum += clip(gradient, params, clipNorm);
          batches++;
          if (weightDecay > 0) {
            decay(model, params, 1 - lr * weightDecay);
          }
          optimizer.step(model, gradient);
          sum += loss * count;
        }
        model.setTraining(false);
        long t1 = System.nanoTime();
        double trainLoss = sum / n;
        double testLoss = test == null ? Double.NaN : eval.meanLoss(test);
        double trainAcc = classifier ? eval.accuracy(train) : Double.NaN;
        double testAcc = classifier && test != null ? eval.accuracy(test) : Double.NaN;
        double seconds = Math.max(t1 - t0, 1) / 1e9;
        EpochReport report = new EpochReport(epoch, trainLoss, testLoss, trainAcc, testAcc,
            n / seconds, Duration.ofNanos(System.nanoTime() - start), lr, normSum / batches);
        reports.add(report);
        boolean goOn = callback.onEpoch(report);
        checkFinite(model, infos, lastGood, epoch, trainLoss, reports);
        if (!goOn) {
          reason = TrainingHistory.StopReason.CALLBACK;
          break;
        }
        double monitored = test == null ? trainLoss : testLoss;
        if (monitored < best) {
          best = monitored;
          sinceBest = 0;
        } else {
          sinceBest++;
        }
        if (patience > 0 && sinceBest >= patience && epoch < epochs) {
          reason = TrainingHistory.StopReason.EARLY_STOPPING;
          break;
        }
      }
    } finally {
      model.setTraining(false);
      if (scheduled) {
        optimizer.setLr(baseLr);
      }
    }
    return new TrainingHistory(reports, reason);
  }

  /** The gradient's global L2 norm; if above {@code max > 0}, scales it down to {@code max}. */
  private static double clip(Gradient gradient, int params, double max) {
    double sq = 0;
    for (int p = 0; p < params; p++) {
      Object g = gradient.data(p);
      if (g instanceof double[] d) {
        for (double x : d) {
          sq += x * x;
        }
      } else {
        for (float x : (float[]) g) {
          sq += (double) x * x;
        }
      }
    }
    double norm = Math.sqrt(sq);
    if (max > 0 && norm > max) {
      double scale = max / norm;
      for (int p = 0; p < params; p++) {
        Object g = gradient.data(p);
        if (g instanceof double[] d) {
          for (int i = 0; i < d.length; i++) {
            d[i] *= scale;
          }
        } else {
          float[] f = (float[]) g;
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) (f[i] * scale);
          }
        }
      }
    }
    return norm;
  }

  /** Multiplies every param value by {@code factor}. */
  private static void decay(Model model, int params, double factor) {
    for (int p = 0; p < params; p++) {
      Object w = model.paramData(p);
      if (w instanceof double[] d) {
        for (int i = 0; i < d.length; i++) {
          d[i] *= factor;
        }
      } else {
        float[] f = (float[]) w;
        for (int i = 0; i < f.length; i++) {
          f[i] = (float) (f[i] * factor);
        }
      }
    }
  }

  /**
   * After an epoch: if the loss or a param is not finite, restores {@code lastGood} and throws
   * {@link DivergedException}; otherwise copies the params into {@code lastGood}.
   */
  private static void checkFinite(Model model, List<TensorInfo> infos, Object[] lastGood, int epoch,
      double trainLoss, List<EpochReport> reports) {
    for (int p = 0; p < infos.size(); p++) {
      Object data = model.paramData(p);
      int bad = firstNonFinite(data);
      if (bad >= 0) {
        double value = data instanceof double[] d ? d[bad] : ((float[]) data)[bad];
        copyParams(model, lastGood, false);
        throw new DivergedException(epoch, infos.get(p).name(), bad, value, trainLoss,
            new TrainingHistory(reports, TrainingHistory.StopReason.DIVERGED));
      }
    }
    if (!Double.isFinite(trainLoss)) {
      copyParams(model, lastGood, false);
      throw new DivergedException(epoch, null, -1, Double.NaN, trainLoss,
          new TrainingHistory(reports, TrainingHistory.StopReason.DIVERGED));
    }
    copyParams(model, lastGood, true);
  }

  /** The first index holding NaN or an infinity, or -1. */
  static int firstNonFinite(Object data) {
    if (data instanceof double[] d) {
      for (int i = 0; i < d.length; i++) {
        if (!Double.isFinite(d[i])) {
          return i;
        }
      }
    } else {
      float[] f = (float[]) data;
      for (int i = 0; i < f.length; i++) {
        if (!Float.isFinite(f[i])) {
          return i;
        }
      }
    }
    return -1;
  }

  /** Copies the model's params into {@code copies} (allocated on first use), or back from them. */
  private static void copyParams(Model model, Object[] copies, boolean save) {
    for (int p = 0; p < copies.length; p++) {
      Object data = model.paramData(p);
      int len = java.lang.reflect.Array.getLength(data);
      if (copies[p] == null) {
        copies[p] = data instanceof double[] ? new double[len] : new float[len];
      }
      if (save) {
        System.arraycopy(data, 0, copies[p], 0, len);
      } else {
        System.arraycopy(copies[p], 0, data, 0, len);
      }
    }
  }
}
