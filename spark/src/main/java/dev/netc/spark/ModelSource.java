package dev.netc.spark;

import dev.netc.runtime.Model;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How an executor makes instances of a generated network class: by name (the class is on the
 * executors' class path, e.g. in the application jar given to {@code spark-submit}), or from its
 * class files (a class compiled in memory, as {@code netc train --spark} does), which travel with
 * the tasks and are defined once per executor JVM.
 */
public final class ModelSource implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Map<String, Class<?>> LOADED = new ConcurrentHashMap<>();

  private final String className;
  private final HashMap<String, byte[]> classFiles;
  private final String key;

  private ModelSource(String className, Map<String, byte[]> classFiles) {
    this.className = className;
    this.classFiles = new HashMap<>(classFiles);
    long h = className.hashCode();
    for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(classFiles).entrySet()) {
      h = 31 * h + e.getKey().hashCode();
      h = 31 * h + java.util.Arrays.hashCode(e.getValue());
    }
    this.key = className + "#" + Long.toHexString(h);
  }

  /** A class on the class path of the driver and of every executor. */
  public static ModelSource ofClassName(String className) {
    return new ModelSource(className, Map.of());
  }

  /** A class on the class path of the driver and of every executor. */
  public static ModelSource ofClass(Class<? extends Model> type) {
    return ofClassName(type.getName());
  }

  /** A class given as class files by binary name (the class and its nested classes). */
  public static ModelSource ofClassFiles(String className, Map<String, byte[]> classFiles) {
    if (!classFiles.containsKey(className)) {
      throw new IllegalArgumentException("no class file for " + className);
    }
    return new ModelSource(className, classFiles);
  }

  public String className() {
    return className;
  }

  /** Identifies the class (name and class files): instances cached per executor use it. */
  String key() {
    return key;
  }

  /** A new instance, its params initialized from {@code seed}. */
  public Model newModel(long seed) {
    Class<?> type = LOADED.computeIfAbsent(key, k -> load());
    try {
      return (Model) type.getConstructor(long.class).newInstance(seed);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + className, e);
    }
  }

  private Class<?> load() {
    try {
      if (classFiles.isEmpty()) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return Class.forName(className, true, cl == null ? ModelSource.class.getClassLoader() : cl);
      }
      Map<String, byte[]> files = classFiles;
      ClassLoader loader = new ClassLoader(ModelSource.class.getClassLoader()) {
        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
          byte[] b = files.get(name);
          if (b == null) {
            throw new ClassNotFoundException(name);
          }
          return defineClass(name, b, 0, b.length);
        }
      };
      return Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("network class " + className + " is not on the class path", e);
    }
  }
}
