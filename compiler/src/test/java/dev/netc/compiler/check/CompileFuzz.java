package dev.netc.compiler.check;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import dev.netc.compiler.javac.InMemoryCompiler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The mutation fuzzer behind {@link FrontendFuzzTest#everyAcceptedMutantCompiles}: mutants of
 * every {@code .net} file of the repository (samples, benchmarks, Maven plugin projects, test
 * resources) go through the whole compiler in process; an exception that is not a diagnostic is a
 * failure, and so is generated Java that javac rejects for a program the checker accepted.
 * Accepted programs are compiled by javac in batches (one javac run costs far more than a class),
 * and a batch that fails is compiled file by file to name the culprit.
 */
final class CompileFuzz {
  /** Names the generated code uses or the JDK and runtime define: user names must not clash with them. */
  static final List<String> HOSTILE_NAMES = List.of(
      "batch", "ex", "grad", "total", "inv", "capacity", "result", "first", "index", "Arrays", "Math", "System",
      "Ops", "Init", "Rng", "Precision", "List", "seed", "dev", "Gradient", "Workspace", "Object", "String",
      "params", "out", "in", "i", "j", "k", "n", "r", "c", "x0", "tmp", "acc", "sum0", "Double", "Float",
      "Integer", "Override", "java", "value", "data", "size", "length", "loss0", "forward", "backward", "train",
      "predict", "paramData", "MODEL", "SHAPES", "Vector", "FloatVector", "DoubleVector");

  private static final List<String> NUMBERS = List.of(
      "0", "1", "2", "3", "0.5", ".5", "1e-3", "0.0", "1e39", "3.5e38", "3.4e38", "1e308", "1e-320", "1e999",
      "65536", "2147483648", "17", "4", "100", "1e-45", "-1");

  private static final List<String> INSERTS = List.of(
      "+", "-", "*", ".*", "\u2299", "/", "^", "=", "(", ")", "[", "]", "{", "}", ",", ";", ".", "\n",
      " ", "x", "W", "h", "sum", "mean", "max", "relu", "sigmoid", "dot", "transpose", "softmax", "norm",
      "output", "loss", "param", "input", "const", "target", "init", "normal", "uniform", "where", "<", "<=",
      "k", "i", "axis", "=", "σ", "가중치", "w\u0870", "_", "1", "2", "0");

  private static final Pattern TOKEN = Pattern.compile(
      "\\s+|[\\p{L}_][\\p{L}\\p{Nd}\\p{Mn}\\p{Mc}_]*|\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\*|<=|>=|==|!=|.",
      Pattern.DOTALL);
  private static final Pattern NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{Nd}_]*");
  private static final Set<String> KEYWORDS = Set.of(
      "package", "network", "input", "target", "param", "const", "init", "output", "loss", "where");

  /** What one run found. */
  record Outcome(int mutants, int accepted, int javacBatches, List<String> failures) {}

  private final Random random;
  private final boolean hostileNames;
  private final List<String> seeds;
  private final List<String> validSeeds;
  private final List<String> failures = new ArrayList<>();
  private final Map<String, Pending> batch = new LinkedHashMap<>();
  private int accepted;
  private int javacBatches;

  private record Pending(String source, String mode, GeneratedFile file) {}

  CompileFuzz(long seed, boolean hostileNames) {
    this.random = new Random(seed);
    this.hostileNames = hostileNames;
    this.seeds = seedFiles();
    this.validSeeds = seeds.stream().filter(CompileFuzz::accepted).toList();
  }

  private static boolean accepted(String source) {
    return !NetcCompiler.compile(List.of(new SourceFile("seed.net", source)), NetcCompiler.Options.DEFAULTS).hasErrors();
  }

  /** Every {@code .net} file of the repository outside build folders, read once. */
  static List<String> seedFiles() {
    Path root = Path.of("..").toAbsolutePath().normalize();
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(p -> p.toString().endsWith(".net") && Files.isRegularFile(p))
          .filter(p -> root.relativize(p).toString().replace('\\', '/').split("/").length > 0)
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/")
              && !p.toString().contains("/node_modules/"))
          .sorted().map(Corpus::read).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int seedCount() {
    return seeds.size();
  }

  int validSeedCount() {
    return validSeeds.size();
  }

  /**
   * Every identifier in the Java that netc generates for the valid seed files in double, float
   * and vector modes (outside comments and string literals), with the number of seed files whose
   * code has it: the names a user name could clash with. Identifiers found in many files are the
   * ones the emitter writes by itself ({@code batch}, {@code ex}, {@code Ops}); the rest are
   * mostly derived from user names ({@code gW1_0}, {@code computeH}). Java keywords and
   * {@code .net} keywords are left out (a user cannot write them as names).
   */
  Map<String, Integer> emittedIdentifiers() {
    Map<String, Integer> files = new java.util.TreeMap<>();
    Pattern javaToken = Pattern.compile("//[^\n]*|/\\*(?s:.*?)\\*/|\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'"
        + "|[A-Za-z_$][A-Za-z0-9_$]*");
    for (String source : validSeeds) {
      Set<String> inThisFile = new HashSet<>();
      for (NetcCompiler.Options o : List.of(new NetcCompiler.Options("", false, false),
          new NetcCompiler.Options("", true, false), new NetcCompiler.Options("", false, true))) {
        NetcCompiler.Result r = BigStack.call(() -> NetcCompiler.compile(List.of(new SourceFile("seed.net", source)), o));
        for (GeneratedFile f : r.files()) {
          Matcher m = javaToken.matcher(f.content());
          while (m.find()) {
            String t = m.group();
            if (NAME.matcher(t).matches() && !javax.lang.model.SourceVersion.isKeyword(t) && !KEYWORDS.contains(t)) {
              inThisFile.add(t);
            }
          }
        }
      }
      inThisFile.forEach(t -> files.merge(t, 1, Integer::sum));
    }
    return files;
  }

  /**
   * {@code count} valid seed files, each with one to three user names (or the network's name)
   * renamed to names drawn half the time from {@code common} and half from {@code all}, each compiled in double, float and vector modes: no
   * exception other than diagnostics, and javac compiles every accepted program's Java.
   */
  Outcome renames(int count, List<String> common, List<String> all) {
    for (int n = 0; n < count; n++) {
      String seed = validSeeds.get(random.nextInt(validSeeds.size()));
      List<String> tokens = new ArrayList<>();
      Matcher m = TOKEN.matcher(seed);
      while (m.find()) {
        tokens.add(m.group());
      }
      int renames = 1 + random.nextInt(3);
      for (int k = 0; k < renames; k++) {
        List<String> from = random.nextBoolean() ? common : all;
        renameEverywhere(tokens, from.get(random.nextInt(from.size())));
      }
      String source = String.join("", tokens);
      for (int mode = 0; mode < 3; mode++) {
        compileAndQueue(source, "hostile" + n + ".net", "hn" + n + "m" + mode, mode == 1, mode == 2);
      }
    }
    flush();
    return new Outcome(count * 3, accepted, javacBatches, List.copyOf(failures));
  }

  Outcome run(int mutants) {
    for (int n = 0; n < mutants; n++) {
      String source = mutant();
      boolean isFloat = random.nextInt(3) == 0;
      boolean vector = random.nextInt(5) == 0;
      compileAndQueue(source, "fuzz" + n + ".net", "fz" + n, isFloat, vector);
    }
    flush();
    return new Outcome(mutants, accepted, javacBatches, List.copyOf(failures));
  }

  /** Compiles {@code source} with netc; an accepted program's Java joins the next javac batch. */
  private void compileAndQueue(String source, String fileName, String pkg, boolean isFloat, boolean vector) {
    String mode = (isFloat ? "float" : "double") + (vector ? " vector" : "");
    NetcCompiler.Result r;
    try {
      r = BigStack.call(() -> NetcCompiler.compile(List.of(new SourceFile(fileName, source)),
          new NetcCompiler.Options(pkg, isFloat, vector)));
    } catch (Throwable t) {
      failures.add("compiler threw " + t + " (" + mode + ") on:\n" + source);
      return;
    }
    if (r.hasErrors()) {
      return;
    }
    accepted++;
    for (GeneratedFile f : r.files()) {
      if (batch.containsKey(f.qualifiedName()) || batch.size() >= 40) {
        flush();
      }
      batch.put(f.qualifiedName(), new Pending(source, mode, f));
    }
  }

  private void flush() {
    if (batch.isEmpty()) {
      return;
    }
    javacBatches++;
    List<Pending> pending = new ArrayList<>(batch.values());
    batch.clear();
    try {
      InMemoryCompiler.compile(pending.stream().map(Pending::file).toList());
      return;
    } catch (Throwable t) {
      if (pending.size() == 1) {
        failures.add("accepted (" + pending.get(0).mode() + ") but javac fails: " + clip(t.getMessage()) + "\non:\n"
            + pending.get(0).source());
        return;
      }
    }
    for (Pending p : pending) {
      try {
        InMemoryCompiler.compile(List.of(p.file()));
      } catch (Throwable t) {
        failures.add("accepted (" + p.mode() + ") but javac fails: " + clip(t.getMessage()) + "\non:\n" + p.source());
      }
    }
  }

  private static String clip(String s) {
    return s == null || s.length() < 2_000 ? s : s.substring(0, 2_000) + "...";
  }

  private String mutant() {
    List<String> from = random.nextInt(5) == 0 || validSeeds.isEmpty() ? seeds : validSeeds;
    String seed = from.get(random.nextInt(from.size()));
    List<String> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(seed);
    while (m.find()) {
      tokens.add(m.group());
    }
    int mutations = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
    for (int k = 0; k < mutations && !tokens.isEmpty(); k++) {
      mutate(tokens);
    }
    return String.join("", tokens);
  }

  private void mutate(List<String> tokens) {
    int i = random.nextInt(tokens.size());
    int kind = random.nextInt(hostileNames ? 11 : 10);
    switch (kind) {
      case 0 -> tokens.remove(i);
      case 1 -> tokens.add(i, tokens.get(i));
      case 2 -> {
        int j = random.nextInt(tokens.size());
        String t = tokens.get(i);
        tokens.set(i, tokens.get(j));
        tokens.set(j, t);
      }
      case 3 -> tokens.add(i, INSERTS.get(random.nextInt(INSERTS.size())));
      case 4, 5 -> {
        List<Integer> numbers = positions(tokens, t -> Character.isDigit(t.charAt(0)) || t.startsWith("."));
        if (!numbers.isEmpty()) {
          tokens.set(numbers.get(random.nextInt(numbers.size())), NUMBERS.get(random.nextInt(NUMBERS.size())));
        }
      }
      case 6 -> {
        List<Integer> names = positions(tokens, t -> NAME.matcher(t).matches() && !KEYWORDS.contains(t));
        if (names.size() >= 2) {
          tokens.set(names.get(random.nextInt(names.size())), tokens.get(names.get(random.nextInt(names.size()))));
        }
      }
      case 7 -> {
        int at = random.nextInt(tokens.size());
        int levels = random.nextInt(4) == 0 ? 995 + random.nextInt(10) : 1 + random.nextInt(30);
        List<Integer> names = positions(tokens, t -> NAME.matcher(t).matches() && !KEYWORDS.contains(t));
        if (!names.isEmpty()) {
          at = names.get(random.nextInt(names.size()));
        }
        String op = random.nextBoolean() ? "(" : (random.nextBoolean() ? "-(" : "relu(");
        tokens.set(at, op.repeat(levels) + tokens.get(at) + ")".repeat(levels));
      }
      case 8 -> {
        int cp = switch (random.nextInt(4)) {
          case 0 -> 0x0870 + random.nextInt(0x30);
          case 1 -> 0x80 + random.nextInt(0x3000);
          case 2 -> random.nextInt(Character.MAX_CODE_POINT + 1);
          default -> "σλ가\u00e9\u0301".codePointAt(random.nextInt(5));
        };
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 'x';
        }
        String s = new String(Character.toChars(cp));
        tokens.set(i, random.nextBoolean() && NAME.matcher(tokens.get(i)).matches() ? tokens.get(i) + s : s);
      }
      case 9 -> {
        int j = Math.min(tokens.size(), i + 1 + random.nextInt(8));
        tokens.addAll(j, new ArrayList<>(tokens.subList(i, j)));
      }
      default -> renameEverywhere(tokens, HOSTILE_NAMES.get(random.nextInt(HOSTILE_NAMES.size())));
    }
  }

  /** Renames one user name (or the network) everywhere in the file to {@code to}. */
  private void renameEverywhere(List<String> tokens, String to) {
    Set<String> names = new HashSet<>();
    for (String t : tokens) {
      if (NAME.matcher(t).matches() && !KEYWORDS.contains(t)) {
        names.add(t);
      }
    }
    if (names.isEmpty()) {
      return;
    }
    List<String> sorted = names.stream().sorted().toList();
    String from = sorted.get(random.nextInt(sorted.size()));
    tokens.replaceAll(t -> t.equals(from) ? to : t);
  }

  private static List<Integer> positions(List<String> tokens, java.util.function.Predicate<String> p) {
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      if (p.test(tokens.get(i))) {
        at.add(i);
      }
    }
    return at;
  }
}
