package dev.netc.compiler.check;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs work on a thread with a large stack (256 MB), so that the recursive walks of the compiler
 * never run out of stack on what the nesting limit (E005, {@link #MAX_NESTING} levels) accepts,
 * whatever the JVM's default thread stack size is. Work already on such a thread runs in place.
 */
public final class BigStack {
  /** The deepest nesting the front end accepts (parentheses, brackets, signs, powers, terms). */
  public static final int MAX_NESTING = 1_000;

  static final long STACK_BYTES = 256L << 20;

  private static final ThreadLocal<Boolean> ON_BIG_STACK = ThreadLocal.withInitial(() -> false);

  private BigStack() {}

  /** The result of {@code work}, computed on a big-stack thread; its exceptions are rethrown as they are. */
  public static <T> T call(Supplier<T> work) {
    if (ON_BIG_STACK.get()) {
      return work.get();
    }
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(null, () -> {
      ON_BIG_STACK.set(true);
      try {
        result.set(work.get());
      } catch (Throwable e) {
        failure.set(e);
      }
    }, Thread.currentThread().getName() + "-netc", STACK_BYTES);
    t.setDaemon(Thread.currentThread().isDaemon());
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
        t.interrupt();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable e = failure.get();
    if (e instanceof RuntimeException re) {
      throw re;
    } else if (e instanceof Error err) {
      throw err;
    } else if (e != null) {
      throw new IllegalStateException(e);
    }
    return result.get();
  }
}
