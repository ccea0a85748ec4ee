package dev.netc.maven;

import dev.netc.compiler.NetcCompiler;
import dev.netc.compiler.diag.Diagnostic;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.emit.Emitter.GeneratedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The incremental core shared by the {@code generate} and {@code generate-test} goals, free of
 * Maven types so that it can be tested in-process.
 *
 * <p>A run compares every {@code .net} file under the source directory with the {@link
 * GeneratorState} of the last successful run and compiles only the stale ones: new, changed
 * (SHA-256 of the bytes), importing ({@code use}) a file that changed, appeared or disappeared
 * since, or with a generated file missing; all of them when the state is
 * missing or unreadable or the options changed. A generated file is written only when its bytes
 * differ from what is on disk, so an unchanged class keeps its timestamp. Files that the last run
 * generated and this one does not (their {@code .net} file is gone, or no longer declares that
 * network) are deleted. When there is an error nothing is written and the state is left alone, so
 * the next run tries again.
 */
final class NetcGenerator {
  private NetcGenerator() {}

  /**
   * @param sourceDirectory scanned for {@code **}{@code /*.net}; need not exist
   * @param outputDirectory where the {@code .java} files go
   * @param stateFile the plain-text {@link GeneratorState}
   * @param baseDirectory diagnostics name files relative to it (the project base directory)
   */
  record Config(
      Path sourceDirectory, Path outputDirectory, Path stateFile, Path baseDirectory, NetcCompiler.Options options) {}

  /**
   * What a run did.
   *
   * @param diagnostics errors and warnings of the files compiled, in order
   * @param compiled the {@code .net} files compiled (paths relative to the source directory)
   * @param upToDate how many {@code .net} files were not compiled because nothing changed
   * @param written generated files created or changed
   * @param unchanged generated files regenerated with the same bytes, left untouched
   * @param deleted generated files removed because nothing produces them any more
   * @param notes things worth a warning that are not diagnostics (an unreadable state file)
   */
  record Outcome(
      List<Diagnostic> diagnostics,
      List<String> compiled,
      int upToDate,
      List<Path> written,
      List<Path> unchanged,
      List<Path> deleted,
      List<String> notes) {
    long errorCount() {
      return diagnostics.stream().filter(Diagnostic::isError).count();
    }
  }

  /** One {@code .net} file as found on disk. */
  private record Source(String relative, Path path, byte[] bytes, String sha256) {}

  static Outcome run(Config config) throws IOException {
    Path out = config.outputDirectory().toAbsolutePath().normalize();
    List<String> notes = new ArrayList<>();
    Map<String, Source> sources = scan(config.sourceDirectory());
    GeneratorState previous = readState(config.stateFile(), notes).orElse(null);
    if (sources.isEmpty() && previous == null) {
      return new Outcome(List.of(), List.of(), 0, List.of(), List.of(), List.of(), notes);
    }
    String fingerprint = fingerprint(config.options());
    boolean everything = previous == null || !previous.options().equals(fingerprint) || !previous.output().equals(out);

    List<Source> stale = new ArrayList<>();
    for (Source s : sources.values()) {
      if (everything || isStale(s, previous.sources().get(s.relative()), out)) {
        stale.add(s);
      }
    }
    boolean removedAny = previous != null && !sources.keySet().containsAll(previous.sources().keySet());
    if (stale.isEmpty() && !removedAny && !everything) {
      return new Outcome(List.of(), List.of(), sources.size(), List.of(), List.of(), List.of(), notes);
    }

    // Compile each stale file on its own (that is how we learn which file produced which class),
    // then the whole set if two files claim the same class, for the compiler's own diagnostic.
    List<Diagnostic> diagnostics = new ArrayList<>();
    Map<String, List<GeneratedFile>> produced = new LinkedHashMap<>();
    Map<String, Map<String, String>> uses = new LinkedHashMap<>();
    for (Source s : stale) {
      NetcCompiler.Result r = NetcCompiler.compile(List.of(sourceFile(s, config.baseDirectory())), config.options());
      diagnostics.addAll(r.diagnostics().all());
      produced.put(s.relative(), r.files());
      Map<String, String> used = new LinkedHashMap<>();
      for (Path p : r.imports()) {
        used.put(p.toString(), shaOrEmpty(p));
      }
      uses.put(s.relative(), used);
    }
    if (diagnostics.stream().noneMatch(Diagnostic::isError) && claimsClash(sources, produced, previous)) {
      List<SourceFile> all = sources.values().stream().map(s -> sourceFile(s, config.baseDirectory())).toList();
      diagnostics = new ArrayList<>(NetcCompiler.compile(all, config.options()).diagnostics().all());
    }
    List<String> compiled = stale.stream().map(Source::relative).toList();
    int upToDate = sources.size() - stale.size();
    if (diagnostics.stream().anyMatch(Diagnostic::isError)) {
      return new Outcome(List.copyOf(diagnostics), compiled, upToDate, List.of(), List.of(), List.of(), notes);
    }

    List<Path> written = new ArrayList<>();
    List<Path> unchanged = new ArrayList<>();
    for (List<GeneratedFile> files : produced.values()) {
      for (GeneratedFile f : files) {
        Path target = out.resolve(f.relativePath());
        (writeIfChanged(target, f.content().getBytes(StandardCharsets.UTF_8)) ? written : unchanged).add(target);
      }
    }

    Map<String, GeneratorState.Entry> entries = new LinkedHashMap<>();
    for (Source s : sources.values()) {
      boolean compiledNow = produced.containsKey(s.relative());
      List<String> generated = compiledNow
          ? produced.get(s.relative()).stream().map(GeneratedFile::relativePath).toList()
          : previous.sources().get(s.relative()).generated();
      Map<String, String> used = compiledNow ? uses.get(s.relative()) : previous.sources().get(s.relative()).uses();
      entries.put(s.relative(), new GeneratorState.Entry(s.sha256(), generated, used));
    }
    GeneratorState next = new GeneratorState(fingerprint, out, entries);
    List<Path> deleted = deleteOrphans(previous, next);
    next.write(config.stateFile());
    return new Outcome(List.copyOf(diagnostics), compiled, upToDate, written, unchanged, deleted, notes);
  }

  /**
   * The options that shape the output, and the compiler that wrote it; a change of either
   * regenerates everything (a new netc may emit different code for the same {@code .net} file).
   */
  static String fingerprint(NetcCompiler.Options options) {
    return "package=" + options.defaultPackage() + " precision=" + (options.isFloat() ? "float" : "double")
        + " kernels=" + options.kernels().option() + (options.jvp() ? " jvp=true" : "") + (options.hvp() ? " hvp=true" : "")
        + " compiler=" + COMPILER;
  }

  /** The compiler's jar (or class folder) as size and modification time: enough to notice a new build of it. */
  private static final String COMPILER = compilerIdentity();

  private static String compilerIdentity() {
    try {
      java.security.CodeSource source = NetcCompiler.class.getProtectionDomain().getCodeSource();
      Path p = Path.of(source.getLocation().toURI());
      if (Files.isDirectory(p)) {
        p = p.resolve(NetcCompiler.class.getName().replace('.', '/') + ".class");
      }
      return Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
    } catch (Exception e) { // no code source (or not a file): options alone decide
      return "unknown";
    }
  }

  private static boolean isStale(Source s, GeneratorState.Entry last, Path out) {
    return last == null
        || !last.sha256().equals(s.sha256())
        || last.generated().stream().anyMatch(g -> !Files.isRegularFile(out.resolve(g)))
        || last.uses().entrySet().stream().anyMatch(u -> !shaOrEmpty(Path.of(u.getKey())).equals(u.getValue()));
  }

  /** The SHA-256 of a file's bytes, or "" when it cannot be read (a missing import: its creation is a change). */
  private static String shaOrEmpty(Path p) {
    try {
      return Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static Optional<GeneratorState> readState(Path stateFile, List<String> notes) {
    try {
      return GeneratorState.read(stateFile);
    } catch (GeneratorState.CorruptStateException | IOException e) {
      notes.add("ignoring the unreadable state file " + stateFile + " (" + e.getMessage() + "); regenerating everything");
      return Optional.empty();
    }
  }

  /** Whether two current files would generate the same class. */
  private static boolean claimsClash(
      Map<String, Source> sources, Map<String, List<GeneratedFile>> produced, GeneratorState previous) {
    Set<String> claimed = new LinkedHashSet<>();
    for (String rel : sources.keySet()) {
      List<String> generated = produced.containsKey(rel)
          ? produced.get(rel).stream().map(GeneratedFile::relativePath).toList()
          : previous.sources().get(rel).generated();
      for (String g : generated) {
        if (!claimed.add(g)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Every {@code .net} file under {@code dir}, sorted, named relative to {@code baseDirectory}. */
  static List<SourceFile> sourceFiles(Path dir, Path baseDirectory) throws IOException {
    return scan(dir).values().stream().map(s -> sourceFile(s, baseDirectory)).toList();
  }

  /** Every {@code .net} file under {@code dir}, by path relative to it ({@code /}-separated), sorted. */
  private static Map<String, Source> scan(Path dir) throws IOException {
    Map<String, Source> sources = new LinkedHashMap<>();
    if (!Files.isDirectory(dir)) {
      return sources;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(p -> p.getFileName().toString().endsWith(".net") && Files.isRegularFile(p)).sorted().toList();
    }
    for (Path p : paths) {
      String relative = dir.relativize(p).toString().replace('\\', '/');
      byte[] bytes = Files.readAllBytes(p);
      sources.put(relative, new Source(relative, p, bytes, sha256(bytes)));
    }
    return sources;
  }

  private static SourceFile sourceFile(Source s, Path baseDirectory) {
    Path abs = s.path().toAbsolutePath().normalize();
    Path base = baseDirectory.toAbsolutePath().normalize();
    String name = abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
    return new SourceFile(name.replace('\\', '/'), new String(s.bytes(), StandardCharsets.UTF_8), abs);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  /** Writes {@code bytes} unless the file already holds exactly them; true when it wrote. */
  static boolean writeIfChanged(Path target, byte[] bytes) throws IOException {
    if (Files.isRegularFile(target) && Files.size(target) == bytes.length
        && Arrays.equals(Files.readAllBytes(target), bytes)) {
      return false;
    }
    Files.createDirectories(target.getParent());
    Files.write(target, bytes);
    return true;
  }

  /** Deletes what {@code previous} generated and {@code next} does not, then emptied package folders. */
  private static List<Path> deleteOrphans(GeneratorState previous, GeneratorState next) throws IOException {
    if (previous == null) {
      return List.of();
    }
    Set<Path> keep = new LinkedHashSet<>();
    next.sources().values().forEach(e -> e.generated().forEach(g -> keep.add(next.output().resolve(g))));
    List<Path> deleted = new ArrayList<>();
    for (GeneratorState.Entry e : previous.sources().values()) {
      for (String g : e.generated()) {
        Path p = previous.output().resolve(g).normalize();
        if (!p.startsWith(previous.output()) || keep.contains(p)) {
          continue;
        }
        if (Files.deleteIfExists(p)) {
          deleted.add(p);
          pruneEmptyParents(p.getParent(), previous.output());
        }
      }
    }
    return deleted;
  }

  private static void pruneEmptyParents(Path dir, Path root) throws IOException {
    for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException e) {
        return;
      }
    }
  }
}
