package dev.netc.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 *   <li>{@code fmaPeakF}, {@code fmaPeakD} (FLOPs per ns, that is GFLOP/s): one core's
 *       fused multiply-add peak, 12 independent Vector API accumulators of the preferred width,
 *       a multiply-add counted as 2 FLOPs; the bar of issue 23's "75% of the peak" goals;
 *   <li>{@code streamW1F}, {@code streamW1D} (ns per pass): one read of the MLP's W1 (128 x 784:
 *       401 KB in float, 802 KB in double) from where it lives after the previous pass (the L2 on
 *       the hosts measured), summed with Vector API accumulators: no batch-1 forward pass of the
 *       MLP can take less; the bar of issue 23's batch-1 goal.
 * </ul>
 * Arrays of the per-element facts are small enough to stay in L1 (8 rows of 256 doubles, 16 KB
 * per array). The fork has the Vector API module (the per-element facts do not use it).
 * Run once more with {@code -jvmArgsAppend -XX:-UseSuperWord} to see what vectorization gives.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FactsBench {
  static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
  static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
  /** Rounds of the peak loops at 512 bits: 12 accumulators, each one vector multiply-add per round. */
  static final int ROUNDS = 4096;
  /** The MLP's W1, 128 x 784. */
  static final int W1 = 128 * 784;
  static final int N = 256;
  static final int ROWS = 8;

  double[] args = new double[N];
  double[] out = new double[N];
  float[] argsF = new float[N];
  float[] outF = new float[N];
  double[] one = new double[2 * ROWS * N];
  double[] acc = new double[ROWS * N];
  double[] w = new double[ROWS * N];
  double[] v = new double[N];
  double[] s = new double[ROWS];
  float[] w1f = new float[W1];
  double[] w1d = new double[W1];
  float[] fmaF = new float[2 * 64];
  double[] fmaD = new double[2 * 64];

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < N; i++) {
      args[i] = r.nextDouble(-3, 3);
      argsF[i] = (float) args[i];
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
    for (int i = 0; i < W1; i++) {
      w1d[i] = r.nextDouble(-1, 1);
      w1f[i] = (float) w1d[i];
    }
    for (int i = 0; i < fmaD.length; i++) {
      fmaD[i] = 1 - 1e-9 * i; // x * 0.99...9 + c stays finite over the rounds
      fmaF[i] = 1 - 1e-7f * i;
    }
  }

  /** One core's float FMA peak: 12 independent chains of {@code acc = acc * m + c}. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(2 * 12 * ROUNDS * 16)
  public float fmaPeakF() {
    int rounds = ROUNDS * 16 / FS.length(); // the same FLOPs at any vector width
    FloatVector m = FloatVector.fromArray(FS, fmaF, 0);
    FloatVector c = FloatVector.fromArray(FS, fmaF, FS.length());
    FloatVector a0 = c, a1 = c.add(1), a2 = c.add(2), a3 = c.add(3), a4 = c.add(4), a5 = c.add(5);
    FloatVector a6 = c.add(6), a7 = c.add(7), a8 = c.add(8), a9 = c.add(9), a10 = c.add(10), a11 = c.add(11);
    for (int i = 0; i < rounds; i++) {
      a0 = a0.fma(m, c);
      a1 = a1.fma(m, c);
      a2 = a2.fma(m, c);
      a3 = a3.fma(m, c);
      a4 = a4.fma(m, c);
      a5 = a5.fma(m, c);
      a6 = a6.fma(m, c);
      a7 = a7.fma(m, c);
      a8 = a8.fma(m, c);
      a9 = a9.fma(m, c);
      a10 = a10.fma(m, c);
      a11 = a11.fma(m, c);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
        .reduceLanes(VectorOperators.ADD);
  }

  /** One core's double FMA peak: 12 independent chains of {@code acc = acc * m + c}. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(2 * 12 * ROUNDS * 8)
  public double fmaPeakD() {
    int rounds = ROUNDS * 8 / DS.length();
    DoubleVector m = DoubleVector.fromArray(DS, fmaD, 0);
    DoubleVector c = DoubleVector.fromArray(DS, fmaD, DS.length());
    DoubleVector a0 = c, a1 = c.add(1), a2 = c.add(2), a3 = c.add(3), a4 = c.add(4), a5 = c.add(5);
    DoubleVector a6 = c.add(6), a7 = c.add(7), a8 = c.add(8), a9 = c.add(9), a10 = c.add(10), a11 = c.add(11);
    for (int i = 0; i < rounds; i++) {
      a0 = a0.fma(m, c);
      a1 = a1.fma(m, c);
      a2 = a2.fma(m, c);
      a3 = a3.fma(m, c);
      a4 = a4.fma(m, c);
      a5 = a5.fma(m, c);
      a6 = a6.fma(m, c);
      a7 = a7.fma(m, c);
      a8 = a8.fma(m, c);
      a9 = a9.fma(m, c);
      a10 = a10.fma(m, c);
      a11 = a11.fma(m, c);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
        .reduceLanes(VectorOperators.ADD);
  }

  /** One pass over W1 in float (401 KB): the least a batch-1 float forward pass must read. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public float streamW1F() {
    float[] w = w1f;
    FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
    int step = FS.length();
    int i = 0;
    for (; i + 4 * step <= W1; i += 4 * step) {
      s0 = s0.add(FloatVector.fromArray(FS, w, i));
      s1 = s1.add(FloatVector.fromArray(FS, w, i + step));
      s2 = s2.add(FloatVector.fromArray(FS, w, i + 2 * step));
      s3 = s3.add(FloatVector.fromArray(FS, w, i + 3 * step));
    }
    float t = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    for (; i < W1; i++) {
      t += w[i];
    }
    return t;
  }

  /** One pass over W1 in double (802 KB): the least a batch-1 double forward pass must read. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public double streamW1D() {
    double[] w = w1d;
    DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
    int step = DS.length();
    int i = 0;
    for (; i + 4 * step <= W1; i += 4 * step) {
      s0 = s0.add(DoubleVector.fromArray(DS, w, i));
      s1 = s1.add(DoubleVector.fromArray(DS, w, i + step));
      s2 = s2.add(DoubleVector.fromArray(DS, w, i + 2 * step));
      s3 = s3.add(DoubleVector.fromArray(DS, w, i + 3 * step));
    }
    double t = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    for (; i < W1; i++) {
      t += w[i];
    }
    return t;
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

  /**
   * {@code exp} as a float kernel calls it, a float read and widened, the result rounded and stored
   * as a float: on Intel cores JDK 17's conversion waits for its register's last value, the last
   * element's result, so this runs several times slower than {@link #exp} (performance.md, "Float
   * on the Intel host"); newer JDKs do not.
   */
  @Benchmark
  @OperationsPerInvocation(N)
  public float[] expFloatInOut() {
    for (int i = 0; i < N; i++) {
      outF[i] = (float) Math.exp((double) argsF[i]);
    }
    return outF;
  }

  /** Plain arithmetic with a division, in double: {@code (x - 1) (x + 1.5) / (1 + x^2)}. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double[] arithmetic() {
    for (int i = 0; i < N; i++) {
      double x = args[i];
      out[i] = (x - 1) * (x + 1.5) / (1 + x * x);
    }
    return out;
  }

  /** {@link #arithmetic} as a float kernel computes it: widened reads, double arithmetic, a rounded store. */
  @Benchmark
  @OperationsPerInvocation(N)
  public float[] arithmeticFloatInOut() {
    for (int i = 0; i < N; i++) {
      double x = argsF[i];
      outF[i] = (float) ((x - 1) * (x + 1.5) / (1 + x * x));
    }
    return outF;
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
