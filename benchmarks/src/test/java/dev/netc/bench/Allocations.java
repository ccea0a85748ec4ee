package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Measures steady-state allocation without depending on when the JIT finishes: windows of
 * {@link #WINDOW} calls are repeated until one allocates nothing (more than an empty window),
 * for at most {@link #MAX_NANOS} (2 minutes, enough for C2 to compile the Vector API code on a
 * busy 2-core machine), then the least any window allocated is returned. A fixed warm-up fails
 * under load, when C2 has not compiled the code yet and boxed vectors still allocate. Where a
 * check fails, its message names the code that allocated, from a flight recording of more
 * windows ({@link #sites}), so that a machine where it failed says where.
 */
final class Allocations {
  static final int WINDOW = 200;
  static final long MAX_NANOS = 120_000_000_000L;

  private Allocations() {}

  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static long window(Runnable r) {
    long before = allocated();
    for (int i = 0; i < WINDOW; i++) {
      r.run();
    }
    return allocated() - before;
  }

  /** The least that a window of {@link #WINDOW} calls of {@code r} allocated; 0 as soon as one allocates nothing. */
  static long steadyBytes(Runnable r) {
    return steadyBytes(r, 0);
  }

  /**
   * The least that a window of {@link #WINDOW} calls of {@code r} allocated, returned as soon as
   * one allocates at most {@code enough} (so that a check with a bound does not wait out
   * {@link #MAX_NANOS} where the bound holds).
   */
  static long steadyBytes(Runnable r, long enough) {
    Runnable empty = () -> {};
    long start = System.nanoTime();
    long best = Long.MAX_VALUE;
    do {
      long bytes = window(r) - window(empty);
      best = Math.min(best, Math.max(bytes, 0));
      if (best <= enough) {
        return best;
      }
    } while (System.nanoTime() - start < MAX_NANOS);
    return best;
  }

  /** Fails unless {@code r}, once warm, allocates nothing; the message says how much a call allocated, and where. */
  static void assertNothing(String what, Runnable r) {
    assertAtMost(what, 0, r);
  }

  /**
   * Fails unless {@code r}, once warm, allocates at most {@code perCall} bytes a call; the
   * message says how much and where.
   */
  static void assertAtMost(String what, long perCall, Runnable r) {
    long bytes = steadyBytes(r, perCall * WINDOW);
    if (bytes > perCall * WINDOW) {
      fail(what + ": " + bytes / WINDOW + " bytes a call once warm (at most " + perCall + " allowed); allocated by "
          + sites(r));
    }
  }

  /**
   * Where {@code r} allocates on this thread: a flight recording of 20 windows, its allocation
   * samples (each new TLAB, or an object outside one) summed by the allocating frames (the
   * first frames up to the first of netc's own) and the object's class, largest first.
   */
  static String sites(Runnable r) {
    long thread = Thread.currentThread().getId();
    Path file = null;
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
      recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
      recording.start();
      for (int i = 0; i < 20; i++) {
        window(r);
      }
      recording.stop();
      file = Files.createTempFile("netc-allocations", ".jfr");
      recording.dump(file);
      Map<String, Long> bytes = new HashMap<>();
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        if (e.getThread() == null || e.getThread().getJavaThreadId() != thread || e.getStackTrace() == null) {
          continue;
        }
        bytes.merge(site(e), e.getLong("allocationSize"), Long::sum);
      }
      if (bytes.isEmpty()) {
        return "(no allocation sampled on this thread)";
      }
      return bytes.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(6)
          .map(s -> s.getValue() + " B sampled: " + s.getKey())
          .collect(Collectors.joining("; "));
    } catch (Exception | LinkageError e) {
      return "(no flight recording: " + e + ")";
    } finally {
      if (file != null) {
        file.toFile().delete();
      }
    }
  }

  private static String site(RecordedEvent e) {
    StringBuilder s = new StringBuilder(e.getClass("objectClass").getName()).append(" at ");
    List<RecordedFrame> frames = e.getStackTrace().getFrames();
    for (int i = 0; i < frames.size() && i < 12; i++) {
      RecordedFrame f = frames.get(i);
      String type = f.getMethod().getType().getName();
      s.append(i == 0 ? "" : " < ").append(type.substring(type.lastIndexOf('.') + 1)).append('.')
          .append(f.getMethod().getName()).append(':').append(f.getLineNumber());
      if (type.startsWith("dev.netc.")) {
        break;
      }
    }
    return s.toString();
  }
}
