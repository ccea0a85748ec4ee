package dev.netc.compiler.cli;

import dev.netc.runtime.Csv;
import dev.netc.runtime.DataException;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Model;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.Precision;
import dev.netc.runtime.Predictions;
import dev.netc.runtime.Standardizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    versionProvider = Main.Version.class,
    description = {
      "Compiles a network to Java in memory, loads trained params, and runs it on every example"
          + " of a CSV data set: one CSV row of outputs per example (columns NAME_I, as train's"
          + " CSV names them), then for a classifier the predicted class (column 'predicted') and,"
          + " when the data has targets, the true class ('target').",
      "The data: the input columns, optionally followed by the targets as train reads them."
          + " With targets, the end prints the mean loss and, for a classifier, the accuracy and"
          + " the confusion matrix. The rows go to --out (written atomically; the summary then to"
          + " standard output) or to standard output (the summary then to standard error).",
      "--test-fraction and --seed select the examples train held out with the same values, so"
          + " that predict reports train's final test accuracy and loss; --standardize rescales the"
          + " inputs as train --standardize did (statistics of the training share)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  netc train samples/digits/digits.net --data samples/digits/digits.csv.gz --save d.params",
      "  netc predict samples/digits/digits.net --params d.params --data samples/digits/digits.csv.gz"
          + " --test-fraction 0.2 --out preds.csv",
      "  netc predict samples/xor/xor.net --params xor.params --data samples/xor/xor.csv"
    })
final class PredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a .net file")
  Path file;

  @Option(names = "--network", paramLabel = "N",
      description = "which network, when the file declares several")
  String network;

  @Option(names = "--params", paramLabel = "P", required = true,
      description = "trained params (a file written by train --save or params import)")
  Path params;

  @Option(names = "--data", paramLabel = "D.csv", required = true,
      description = "the examples: CSV or gzipped CSV (.gz), inputs then optional targets")
  Path data;

  @Option(names = "--out", paramLabel = "preds.csv",
      description = "write the rows to this CSV file (atomically) instead of standard output")
  Path out;

  @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0",
      description = "predict only the share of --data that train --test-fraction F --seed S held out"
          + " (default: 0, every example)")
  double testFraction;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "with --test-fraction, the seed train split the data with (default: 1)")
  long seed;

  @Option(names = "--standardize",
      description = "with --test-fraction, rescale the inputs as train --standardize did: with the"
          + " mean and deviation of the training share")
  boolean standardize;

  @Mixin CodegenOptions codegen;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!(testFraction >= 0 && testFraction < 1)) {
      throw CliException.usage("--test-fraction must be at least 0 and less than 1, got " + testFraction);
    }
    if (standardize && testFraction == 0) {
      throw CliException.usage("--standardize needs --test-fraction: the statistics are those of the"
          + " training share of --data, as train measured them");
    }
    if (out != null) {
      Files2.checkWritable(out, "predictions file");
    }
    Model model = Networks.load(file, network, codegen, seed, err);
    if (model.outputs().isEmpty()) {
      throw new CliException(Main.EXIT_SOURCE,
          file + ": network " + model.name() + " declares no output, so there is nothing to predict");
    }
    Dataset examples;
    try {
      ParamsFile.load(model, params);
      examples = Predictions.load(data, model);
    } catch (DataException e) {
      throw CliException.data(e.getMessage());
    }
    if (testFraction > 0) {
      Dataset.Split split = examples.split(testFraction, seed);
      examples = split.test();
      if (standardize) {
        if (split.train().size() == 0) {
          throw CliException.data(data + ": too few examples to measure --standardize on the training share");
        }
        Standardizer s = split.train().fitStandardizer();
        examples = s.apply(examples);
      }
    }
    Predictions p = Predictions.of(model, examples);
    String rows = rows(p, model.precision());
    PrintWriter summary = stdout;
    if (out != null) {
      try {
        Files2.writeAtomically(out, rows.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw CliException.data("cannot write predictions file " + out + ": " + Files2.reason(e));
      }
    } else {
      stdout.print(rows);
      stdout.flush();
      summary = err;
    }
    summary.println(summary(p, model.name()));
    if (out != null) {
      summary.println("wrote " + Networks.count(p.size(), "row") + " to " + out);
    }
    summary.flush();
    return Main.EXIT_OK;
  }

  /** The CSV text: a header, then one row per example. */
  static String rows(Predictions p, Precision precision) {
    List<String> header = new ArrayList<>(Csv.columnNames(p.outputs(), List.of()));
    boolean classes = p.isClassifier();
    boolean targets = classes && p.correct() >= 0;
    if (classes) {
      header.add("predicted");
    }
    if (targets) {
      header.add("target");
    }
    StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
    int outputs = p.outputs().size();
    for (int e = 0; e < p.size(); e++) {
      for (int o = 0; o < outputs; o++) {
        int w = p.outputs().get(o).size();
        for (int j = 0; j < w; j++) {
          if (o + j > 0) {
            sb.append(',');
          }
          double v = p.output(o, e, j);
          sb.append(precision == Precision.FLOAT ? Float.toString((float) v) : Double.toString(v));
        }
      }
      if (classes) {
        sb.append(',').append(p.predictedClass(e));
      }
      if (targets) {
        sb.append(',').append(p.targetClass(e));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** What is printed after the rows: the count, and with targets the loss, accuracy and confusion matrix. */
  static String summary(Predictions p, String network) {
    StringBuilder sb = new StringBuilder("network " + network + ": " + Networks.count(p.size(), "example"));
    if (!Double.isNaN(p.meanLoss())) {
      sb.append(String.format(Locale.ROOT, ", mean loss %.6g", p.meanLoss()));
    }
    int[][] m = p.confusionMatrix();
    if (m == null) {
      if (p.isClassifier()) {
        sb.append(" (no targets in the data, so no accuracy)");
      }
      return sb.toString();
    }
    sb.append(String.format(Locale.ROOT, "%naccuracy %.2f%% (%d of %d)", 100 * p.accuracy(),
        p.correct(), p.size()));
    int width = String.valueOf(m.length - 1).length();
    for (int[] row : m) {
      for (int c : row) {
        width = Math.max(width, String.valueOf(c).length());
      }
    }
    String cell = "%" + (width + 2) + "s";
    sb.append("\nconfusion matrix (rows: target class, columns: predicted class):\n");
    sb.append(String.format(cell, ""));
    for (int j = 0; j < m.length; j++) {
      sb.append(String.format(cell, j));
    }
    for (int i = 0; i < m.length; i++) {
      sb.append('\n').append(String.format(cell, i));
      for (int j = 0; j < m.length; j++) {
        sb.append(String.format(cell, m[i][j]));
      }
    }
    return sb.toString();
  }
}
