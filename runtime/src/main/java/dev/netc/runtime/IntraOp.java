package dev.netc.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Intra-op threads: one call's large matrix products, and an optimizer's step over a large param,
 * shared by several threads, as {@code torch.set_num_threads} does for PyTorch. Off by default
 * (one thread); {@code IntraOp.setThreads(2)}, or {@code -Dnetc.intraOpThreads=2}, turns it on for
 * the whole JVM.
 *
 * <p>What is split: the Vector API kernels of classes compiled with {@code --vector}
 * ({@link VectorKernelsD}, {@link VectorKernelsF}: {@code W * x}, {@code transpose(W) * d}, the
 * gradient's outer products and the one-pass backward of a layer), when a product has at least
 * {@link #MIN_WORK} multiply-adds, and {@link Adam}'s step over a param of at least
 * {@link #MIN_ELEMENTS} elements. Each thread computes whole rows (or whole blocks of columns) of
 * the result, in the same order as one thread would, so the results are bitwise the same with any
 * number of threads. Classes compiled without {@code --vector} keep their own loops, on the caller's
 * thread; to split a batch across threads, use {@link ParallelModel}.
 *
 * <p>The caller computes the first share itself and hands the others to helper threads (daemons,
 * named {@code netc-intra-op-N}) through volatile counters, then waits for them, spinning: a warm
 * call allocates nothing and a hand-over costs about 0.15 us (an empty split, measured on a 2-core
 * VM; it was 1 us while the helpers' spin loop read a flag on a line the caller writes, and the
 * caller fenced after each hand-over). Between calls a helper
 * spins for {@link #SPIN_NANOS} (so a training loop's next call finds it awake), then parks. One
 * call at a time uses the helpers: a second thread that calls while they are busy computes its
 * product alone.
 */
public final class IntraOp {
  /** The smallest product, in multiply-adds (rows x columns x batch), worth splitting. */
  public static final long MIN_WORK = 1 << 15;
  /** The smallest param, in elements, whose optimizer step is worth splitting. */
  public static final int MIN_ELEMENTS = 1 << 14;
  /** How long a helper spins after a share of work before it parks. */
  public static final long SPIN_NANOS = 200_000;

  private static volatile Pool pool;

  /** Release stores of {@link HandOver#sequence} and {@link Helper#done} (set before the pool below can start). */
  private static final VarHandle SEQUENCE;
  private static final VarHandle DONE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      SEQUENCE = lookup.findVarHandle(HandOver.class, "sequence", long.class);
      DONE = lookup.findVarHandle(Helper.class, "done", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static {
    String prop = System.getProperty("netc.intraOpThreads");
    if (prop != null) {
      int n;
      try {
        n = Integer.parseInt(prop.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("netc.intraOpThreads must be a whole number, not '" + prop + "'");
      }
      setThreads(n);
    }
  }

  private IntraOp() {}

  /**
   * Uses {@code threads} threads (the caller and {@code threads - 1} helpers) for each large
   * product from now on; 1 stops the helpers. Waits for the current helpers to finish their work.
   */
  public static synchronized void setThreads(int threads) {
    if (threads < 1 || threads > 256) {
      throw new IllegalArgumentException("intra-op threads must be between 1 and 256, not " + threads);
    }
    Pool old = pool;
    if (old != null && old.helpers.length + 1 == threads) {
      return;
    }
    pool = threads == 1 ? null : new Pool(threads - 1);
    if (old != null) {
      old.close();
    }
  }

  /** How many threads share a large product: 1 when intra-op threads are off. */
  public static int threads() {
    Pool p = pool;
    return p == null ? 1 : p.helpers.length + 1;
  }

  /**
   * The pool, acquired for one split, when intra-op threads are on, {@code work} is at least
   * {@code min} and no other call holds the helpers; else null (compute alone). The caller must
   * then call {@link Pool#run} once, which releases it.
   */
  static Pool acquire(long work, long min) {
    if (work < min) {
      return null;
    }
    Pool p = pool;
    return p != null && p.busy.compareAndSet(false, true) ? p : null;
  }

  /** One share of a split: the range {@code [from, to)} of rows, columns or elements. */
  abstract static class Job {
    abstract void run(int from, int to);

    /** Drops the arrays of the last split (a pool outlives the models it served). */
    abstract void clear();
  }

  /** The helper threads, and the jobs of the kernels that use them (one instance per kind, reused). */
  static final class Pool {
    /** Slots for {@link #job}: each kind of split keeps its reusable job in its own slot. */
    static final int ROWS = 0;
    static final int COLS = 1;
    static final int OUTER = 2;
    static final int BACKWARD = 3;
    static final int ADAM = 4;
    private static final int SLOTS = 5;

    final Helper[] helpers;
    final AtomicBoolean busy = new AtomicBoolean();
    private final Job[] doubleJobs = new Job[SLOTS];
    private final Job[] floatJobs = new Job[SLOTS];
    /** Whether the current split has unparked helper {@code i} (only the pool's holder touches it). */
    private final boolean[] woken;
    private long sequence;
    private volatile boolean closed;

    Pool(int count) {
      helpers = new Helper[count];
      woken = new boolean[count];
      for (int i = 0; i < count; i++) {
        helpers[i] = new Helper(this);
        Thread t = new Thread(helpers[i], "netc-intra-op-" + (i + 1));
        t.setDaemon(true);
        helpers[i].thread = t;
      }
      for (Helper h : helpers) {
        h.thread.start();
      }
    }

    /**
     * The reusable job of kind {@code slot} for float or double arrays, made by {@code make} at
     * its first use (a non-capturing constructor reference: no allocation after that).
     */
    @SuppressWarnings("unchecked")
    <J extends Job> J job(int slot, boolean isFloat, Supplier<J> make) {
      Job[] jobs = isFloat ? floatJobs : doubleJobs;
      Job j = jobs[slot];
      if (j == null) {
        try {
          j = make.get();
        } catch (RuntimeException | Error e) {
          busy.set(false);
          throw e;
        }
        jobs[slot] = j;
      }
      return (J) j;
    }

    /**
     * Runs {@code job} over {@code [0, n)}, split into one share per thread, each share starting
     * at a multiple of {@code grain}; the caller computes the first. Releases the pool. A helper's
     * exception is thrown here, after every share has finished.
     */
    void run(Job job, int n, int grain) {
      try {
        int threads = helpers.length + 1;
        int per = (n + threads - 1) / threads;
        per = (per + grain - 1) / grain * grain;
        long seq = ++sequence;
        int used = 0;
        for (int i = 0; i < helpers.length; i++) {
          int from = (i + 1) * per;
          if (from >= n) {
            break;
          }
          Helper h = helpers[i];
          h.job = job;
          h.from = from;
          h.to = Math.min(n, from + per);
          // a release store publishes the fields above without a fence: the caller goes on to its
          // own share while the line travels to the helper's core
          SEQUENCE.setRelease(h, seq);
          woken[i] = false;
          wake(h, i);
          used++;
        }
        Throwable mine = null;
        try {
          job.run(0, Math.min(n, per));
        } catch (RuntimeException | Error e) {
          mine = e;
        }
        Throwable theirs = null;
        for (int i = 0; i < used; i++) {
          Helper h = helpers[i];
          while (h.done != seq) {
            // a helper that parked just as its share was handed out (it read the old sequence)
            // is woken here
            wake(h, i);
            Thread.onSpinWait();
          }
          h.job = null;
          Throwable error = h.error;
          if (error != null) {
            h.error = null;
            if (theirs == null) {
              theirs = error;
            }
          }
        }
        if (mine instanceof RuntimeException e) {
          throw e;
        }
        if (mine instanceof Error e) {
          throw e;
        }
        if (theirs instanceof RuntimeException e) {
          throw e;
        }
        if (theirs instanceof Error e) {
          throw e;
        }
        if (theirs != null) {
          throw new IllegalStateException("an intra-op thread failed", theirs);
        }
      } finally {
        job.clear();
        busy.set(false);
      }
    }

    /** Unparks helper {@code i} once per split, if it is parked. */
    private void wake(Helper h, int i) {
      if (!woken[i] && h.parked) {
        woken[i] = true;
        LockSupport.unpark(h.thread);
      }
    }

    /** Stops the helpers, after the work they hold. */
    void close() {
      // wait until no call holds the helpers, then keep them from taking more
      while (!busy.compareAndSet(false, true)) {
        Thread.onSpinWait();
      }
      closed = true;
      for (Helper h : helpers) {
        LockSupport.unpark(h.thread);
      }
      for (Helper h : helpers) {
        try {
          h.thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * What the caller writes for a helper: its share, then the sequence number that hands it over.
   * The helper only reads these, so they sit on cache lines of their own ({@link HelperPad}): a
   * hand-over moves one line to the helper's core and one ({@link Helper#done}) back: a round
   * trip between cores, not more.
   */
  abstract static class HandOver {
    Job job;
    int from;
    int to;
    /** The split the caller handed out last (written last, with release semantics). */
    volatile long sequence;
  }

  /** 128 bytes between what the caller writes and what the helper writes (superclass fields come first). */
  abstract static class HelperPad extends HandOver {
    long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
  }

  /** One helper thread: waits for a sequence number, runs its share, reports it done. */
  static final class Helper extends HelperPad implements Runnable {
    private final Pool pool;
    Thread thread;
    Throwable error;
    /** The split this helper finished last (written after {@link #error}, with release semantics). */
    volatile long done;
    volatile boolean parked;

    Helper(Pool pool) {
      this.pool = pool;
    }

    @Override
    public void run() {
      long seen = 0;
      long idleSince = System.nanoTime();
      int spins = 0;
      while (true) {
        long s = sequence;
        if (s != seen) {
          seen = s;
          try {
            job.run(from, to);
          } catch (Throwable t) {
            error = t;
          }
          DONE.setRelease(this, s);
          idleSince = System.nanoTime();
          spins = 0;
          continue;
        }
        // every 64 spins only, read the clock and the pool's flag (a line the caller writes)
        if ((++spins & 63) != 0) {
          Thread.onSpinWait();
          continue;
        }
        if (pool.closed) {
          return;
        }
        if (System.nanoTime() - idleSince < SPIN_NANOS) {
          Thread.onSpinWait();
          continue;
        }
        parked = true;
        // parked is a volatile store, so the sequence read below comes after it: either this
        // thread sees the caller's new sequence, or the caller (which keeps reading parked until
        // the share is done) sees parked and unparks it
        if (sequence == seen && !pool.closed) {
          LockSupport.park(this);
        }
        parked = false;
        idleSince = System.nanoTime();
      }
    }
  }
}
