package dev.netc.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the last successful run generated, kept in a plain-text file so that the next run can
 * tell what changed. The format, one fact a line:
 *
 * <pre>
 * # comment
 * netc-state 1
 * options package=com.example precision=double
 * output /abs/path/target/generated-sources/netc
 * source 3f2a...e9 nets/xor.net          (SHA-256 of the file's bytes, path under sourceDirectory)
 * generated com/example/nets/Xor.java    (a file that source produced, path under output)
 * uses 9c1e...04 /abs/path/src/main/net/layers.net   (a file it imports with use, and its SHA-256)
 * </pre>
 *
 * Paths use {@code /} and run to the end of the line. Anything else makes the file corrupt, which
 * the generator treats as "no state": everything is regenerated.
 *
 * @param options the fingerprint of the options that shaped the output
 * @param output the absolute output directory the generated paths are relative to
 * @param sources per {@code .net} path (relative to the source directory), its hash and outputs
 */
record GeneratorState(String options, Path output, Map<String, Entry> sources) {
  static final String MAGIC = "netc-state 1";
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  GeneratorState {
    sources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sources));
  }

  /**
   * One {@code .net} file: the SHA-256 of its bytes, the files it produced, and the files it
   * imports (directly or not) by absolute path with the SHA-256 they had ("" for a file that
   * could not be read), so that a change to an import makes the file stale.
   */
  record Entry(String sha256, List<String> generated, Map<String, String> uses) {
    Entry {
      generated = List.copyOf(generated);
      uses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(uses));
    }

    Entry(String sha256, List<String> generated) {
      this(sha256, generated, Map.of());
    }
  }

  /** Thrown by {@link #read} when the file exists but is not a state file this version wrote. */
  static final class CorruptStateException extends Exception {
    CorruptStateException(String message) {
      super(message);
    }
  }

  /** The state in {@code file}; empty when there is no such file. */
  static Optional<GeneratorState> read(Path file) throws IOException, CorruptStateException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new CorruptStateException("not UTF-8 text");
    }
    return Optional.of(parse(lines));
  }

  static GeneratorState parse(List<String> lines) throws CorruptStateException {
    String options = null;
    Path output = null;
    boolean sawMagic = false;
    Map<String, Entry> sources = new LinkedHashMap<>();
    String currentSource = null;
    String currentSha = null;
    List<String> currentGenerated = new ArrayList<>();
    Map<String, String> currentUses = new LinkedHashMap<>();
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.indexOf(' ');
      String key = space < 0 ? line : line.substring(0, space);
      String rest = space < 0 ? "" : line.substring(space + 1);
      if (!sawMagic) {
        if (!line.equals(MAGIC)) {
          throw new CorruptStateException("line " + lineNo + ": expected '" + MAGIC + "'");
        }
        sawMagic = true;
        continue;
      }
      switch (key) {
        case "options" -> options = rest;
        case "output" -> output = Path.of(nonEmpty(rest, lineNo));
        case "source" -> {
          if (currentSource != null) {
            sources.put(currentSource, new Entry(currentSha, currentGenerated, currentUses));
          }
          int sp = rest.indexOf(' ');
          if (sp < 0 || !SHA256.matcher(rest.substring(0, sp)).matches()) {
            throw new CorruptStateException("line " + lineNo + ": expected 'source <sha-256> <path>'");
          }
          currentSha = rest.substring(0, sp);
          currentSource = nonEmpty(rest.substring(sp + 1), lineNo);
          if (sources.containsKey(currentSource)) {
            throw new CorruptStateException("line " + lineNo + ": source listed twice");
          }
          currentGenerated = new ArrayList<>();
          currentUses = new LinkedHashMap<>();
        }
        case "uses" -> {
          if (currentSource == null) {
            throw new CorruptStateException("line " + lineNo + ": 'uses' before any 'source'");
          }
          int sp = rest.indexOf(' ');
          String sha = sp < 0 ? "" : rest.substring(0, sp);
          if (sp < 0 || !(sha.equals("-") || SHA256.matcher(sha).matches())) {
            throw new CorruptStateException("line " + lineNo + ": expected 'uses <sha-256 or -> <path>'");
          }
          currentUses.put(nonEmpty(rest.substring(sp + 1), lineNo), sha.equals("-") ? "" : sha);
        }
        case "generated" -> {
          if (currentSource == null) {
            throw new CorruptStateException("line " + lineNo + ": 'generated' before any 'source'");
          }
          currentGenerated.add(nonEmpty(rest, lineNo));
        }
        default -> throw new CorruptStateException("line " + lineNo + ": unknown entry '" + key + "'");
      }
    }
    if (currentSource != null) {
      sources.put(currentSource, new Entry(currentSha, currentGenerated, currentUses));
    }
    if (!sawMagic || options == null || output == null) {
      throw new CorruptStateException("incomplete: it needs '" + MAGIC + "', 'options' and 'output'");
    }
    return new GeneratorState(options, output, sources);
  }

  private static String nonEmpty(String s, int lineNo) throws CorruptStateException {
    if (s.isBlank()) {
      throw new CorruptStateException("line " + lineNo + ": empty path");
    }
    return s;
  }

  List<String> toLines() {
    List<String> lines = new ArrayList<>();
    lines.add("# netc-maven-plugin: what the last build generated. Safe to delete: the next build regenerates all.");
    lines.add(MAGIC);
    lines.add("options " + options);
    lines.add("output " + output);
    sources.forEach((path, entry) -> {
      lines.add("source " + entry.sha256() + " " + path);
      entry.generated().forEach(g -> lines.add("generated " + g));
      entry.uses().forEach((p, sha) -> lines.add("uses " + (sha.isEmpty() ? "-" : sha) + " " + p));
    });
    return lines;
  }

  /** Writes the state to a temporary file and moves it into place, so a crash leaves the old one or none. */
  void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, toLines(), StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
