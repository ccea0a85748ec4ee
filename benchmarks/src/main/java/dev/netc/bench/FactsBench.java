package dev.netc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Machine facts that bear on code generation (issue #7), per element (ns/op):
 * <ul>
 *   <li>{@code tanh}, {@code exp}: the cost of one {@code Math.tanh} / {@code Math.exp} call on
 *       this JDK, over 256 arguments in [-3, 3];
 *   <li>{@code axpyOneArray}: {@code a[ao + j] += s * a[wo + j]}, source and destination in ONE
 *       flat array at different offsets (how a generated workspace might lay buffers out);
 *   <li>{@code axpyTwoArrays}: {@code a[ao + j] += s * w[r + j]}, separate arrays;
 *   <li>{@code dot}: a scalar double dot product (a reduction) over separate arrays.
 * </ul>
 * Arrays are small enough to stay in L1 (8 rows of 256 doubles, 16 KB per array).
 * Run once more with {@code -jvmArgsAppend -XX:-UseSuperWord} to see what vectorization gives.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FactsBench {
  static final int N = 256;
  static final int ROWS = 8;

  double[] args = new double[N];
  double[] out = new double[N];
  double[] one = new double[2 * ROWS * N];
  double[] acc = new double[ROWS * N];
  double[] w = new double[ROWS * N];
  double[] v = new double[N];
  double[] s = new double[ROWS];

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < N; i++) {
      args[i] = r.nextDouble(-3, 3);
      v[i] = r.nextDouble(-1, 1);
    }
    for (int i = 0; i < one.length; i++) {
      one[i] = r.nextDouble(-1, 1) * 1e-3;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextDouble(-1, 1) * 1e-3;
    }
    for (int i = 0; i < ROWS; i++) {
      s[i] = r.nextDouble(-1, 1) * 1e-3;
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double[] tanh() {
    for (int i = 0; i < N; i++) {
      out[i] = Math.tanh(args[i]);
    }
    return out;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public double[] exp() {
    for (int i = 0; i < N; i++) {
      out[i] = Math.exp(args[i]);
    }
    return out;
  }

  /** ROWS axpys of length N, destination rows at [0, ROWS*N), sources at [ROWS*N, 2*ROWS*N) of the same array. */
  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double[] axpyOneArray() {
    double[] a = one;
    int wbase = ROWS * N;
    for (int r = 0; r < ROWS; r++) {
      double sr = s[r];
      int ao = r * N;
      int wo = wbase + r * N;
      for (int j = 0; j < N; j++) {
        a[ao + j] += sr * a[wo + j];
      }
    }
    return a;
  }

  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double[] axpyTwoArrays() {
    double[] a = acc;
    for (int r = 0; r < ROWS; r++) {
      double sr = s[r];
      int ao = r * N;
      for (int j = 0; j < N; j++) {
        a[ao + j] += sr * w[ao + j];
      }
    }
    return a;
  }

  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double dot() {
    double total = 0;
    for (int r = 0; r < ROWS; r++) {
      int wo = r * N;
      double d = 0;
      for (int j = 0; j < N; j++) {
        d += w[wo + j] * v[j];
      }
      total += d;
    }
    return total;
  }

  /** {@code a[j] += s * w[j]}: separate arrays, no offsets (8 rows of 256, one row at a time). */
  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double[] axpyPlain() {
    double[] a = out;
    for (int r = 0; r < ROWS; r++) {
      axpy0(a, w, s[r], r * N);
    }
    return a;
  }

  /** The one-array axpy as a small method with offsets as arguments (as a generated kernel would be). */
  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double[] axpyOneArrayCall() {
    for (int r = 0; r < ROWS; r++) {
      axpy1(one, s[r], r * N, ROWS * N + r * N);
    }
    return one;
  }

  /** The two-array axpy, same index {@code ao + j} on both, as a small method. */
  @Benchmark
  @OperationsPerInvocation(ROWS * N)
  public double[] axpyTwoArraysCall() {
    for (int r = 0; r < ROWS; r++) {
      axpy2(acc, w, s[r], r * N);
    }
    return acc;
  }

  static void axpy0(double[] a, double[] w, double s, int wo) {
    for (int j = 0; j < N; j++) {
      a[j] += s * w[wo + j];
    }
  }

  static void axpy1(double[] a, double s, int ao, int wo) {
    for (int j = 0; j < N; j++) {
      a[ao + j] += s * a[wo + j];
    }
  }

  static void axpy2(double[] a, double[] w, double s, int ao) {
    for (int j = 0; j < N; j++) {
      a[ao + j] += s * w[ao + j];
    }
  }
}
