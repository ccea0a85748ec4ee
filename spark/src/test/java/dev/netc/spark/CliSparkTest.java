package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.*;

import dev.netc.compiler.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** netc train --spark: the engine is found through ServiceLoader (this module is on the class path). */
class CliSparkTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  record Run(int code, String out, String err) {}

  static Run netc(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static String summary(String out) {
    for (String line : out.split("\n")) {
      if (line.startsWith("done in ")) {
        return line.substring(line.indexOf(": ") + 2);
      }
    }
    return fail("no summary in:\n" + out);
  }

  @Test
  void trainOnSparkPrintsWhereAndMatchesTheOneMachineRun(@TempDir Path dir) throws Exception {
    String net = ROOT.resolve("samples/digits/digits.net").toString();
    String data = ROOT.resolve("samples/digits/digits.csv.gz").toString();
    Run local = netc("train", net, "--data", data, "--epochs", "3", "--lr", "0.003",
        "--save", dir.resolve("local.params").toString());
    assertEquals(0, local.code(), local.err());
    Run spark = netc("train", net, "--data", data, "--epochs", "3", "--lr", "0.003",
        "--spark", "local[2]", "--partitions", "3", "--save", dir.resolve("spark.params").toString());
    assertEquals(0, spark.code(), spark.err());
    assertTrue(spark.out().contains("on Spark local[2] (Spark 4.0.1), 3 partitions"), spark.out());
    assertFalse(local.out().contains("on Spark"), local.out());
    // losses and accuracies printed to 6 significant digits: the runs differ far below that
    assertEquals(summary(local.out()), summary(spark.out()));
    assertTrue(Files.size(dir.resolve("spark.params")) > 0);
    assertEquals(Files.size(dir.resolve("local.params")), Files.size(dir.resolve("spark.params")));
  }

  @Test
  void badSparkOptionsAreUsageErrors() {
    String net = ROOT.resolve("samples/digits/digits.net").toString();
    String data = ROOT.resolve("samples/digits/digits.csv.gz").toString();
    Run noSpark = netc("train", net, "--data", data, "--partitions", "2");
    assertEquals(Main.EXIT_USAGE, noSpark.code());
    assertTrue(noSpark.err().contains("--partitions needs --spark"), noSpark.err());
    Run zero = netc("train", net, "--data", data, "--spark", "local[2]", "--partitions", "0");
    assertEquals(Main.EXIT_USAGE, zero.code());
    assertTrue(zero.err().contains("--partitions must be between 1 and 100000, got 0"), zero.err());
    Run threads = netc("train", net, "--data", data, "--spark", "local[2]", "--threads", "2");
    assertEquals(Main.EXIT_USAGE, threads.code());
    assertTrue(threads.err().contains("do not combine with --spark"), threads.err());
    Run master = netc("train", net, "--data", data, "--spark", "nonsense://x", "--epochs", "1");
    assertEquals(Main.EXIT_USAGE, master.code(), master.out() + master.err());
    assertTrue(master.err().contains("--spark nonsense://x: cannot start Spark"), master.err());
    assertFalse(master.err().contains("\tat "), master.err());
  }

  /** The ./netc commands of samples/spark/README.md run (2 epochs instead of the README's). */
  @Test
  void theSampleReadmeCommandRuns() throws Exception {
    int found = 0;
    for (String line : Files.readAllLines(ROOT.resolve("samples/spark/README.md"))) {
      if (!line.startsWith("./netc ")) {
        continue;
      }
      found++;
      java.util.List<String> args = new java.util.ArrayList<>();
      String[] words = line.substring("./netc ".length()).trim().split("\\s+");
      for (int i = 0; i < words.length; i++) {
        String w = words[i].replace("'", "");
        if (w.startsWith("samples/")) {
          w = ROOT.resolve(w).toString();
        }
        args.add(w);
        if (w.equals("--epochs")) {
          args.add("2");
          i++;
        }
      }
      Run r = netc(args.toArray(String[]::new));
      assertEquals(0, r.code(), line + "\n" + r.out() + r.err());
      assertTrue(r.out().contains("on Spark local["), r.out());
    }
    assertEquals(1, found, "commands in samples/spark/README.md");
  }
}
