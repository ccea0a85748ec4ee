package dev.netc.compiler.check;

import dev.netc.compiler.ast.Ast;
import dev.netc.compiler.diag.DiagCode;
import dev.netc.compiler.diag.Diagnostics;
import dev.netc.compiler.diag.SourceFile;
import dev.netc.compiler.parse.NetParsing;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code use "file.net"}: reads, parses and checks the functions of imported files, each once
 * per compilation, following paths relative to the importing file. A cycle of imports, or a
 * file that cannot be read, is an error at the {@code use}. Every file imported is reported to a
 * listener, so that a build can tell which files a source depends on.
 */
public final class Imports {
  /** Files larger than this are not read (a {@code .net} file of functions is a few KB). */
  static final long MAX_BYTES = 64L << 20;

  private final Diagnostics diagnostics;
  /** By normalized absolute path: the functions of each file imported so far. */
  private final Map<Path, Functions> loaded = new HashMap<>();
  /** The files being imported, outermost first: a cycle is a path already on it. */
  private final LinkedHashMap<Path, String> chain = new LinkedHashMap<>();

  private final java.util.function.Consumer<Path> listener;

  /** @param imported told the path of every file imported (read or not: a missing one too, so a build can watch for it) */
  Imports(Diagnostics diagnostics, java.util.function.Consumer<Path> imported) {
    this.diagnostics = diagnostics;
    this.listener = imported;
  }

  /** The functions {@code file} sees: its own defs and those of the files it imports. */
  Functions functionsOf(SourceFile file, Ast.File ast) {
    Path self = key(file).orElse(null);
    if (self != null) {
      chain.put(self, file.name());
    }
    try {
      List<Functions.Imported> imported = new ArrayList<>();
      for (Ast.Use use : ast.uses()) {
        load(file, use).ifPresent(f -> imported.add(new Functions.Imported(use, f)));
      }
      return Functions.ofFile(file, ast.defs(), imported, diagnostics);
    } finally {
      if (self != null) {
        chain.remove(self);
      }
    }
  }

  private static Optional<Path> key(SourceFile file) {
    try {
      return Optional.of(file.location().toAbsolutePath().normalize());
    } catch (InvalidPathException | java.io.IOError e) {
      return Optional.empty();
    }
  }

  private Optional<Functions> load(SourceFile importer, Ast.Use use) {
    Path target;
    String name;
    try {
      target = importer.location().resolveSibling(use.path()).toAbsolutePath().normalize();
      Path shown = Path.of(importer.name()).resolveSibling(use.path()).normalize();
      name = shown.toString().replace('\\', '/');
    } catch (InvalidPathException | java.io.IOError e) {
      diagnostics.report(DiagCode.USE_NOT_FOUND, importer, use.pos(), use.path(), use.path(), "not a valid path");
      return Optional.empty();
    }
    if (chain.containsKey(target)) {
      List<String> names = new ArrayList<>();
      boolean in = false;
      for (Map.Entry<Path, String> e : chain.entrySet()) {
        in |= e.getKey().equals(target);
        if (in) {
          names.add(e.getValue());
        }
      }
      names.add(name);
      diagnostics.report(DiagCode.USE_CYCLE, importer, use.pos(), name, String.join(" -> ", names));
      return Optional.empty();
    }
    Functions done = loaded.get(target);
    if (done != null) {
      return Optional.of(done);
    }
    listener.accept(target);
    String text;
    try {
      text = read(target);
    } catch (IOException e) {
      diagnostics.report(DiagCode.USE_NOT_FOUND, importer, use.pos(), use.path(), name, why(e));
      return Optional.empty();
    }
    SourceFile imported = new SourceFile(name, text, target);
    Optional<Ast.File> ast = NetParsing.parse(imported, diagnostics);
    Functions f = ast.isEmpty() ? Functions.NONE : functionsOf(imported, ast.get());
    loaded.put(target, f);
    return Optional.of(f);
  }

  private static String read(Path p) throws IOException {
    if (Files.isDirectory(p)) {
      throw new IOException("it is a directory");
    }
    if (Files.size(p) > MAX_BYTES) {
      throw new IOException("larger than " + (MAX_BYTES >> 20) + " MB");
    }
    byte[] bytes = Files.readAllBytes(p);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text");
    }
  }

  private static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    } else if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
