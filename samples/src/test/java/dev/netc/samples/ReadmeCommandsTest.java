package dev.netc.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the {@code ./netc} command of every sample README (and of the root README's "Samples"
 * section) through the CLI's in-process entry, with the README's own arguments but fewer epochs,
 * so that a README and what works cannot drift apart. Files the commands write (and those later
 * commands of the same README read: {@code --params}, {@code .params} and {@code .safetensors}
 * arguments outside {@code samples/}) go to one temporary folder, in the README's order. A
 * {@code --text-match} keeps only the words that start with z (112 of the word list), so that
 * the character models train in seconds; single quotes around an argument are the shell's and
 * are removed.
 */
class ReadmeCommandsTest {
  /** Epochs used in place of a README's {@code --epochs N}. */
  static final String FEW_EPOCHS = "2";

  /** Used in place of a README's {@code --text-match REGEX}: the 112 words that start with z. */
  static final String FEW_WORDS = "z[a-z]+";

  static final Path SAMPLES = SampleFiles.find("xor/README.md").getParent().getParent();
  static final Path ROOT = SAMPLES.getParent();

  @TempDir static Path tmp;

  /** {@code ./netc ...} lines of the fenced code blocks of a README, {@code \} continuations joined. */
  static List<String> fencedCommands(Path readme) throws IOException {
    List<String> commands = new ArrayList<>();
    boolean inFence = false;
    StringBuilder current = null;
    for (String line : Files.readAllLines(readme)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (!inFence) {
        continue;
      }
      String s = line.strip();
      if (current == null && s.startsWith("$ ")) {
        s = s.substring(2);
      }
      if (current == null && !s.startsWith("./netc ")) {
        continue;
      }
      if (current == null) {
        current = new StringBuilder();
      }
      boolean more = s.endsWith("\\");
      current.append(more ? s.substring(0, s.length() - 1) : s).append(' ');
      if (!more) {
        commands.add(current.toString().strip().replaceAll("\\s+", " "));
        current = null;
      }
    }
    return commands;
  }

  /** The {@code `./netc ...`} code spans of the root README's "Samples" section. */
  static List<String> samplesSectionCommands() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("\n## Samples");
    assertTrue(start >= 0, "README.md has a Samples section");
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<String> commands = new ArrayList<>();
    Matcher m = Pattern.compile("`(\\./netc [^`]+)`").matcher(section);
    while (m.find()) {
      commands.add(m.group(1));
    }
    return commands;
  }

  /** The README's arguments with fewer epochs, repository paths made absolute, saves into tmp. */
  static String[] arguments(String command) {
    List<String> args = new ArrayList<>(Arrays.asList(command.split("\\s+")));
    assertEquals("./netc", args.remove(0));
    args.replaceAll(a -> a.length() >= 2 && a.startsWith("'") && a.endsWith("'")
        ? a.substring(1, a.length() - 1) : a);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--epochs")) {
        args.set(i + 1, FEW_EPOCHS);
      } else if (a.equals("--text-match")) {
        args.set(i + 1, FEW_WORDS);
      } else if (a.equals("--save") || a.equals("-d") || a.equals("-o") || a.equals("--out")
          || a.equals("--params")) {
        args.set(i + 1, tmp.resolve(Path.of(args.get(i + 1)).getFileName()).toString());
        i++;
      } else if (a.startsWith("samples/")) {
        args.set(i, ROOT.resolve(a).toString());
      } else if (a.endsWith(".params") || a.endsWith(".safetensors")) {
        // a file a command writes (params import OUT, params export OUT), or reads after another wrote it
        args.set(i, tmp.resolve(a).toString());
      }
    }
    return args.toArray(String[]::new);
  }

  static List<String> allCommands() throws IOException {
    List<String> all = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(SAMPLES)) {
      for (Path dir : dirs.sorted().toList()) {
        Path readme = dir.resolve("README.md");
        if (Files.isRegularFile(readme)) {
          all.addAll(fencedCommands(readme));
        }
      }
    }
    all.addAll(samplesSectionCommands());
    return all;
  }

  @Test
  void everyNetworkSampleHasACommand() throws IOException {
    List<String> all = allCommands();
    for (String name : List.of("xor", "gate", "iris", "digits", "mnist", "from-pytorch", "cnn", "words")) {
      assertTrue(all.stream().anyMatch(c -> c.contains("samples/" + name + "/")), name + " in " + all);
    }
  }

  @TestFactory
  Stream<DynamicTest> readmeCommandsExitZero() throws IOException {
    // --spark commands need the netc-spark module, which this module does not have:
    // dev.netc.spark.CliSparkTest runs those of samples/spark/README.md
    return allCommands().stream().distinct().filter(c -> !c.contains(" --spark "))
        .map(command -> DynamicTest.dynamicTest(command, () -> {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(arguments(command), new PrintWriter(out, true), new PrintWriter(err, true));
      assertEquals(0, code, command + "\nstdout:\n" + out + "\nstderr:\n" + err);
    }));
  }

  /** The {@code mvn ... exec:java -Dexec.mainClass=C} commands name classes that have a main. */
  @Test
  void execCommandsNameAMainClass() throws Exception {
    Pattern main = Pattern.compile("-Dexec\\.mainClass=([\\w.]+)");
    int found = 0;
    for (String name : List.of("dream", "app", "derivatives")) {
      Matcher m = main.matcher(Files.readString(SAMPLES.resolve(name).resolve("README.md")));
      while (m.find()) {
        Method method = Class.forName(m.group(1)).getMethod("main", String[].class);
        assertTrue(Modifier.isStatic(method.getModifiers()), m.group(1));
        found++;
      }
    }
    assertTrue(found >= 4, "exec commands found: " + found);
  }
}
