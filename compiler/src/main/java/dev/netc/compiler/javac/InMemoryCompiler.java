package dev.netc.compiler.javac;

import dev.netc.compiler.emit.Emitter.GeneratedFile;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated sources with {@code javax.tools} in memory and loads the classes, for
 * {@code netc eval}, {@code netc train} and the tests. The runtime must be on this JVM's class
 * path (it is, wherever the compiler runs).
 */
public final class InMemoryCompiler {
  private InMemoryCompiler() {}

  /** Compiled classes by name, and javac's warnings (empty when clean under -Xlint:all). */
  public record Compiled(ClassLoader loader, List<String> warnings, Map<String, byte[]> classFiles) {
    public Class<?> load(String qualifiedName) {
      try {
        return Class.forName(qualifiedName, true, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("generated class missing: " + qualifiedName, e);
      }
    }
  }

  /** Thrown when generated code does not compile: a bug in netc, reported with javac's messages. */
  public static final class CompileError extends RuntimeException {
    public CompileError(String message) {
      super(message);
    }
  }

  /**
   * The class loader of compiled classes; {@link #classFiles} lets a caller ship them elsewhere
   * (the Spark trainer sends them to its executors).
   */
  public static final class MemoryLoader extends ClassLoader {
    private final Map<String, byte[]> classFiles;

    MemoryLoader(Map<String, byte[]> classFiles) {
      super(InMemoryCompiler.class.getClassLoader());
      this.classFiles = classFiles;
    }

    /** Class files by binary name. */
    public Map<String, byte[]> classFiles() {
      return classFiles;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] b = classFiles.get(name);
      if (b == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, b, 0, b.length);
    }
  }

  public static Compiled compile(List<GeneratedFile> files) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler in this JVM: run netc on a JDK, not a JRE");
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
    Map<String, ByteArrayOutputStream> classes = new HashMap<>();
    JavaFileManager manager = new ForwardingJavaFileManager<>(standard) {
      @Override
      public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
          FileObject sibling) {
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
          @Override
          public OutputStream openOutputStream() {
            return classes.computeIfAbsent(className, k -> new ByteArrayOutputStream());
          }
        };
      }
    };
    List<JavaFileObject> units = new ArrayList<>();
    for (GeneratedFile f : files) {
      units.add(new SimpleJavaFileObject(URI.create("mem:///" + f.relativePath()), JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return f.content();
        }
      });
    }
    List<String> options = List.of("-Xlint:all", "-classpath", System.getProperty("java.class.path"), "-proc:none");
    boolean ok = javac.getTask(null, manager, diagnostics, options, null, units).call();
    List<String> warnings = new ArrayList<>();
    StringBuilder errors = new StringBuilder();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      String text = (d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber() + ": ")
          + d.getMessage(Locale.ROOT);
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors.append(text).append('\n');
      } else {
        warnings.add(text);
      }
    }
    if (!ok) {
      throw new CompileError("generated code does not compile (a bug in netc):\n" + errors);
    }
    Map<String, byte[]> classFiles = new HashMap<>();
    classes.forEach((k, v) -> classFiles.put(k, v.toByteArray()));
    MemoryLoader loader = new MemoryLoader(Map.copyOf(classFiles));
    return new Compiled(loader, List.copyOf(warnings), loader.classFiles());
  }
}
