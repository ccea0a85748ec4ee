package dev.netc.bench;

import java.lang.management.ManagementFactory;

/**
 * Measures steady-state allocation without depending on when the JIT finishes: windows of
 * {@link #WINDOW} calls are repeated until one allocates nothing (more than an empty window),
 * for at most {@link #MAX_NANOS} (2 minutes, enough for C2 to compile the Vector API code on a
 * busy 2-core machine), then the least any window allocated is returned. A fixed warm-up fails
 * under load, when C2 has not compiled the code yet and boxed vectors still allocate.
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
    Runnable empty = () -> {};
    long start = System.nanoTime();
    long best = Long.MAX_VALUE;
    do {
      long bytes = window(r) - window(empty);
      best = Math.min(best, Math.max(bytes, 0));
      if (best == 0) {
        return 0;
      }
    } while (System.nanoTime() - start < MAX_NANOS);
    return best;
  }
}
