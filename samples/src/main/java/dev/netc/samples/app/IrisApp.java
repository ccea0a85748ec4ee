package dev.netc.samples.app;

import dev.netc.runtime.Adam;
import dev.netc.runtime.Csv;
import dev.netc.runtime.Dataset;
import dev.netc.runtime.Evaluation;
import dev.netc.runtime.ParamsFile;
import dev.netc.runtime.Standardizer;
import dev.netc.runtime.Trainer;
import dev.netc.samples.Iris;
import dev.netc.samples.SampleFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * An application that uses a class netc generated, as a user's application would: {@link Iris} is
 * compiled from {@code samples/iris/iris.net} by netc-maven-plugin, and this code only imports it
 * and the runtime. It trains the network on {@code samples/iris/iris.csv.gz} with standardized
 * features, reports the test accuracy, saves the params, loads them into a fresh instance and
 * names the species of one flower.
 *
 * <p>Usage: {@code IrisApp [PARAMS_FILE]} (default {@code iris.params} in the working directory).
 */
public final class IrisApp {
  /** The species, by class index (the label column of the CSV file). */
  public static final String[] SPECIES = {"setosa", "versicolor", "virginica"};

  private IrisApp() {}

  /** What {@link #run} measured. */
  public record Outcome(
      double testAccuracy,
      Iris trained,
      Iris loaded,
      double[] flower,
      double[] standardized,
      double[] probs,
      String species) {}

  /** Trains, saves to {@code paramsFile}, loads back and classifies one flower; logs to {@code out}. */
  public static Outcome run(Path paramsFile, int epochs, PrintStream out) throws IOException {
    // 1. a generated network: params from seed 42
    Iris net = new Iris(42);
    // 2. the data: 4 measurements + a class index per row; hold out a seeded 20%
    Dataset data = Csv.load(SampleFiles.find("iris/iris.csv.gz"), net);
    Dataset.Split split = data.split(0.2, 7);
    // 3. standardize with the training part's mean and std (keep them to use on new flowers)
    Standardizer std = split.train().fitStandardizer();
    Dataset train = std.apply(split.train());
    Dataset test = std.apply(split.test());
    // 4. train with Adam in mini-batches of 16
    Trainer.builder().optimizer(new Adam(0.01)).batchSize(16).epochs(epochs).seed(7).build()
        .train(net, train, test);
    double accuracy = Evaluation.accuracy(net, test);
    out.printf(Locale.ROOT, "trained %s for %d epochs: test accuracy %.1f%% (%d flowers)%n",
        net.name(), epochs, 100 * accuracy, test.size());
    // 5. save the params, and load them into a fresh instance
    ParamsFile.save(net, paramsFile);
    Iris loaded = new Iris(0);
    ParamsFile.load(loaded, paramsFile);
    out.printf(Locale.ROOT, "saved the params to %s (%d bytes) and loaded them into a new Iris%n",
        paramsFile, Files.size(paramsFile));
    // 6. predict one flower: standardize it the same way, then predict
    // sepal length, sepal width, petal length, petal width (cm): row 146 of the data, a virginica
    double[] flower = {6.7, 3.0, 5.2, 2.3};
    double[] x = flower.clone();
    std.applyInPlace(1, new double[][] {x});
    double[] p = loaded.predict(x);
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    out.printf(Locale.ROOT, "flower %s cm -> %s (p = %s)%n", Arrays.toString(flower), SPECIES[best],
        format(p));
    return new Outcome(accuracy, net, loaded, flower, x, p, SPECIES[best]);
  }

  private static String format(double[] p) {
    StringBuilder sb = new StringBuilder("[");
    for (int k = 0; k < p.length; k++) {
      sb.append(k == 0 ? "" : ", ").append(SPECIES[k]).append(' ')
          .append(String.format(Locale.ROOT, "%.3f", p[k]));
    }
    return sb.append(']').toString();
  }

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args.length > 0 ? args[0] : "iris.params");
    run(file, 100, System.out);
  }
}
