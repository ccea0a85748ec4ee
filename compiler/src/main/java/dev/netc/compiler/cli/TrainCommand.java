package dev.netc.compiler.cli;

import dev.netc.compiler.viz.LossPlot;
import dev.netc.runtime.Csv;
import dev.netc.runtime.DataException;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.DivergedException;
import dev.netc.runtime.LrSchedule;
import dev.netc.runtime.Optimizer;
import dev.netc.runtime.TrainState;
import dev.netc.runtime.EpochReport;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.Model;
import dev.netc.runtime.Optimizers;
import dev.netc.runtime.IntraOp;
import dev.netc.runtime.ParallelModel;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.Standardizer;
import dev.netc.runtime.Trainer;
import dev.netc.runtime.TextData;
import dev.netc.runtime.TrainingHistory;
import dev.netc.runtime.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Compiles a network to Java in memory and trains it on a CSV data set (plain or .gz),"
          + " printing one line per epoch (a progress bar on a terminal): the training loss, the"
          + " train and test accuracy of a classifier, and examples per second.",
      "CSV: a header row, then the columns of each input (flattened row-major), then each target;"
          + " a target [k] may instead be one integer column holding the class index."
          + " Without --test, a seeded share of the data (--test-fraction) is held out for testing."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc train samples/digits/digits.net --data samples/digits/digits.csv.gz --epochs 30",
      "  netc train samples/iris/iris.net --data samples/iris/iris.csv.gz --standardize --epochs 100",
      "  netc train samples/xor/xor.net --data samples/xor/xor.csv --test samples/xor/xor.csv"
          + " --optimizer sgd --lr 2 --batch 4 --epochs 2000 --save xor.params",
      "  netc train samples/digits/digits.net --data samples/digits/digits.csv.gz --plot loss.png"
    })
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .net file")
  Path file;

  @Option(names = "--data", paramLabel = "D.csv",
      description = "training data: CSV, or gzipped CSV (.gz); or give --text")
  Path data;

  @Option(names = "--text", paramLabel = "F.txt",
      description = "training text instead of --data: UTF-8 lines (gzipped if .gz), one example per line,"
          + " for a network with tok[T] int and next[T] int, or ctx[K] int and next int; the character"
          + " vocabulary is saved with the params")
  Path text;

  @Option(names = "--text-match", paramLabel = "REGEX",
      description = "with --text, keep only the lines this regular expression matches in full")
  String textMatch;

  @Option(names = "--test", paramLabel = "T.csv",
      description = "held-out test data (same layout; with --text, a text file of validation lines)")
  Path test;

  @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.2",
      description = "without --test, the share of --data held out for testing (default: 0.2; 0: none)")
  double testFraction;

  @Option(names = "--network", paramLabel = "N",
      description = "which network, when the file declares several")
  String network;

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "10",
      description = "passes over the training data (default: 10)")
  int epochs;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "32",
      description = "examples per optimizer step (default: 32)")
  int batch;

  @Option(names = "--optimizer", paramLabel = "sgd|momentum|adam", defaultValue = "adam",
      converter = Converters.OptimizerConverter.class, description = "(default: adam)")
  String optimizer;

  @Option(names = "--lr", paramLabel = "LR",
      description = "learning rate (default: 0.1 for sgd, 0.01 for momentum, 0.001 for adam)")
  Double lr;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "seed of the initial params, the split and the shuffling (default: 1)")
  long seed;

  @Option(names = "--standardize",
      description = "rescale every input feature to mean 0 and standard deviation 1, measured on"
          + " the training data (the saved params expect inputs rescaled the same way)")
  boolean standardize;

  @Option(names = "--save", paramLabel = "P", description = "write the trained params to this file")
  Path save;

  @Option(names = "--threads", paramLabel = "T", defaultValue = "1",
      description = "split each batch across T threads, one instance of the generated class each (default: 1)")
  int threads;

  @Option(names = "--intra-op-threads", paramLabel = "T", defaultValue = "1",
      description = "share each large matrix product and Adam's step over a large param among T threads"
          + " (with --vector; results are the same bits as with 1; default: 1)")
  int intraOpThreads;

  @Option(names = "--plot", paramLabel = "FILE",
      description = "draw the training and test loss and accuracy per epoch to this .png or .svg file")
  Path plot;

  @Option(names = "--resume", paramLabel = "P",
      description = "continue a run from the checkpoint P.state beside params file P (written by"
          + " --checkpoint-every); give the same data, seed and options; --epochs is the total")
  Path resume;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
      description = "every N epochs (and at the end), write --save and its optimizer state"
          + " --save.state, atomically, for --resume (default: 0, never)")
  int checkpointEvery;

  @Option(names = "--keep-best",
      description = "whenever the test loss reaches a new low, write the params to NAME.best.params"
          + " beside --save (atomically)")
  boolean keepBest;

  @Option(names = "--early-stop", paramLabel = "K", defaultValue = "0",
      description = "stop when the test loss (the training loss without a test set) has not improved"
          + " for K epochs (default: 0, never)")
  int earlyStop;

  @Option(names = "--lr-schedule", paramLabel = "S", defaultValue = "constant",
      description = "the learning rate per epoch: constant, step:S:G (times G every S epochs, like"
          + " StepLR), cosine (to 0 over all epochs, like CosineAnnealingLR), or warmup+cosine:W"
          + " (linear warm-up over W epochs, then cosine) (default: constant)")
  String lrSchedule;

  @Option(names = "--clip-norm", paramLabel = "C", defaultValue = "0",
      description = "scale each batch's gradient down to global L2 norm C when above it (default: 0, never)")
  double clipNorm;

  @Option(names = "--weight-decay", paramLabel = "L", defaultValue = "0",
      description = "decoupled weight decay: before each step every param is multiplied by 1 - lr*L"
          + " (AdamW; with sgd it equals an L2 penalty) (default: 0)")
  double weightDecay;

  @Option(names = "--log", paramLabel = "F.jsonl",
      description = "write one JSON object per epoch to this file (appended with --resume)")
  Path log;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "train on Apache Spark at this master URL (local[2], local[*], spark://HOST:7077):"
          + " synchronous data-parallel steps over the same batches; ./netc adds the netc-spark module")
  String spark;

  @Option(names = "--partitions", paramLabel = "N",
      description = "with --spark, split the data into N partitions (default: Spark's default parallelism)")
  Integer partitions;

  @Mixin CodegenOptions codegen;

  private LrSchedule schedule;

  /** What the params files of this run carry beside the params (a text model's vocabulary). */
  private Map<String, String> metadata = Map.of();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    validate();
    TrainingEngine engine = spark == null ? null : engine("spark");
    if (save != null) {
      Files2.checkWritable(save, "params file");
    }
    if (plot != null) {
      if (plot.getFileName() == null || LossPlot.formatOf(plot.getFileName().toString()) == null) {
        throw CliException.usage("--plot must name a .png or .svg file, got " + plot);
      }
      Files2.checkWritable(plot, "plot");
    }
    Model model = Networks.load(file, network, codegen, seed, err);
    if (!model.hasLoss()) {
      throw new CliException(Main.EXIT_SOURCE,
          file + ": network " + model.name() + " declares no loss, so it cannot be trained");
    }
    TextInput textInput = null;
    Dataset train;
    Dataset testSet;
    if (text != null) {
      textInput = TextInput.load(text, test, textMatch, testFraction, seed, model);
      metadata = Map.of(Vocabulary.METADATA_KEY, textInput.vocabulary.characters());
      checkResumeVocabulary();
      out.println(textInput.description);
      train = textInput.trainSet(model);
      testSet = textInput.validationSet(model);
    } else if (test != null) {
      train = load(data, model);
      testSet = load(test, model);
    } else if (testFraction > 0) {
      train = load(data, model);
      Dataset.Split split = train.split(testFraction, seed);
      train = split.train();
      testSet = split.test();
      if (train.size() == 0) {
        throw CliException.data(data + ": too few examples (" + (train.size() + testSet.size())
            + ") to hold out " + testFraction + " for testing; give --test or --test-fraction 0");
      }
    } else {
      train = load(data, model);
      testSet = null;
    }
    if (testSet != null && testSet.size() == 0) {
      testSet = null;
    }
    if (standardize) {
      Standardizer s = train.fitStandardizer();
      train = s.apply(train);
      testSet = testSet == null ? null : s.apply(testSet);
    }
    boolean classifier = Evaluation.classifier(model) != null;
    out.println("network " + model.name() + ": " + train.size() + " training examples"
        + (testSet == null ? "" : ", " + testSet.size() + " test examples")
        + (classifier ? ", classifier" : "") + "; " + optimizer + " lr " + learningRate()
        + ", batch " + batch + ", " + epochs + " epochs");
    out.flush();
    // the state file holds the params too (with a checksum) and is written first: a run killed
    // between the two writes resumes from the state alone
    if (resume != null && !Files.exists(TrainState.beside(resume))) {
      try {
        ParamsFile.load(model, resume);
      } catch (DataException e) {
        throw CliException.data(e.getMessage());
      }
    }
    if (keepBest && testSet == null) {
      throw CliException.usage("--keep-best needs a test set (--test or --test-fraction above 0)");
    }
    Progress progress = main != null && main.interactive ? new Progress(out, epochs) : null;
    Optimizer opt = Optimizers.byName(optimizer, learningRate());
    Model[] trained = {model};
    int[] startEpoch = {0};
    double[] bestLoss = {Double.POSITIVE_INFINITY};
    Path bestPath = keepBest ? siblingPath(save, ".best.params") : null;
    PrintWriter logOut = openLog();
    dev.netc.runtime.EpochCallback callback;
    Trainer.Builder builder = Trainer.builder()
        .batchSize(batch)
        .epochs(epochs)
        .optimizer(opt)
        .seed(seed)
        .patience(earlyStop)
        .lrSchedule(schedule)
        .clipNorm(clipNorm)
        .weightDecay(weightDecay)
        .callback(callback = r -> {
          if (progress != null) {
            progress.update(r);
          } else {
            out.println(r);
            out.flush();
          }
          if (logOut != null) {
            logOut.println(json(r));
            logOut.flush();
            if (logOut.checkError()) {
              throw CliException.data("cannot write log " + log);
            }
          }
          if (Double.isFinite(r.trainLoss())) {
            if (bestPath != null && r.testLoss() < bestLoss[0]) {
              bestLoss[0] = r.testLoss();
              saveParams(model, bestPath);
            }
            if (checkpointEvery > 0 && (r.epoch() % checkpointEvery == 0 || r.epoch() == epochs)
                && finite(model)) {
              checkpoint(model, trained[0], opt, r.epoch());
            }
          }
          return true;
        });
    TrainingHistory history;
    DivergedException diverged = null;
    int intraOpBefore = IntraOp.threads();
    IntraOp.setThreads(intraOpThreads);
    try {
      if (spark != null) {
        history = trainOn(engine, new TrainingEngine.Request(model, train, testSet, opt, batch,
            epochs, seed, callback, spark, partitions, out));
      } else if (threads > 1) {
        Model primary = model;
        try (ParallelModel parallel =
            new ParallelModel(primary, () -> Networks.another(primary, seed), threads, 2 * threads)) {
          trained[0] = parallel;
          history = resumeAndTrain(builder, opt, parallel, startEpoch).train(parallel, train, testSet);
        }
      } else {
        history = resumeAndTrain(builder, opt, model, startEpoch).train(model, train, testSet);
      }
    } catch (DivergedException e) {
      diverged = e;
      history = e.history();
    } finally {
      IntraOp.setThreads(intraOpBefore);
      if (logOut != null) {
        logOut.close();
      }
    }
    if (progress != null) {
      progress.finish();
    }
    if (diverged != null) {
      throw diverged(diverged, model);
    }
    if (!history.epochs().isEmpty()) {
      EpochReport last = history.last();
      out.println(String.format(Locale.ROOT, "done in %.1f s: %s", last.elapsed().toNanos() / 1e9,
          summary(last, testSet != null)));
    }
    if (textInput != null && textInput.validation != null) {
      out.println(String.format(Locale.ROOT, "validation loss %.4f nats per character (%d characters)",
          TextData.lossPerCharacter(model, textInput.validation), predicted(textInput.validation)));
    }
    if (plot != null) {
      writePlot(model.name(), history, out);
    }
    if (save != null) {
      try {
        Path dir = save.toAbsolutePath().getParent();
        if (dir != null) {
          java.nio.file.Files.createDirectories(dir);
        }
        ParamsFile.save(model, save, metadata);
        if (checkpointEvery > 0 || resume != null) {
          TrainState.save(TrainState.beside(save), trained[0], opt,
              history.epochs().isEmpty() ? startEpoch[0] : history.last().epoch(), seed);
        }
      } catch (IOException e) {
        throw CliException.data("cannot write params file " + save + ": " + Files2.reason(e));
      }
      out.println("saved params to " + save);
      if (bestPath != null && Files.exists(bestPath)) {
        out.println(String.format(Locale.ROOT, "best test loss %.6g: params in %s", bestLoss[0], bestPath));
      }
    }
    return Main.EXIT_OK;
  }

  /**
   * Exit 5 after a divergence: the trainer restored the last finite params; with --save they go
   * to a sibling file (NAME.last-finite.params) and --save itself is left as it was.
   */
  private CliException diverged(DivergedException e, Model model) {
    String where;
    if (save == null) {
      where = "the last finite params (after epoch " + e.lastGoodEpoch()
          + ") were not saved: no --save given";
    } else {
      Path good = lastFinitePath(save);
      try {
        Path dir = good.toAbsolutePath().getParent();
        if (dir != null) {
          java.nio.file.Files.createDirectories(dir);
        }
        ParamsFile.save(model, good, metadata);
      } catch (IOException io) {
        throw CliException.data(e.getMessage() + "; cannot write the last finite params to " + good
            + ": " + Files2.reason(io));
      }
      where = "the last finite params (after epoch " + e.lastGoodEpoch() + ") are in " + good
          + "; " + save + " was not written";
    }
    return new CliException(Main.EXIT_DIVERGED, e.getMessage() + "; " + where
        + " (try a smaller --lr)");
  }

  /** {@code d.params} -> {@code d.last-finite.params}; other names get {@code .last-finite.params} appended. */
  static Path lastFinitePath(Path save) {
    return siblingPath(save, ".last-finite.params");
  }

  /** {@code d.params} -> {@code d<suffix>}; other names get {@code suffix} appended. */
  static Path siblingPath(Path save, String suffix) {
    String name = save.getFileName().toString();
    String base = name.endsWith(".params") ? name.substring(0, name.length() - ".params".length()) : name;
    return save.resolveSibling(base + suffix);
  }

  /** Loads --resume's optimizer state into {@code opt} for the model being trained; sets the start epoch. */
  private Trainer resumeAndTrain(Trainer.Builder builder, Optimizer opt, Model trainedModel, int[] startEpoch) {
    if (resume != null) {
      Path statePath = TrainState.beside(resume);
      if (!Files.exists(statePath)) {
        throw CliException.data("cannot resume: no optimizer state " + statePath
            + " beside " + resume + " (train with --checkpoint-every to write one)");
      }
      TrainState state;
      try {
        state = TrainState.load(statePath, trainedModel, opt);
      } catch (DataException e) {
        throw CliException.data("cannot resume: " + e.getMessage());
      }
      if (state.seed() != seed) {
        throw CliException.usage("cannot resume: " + statePath + " was trained with --seed "
            + state.seed() + ", not " + seed + " (the split and the shuffles depend on it)");
      }
      startEpoch[0] = state.epoch();
      builder.startEpoch(Math.min(state.epoch(), epochs));
      out().println("resuming after epoch " + state.epoch() + " from " + resume);
    }
    return builder.build();
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private PrintWriter openLog() {
    if (log == null) {
      return null;
    }
    try {
      Path dir = log.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      return new PrintWriter(Files.newBufferedWriter(log, java.nio.charset.StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
          resume != null ? java.nio.file.StandardOpenOption.APPEND
              : java.nio.file.StandardOpenOption.TRUNCATE_EXISTING));
    } catch (IOException e) {
      throw CliException.data("cannot write log " + log + ": " + Files2.reason(e));
    }
  }

  /** One line of --log: NaN (no test set, not a classifier) is null. */
  static String json(EpochReport r) {
    return "{\"epoch\":" + r.epoch()
        + ",\"train_loss\":" + num(r.trainLoss())
        + ",\"test_loss\":" + num(r.testLoss())
        + ",\"train_accuracy\":" + num(r.trainAccuracy())
        + ",\"test_accuracy\":" + num(r.testAccuracy())
        + ",\"lr\":" + num(r.learningRate())
        + ",\"grad_norm\":" + num(r.gradNorm())
        + ",\"seconds\":" + num(r.elapsed().toNanos() / 1e9) + "}";
  }

  private static String num(double x) {
    return Double.isFinite(x) ? Double.toString(x) : "null";
  }

  private static boolean finite(Model model) {
    for (int p = 0; p < model.params().size(); p++) {
      Object d = model.paramData(p);
      if (d instanceof double[] a) {
        for (double x : a) {
          if (!Double.isFinite(x)) {
            return false;
          }
        }
      } else {
        for (float x : (float[]) d) {
          if (!Float.isFinite(x)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private void saveParams(Model model, Path path) {
    try {
      Path dir = path.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      ParamsFile.save(model, path, metadata);
    } catch (IOException e) {
      throw CliException.data("cannot write params file " + path + ": " + Files2.reason(e));
    }
  }

  /** Writes the state (which holds the params too, for --resume) first, then the params file. */
  private void checkpoint(Model model, Model trainedModel, Optimizer opt, int epoch) {
    try {
      Path dir = save.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      TrainState.save(TrainState.beside(save), trainedModel, opt, epoch, seed);
      ParamsFile.save(model, save, metadata);
    } catch (IOException e) {
      throw CliException.data("cannot write checkpoint " + save + ": " + Files2.reason(e));
    }
  }

  private void writePlot(String name, TrainingHistory history, PrintWriter out) {
    if (history.epochs().isEmpty()) {
      out.println("no epochs, so no plot written to " + plot);
      return;
    }
    try {
      byte[] bytes = LossPlot.encode(LossPlot.chart("network " + name, history),
          LossPlot.formatOf(plot.getFileName().toString()));
      GraphCommand.write(plot, bytes);
    } catch (IOException e) {
      throw CliException.data("cannot write plot " + plot + ": " + Files2.reason(e));
    }
    out.println("plotted to " + plot);
  }

  private static TrainingEngine engine(String name) {
    TrainingEngine engine = TrainingEngine.find(name);
    if (engine == null) {
      throw CliException.usage("--" + name + " needs the netc-" + name + " module on the class path;"
          + " the ./netc launcher adds it when --" + name + " is given");
    }
    return engine;
  }

  private static TrainingHistory trainOn(TrainingEngine engine, TrainingEngine.Request request) {
    try {
      return engine.train(request);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  private void validate() {
    if ((data == null) == (text == null)) {
      throw CliException.usage(data == null
          ? "give the training data: --data D.csv, or --text F.txt for a text model"
          : "--data and --text exclude each other: give one");
    }
    if (textMatch != null && text == null) {
      throw CliException.usage("--text-match needs --text");
    }
    if (text != null && standardize) {
      throw CliException.usage("--standardize does not apply to --text (its inputs are character ids)");
    }
    if (spark == null && partitions != null) {
      throw CliException.usage("--partitions needs --spark");
    }
    if (partitions != null && (partitions < 1 || partitions > 100_000)) {
      throw CliException.usage("--partitions must be between 1 and 100000, got " + partitions);
    }
    if (spark != null && spark.isBlank()) {
      throw CliException.usage("--spark needs a master URL, e.g. local[2]");
    }
    if (spark != null && (threads > 1 || intraOpThreads > 1)) {
      throw CliException.usage("--threads and --intra-op-threads do not combine with --spark"
          + " (Spark runs one task per core)");
    }
    if (spark != null && (resume != null || checkpointEvery != 0 || earlyStop != 0
        || !"constant".equals(lrSchedule) || clipNorm != 0 || weightDecay != 0)) {
      throw CliException.usage("--spark trains with a constant learning rate, without --resume,"
          + " --checkpoint-every, --early-stop, --lr-schedule, --clip-norm or --weight-decay");
    }
    if (epochs < 0) {
      throw CliException.usage("--epochs must not be negative, got " + epochs);
    }
    if (batch < 1) {
      throw CliException.usage("--batch must be at least 1, got " + batch);
    }
    if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
      throw CliException.usage("--lr must be a positive number, got " + lr);
    }
    if (threads < 1 || threads > 64) {
      throw CliException.usage("--threads must be between 1 and 64, got " + threads);
    }
    if (intraOpThreads < 1 || intraOpThreads > 64) {
      throw CliException.usage("--intra-op-threads must be between 1 and 64, got " + intraOpThreads);
    }
    if (checkpointEvery < 0) {
      throw CliException.usage("--checkpoint-every must not be negative, got " + checkpointEvery);
    }
    if (checkpointEvery > 0 && save == null) {
      throw CliException.usage("--checkpoint-every needs --save (the checkpoint is written there)");
    }
    if (keepBest && save == null) {
      throw CliException.usage("--keep-best needs --save (the best params go beside it)");
    }
    if (earlyStop < 0) {
      throw CliException.usage("--early-stop must not be negative, got " + earlyStop);
    }
    if (!(clipNorm >= 0 && Double.isFinite(clipNorm))) {
      throw CliException.usage("--clip-norm must be a non-negative number, got " + clipNorm);
    }
    if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
      throw CliException.usage("--weight-decay must be a non-negative number, got " + weightDecay);
    }
    try {
      schedule = LrSchedule.parse(lrSchedule);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--lr-schedule: " + e.getMessage());
    }
    if (!(testFraction >= 0 && testFraction < 1)) {
      throw CliException.usage("--test-fraction must be at least 0 and less than 1, got " + testFraction);
    }
    if (test != null && spec.commandLine().getParseResult().hasMatchedOption("--test-fraction")) {
      throw CliException.usage("--test and --test-fraction exclude each other: --test gives the test"
          + " data, --test-fraction holds out a share of --" + (text != null ? "text" : "data") + " instead");
    }
  }

  /** With --text and --resume, the params to resume must have been trained on the same vocabulary. */
  private void checkResumeVocabulary() {
    if (resume == null || !Files.exists(resume)) {
      return;
    }
    String saved;
    try {
      saved = ParamsFile.metadata(resume).get(Vocabulary.METADATA_KEY);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
    String now = metadata.get(Vocabulary.METADATA_KEY);
    if (saved != null && !saved.equals(now)) {
      throw CliException.data(resume + ": its vocabulary (" + dev.netc.runtime.Messages.clip(saved)
          + ") is not the one of --text " + text + " (" + dev.netc.runtime.Messages.clip(now) + ")");
    }
  }

  /** The number of predicted characters (non-padding targets) of {@code examples}. */
  private static long predicted(TextData.Examples examples) {
    long n = 0;
    for (int id : examples.targets()) {
      n += id == Vocabulary.PAD ? 0 : 1;
    }
    return n;
  }

  private double learningRate() {
    if (lr != null) {
      return lr;
    }
    return switch (optimizer) {
      case "sgd" -> 0.1;
      case "momentum" -> 0.01;
      default -> 0.001;
    };
  }

  private static Dataset load(Path path, Model model) {
    try {
      return Csv.load(path, model);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
  }

  static String summary(EpochReport r, boolean hasTest) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "train loss %.6g", r.trainLoss()));
    if (hasTest && !Double.isNaN(r.testLoss())) {
      sb.append(String.format(Locale.ROOT, ", test loss %.6g", r.testLoss()));
    }
    if (!Double.isNaN(r.trainAccuracy())) {
      sb.append(String.format(Locale.ROOT, ", train acc %.2f%%", 100 * r.trainAccuracy()));
    }
    if (!Double.isNaN(r.testAccuracy())) {
      sb.append(String.format(Locale.ROOT, ", test acc %.2f%%", 100 * r.testAccuracy()));
    }
    return sb.toString();
  }

  /** A one-line progress bar over the epochs, redrawn in place with a carriage return. */
  static final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final int epochs;

    Progress(PrintWriter out, int epochs) {
      this.out = out;
      this.epochs = epochs;
      draw(0, "");
    }

    void update(EpochReport r) {
      draw(r.epoch(), String.format(Locale.ROOT, "%s, %.0f ex/s", summary(r, true), r.examplesPerSecond()));
    }

    private void draw(int epoch, String text) {
      int filled = epochs == 0 ? WIDTH : (int) ((long) WIDTH * epoch / epochs);
      String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
      out.print("\r[" + bar + "] epoch " + epoch + "/" + epochs + (text.isEmpty() ? "" : "  " + text) + "\u001b[K");
      out.flush();
    }

    void finish() {
      out.println();
    }
  }
}
