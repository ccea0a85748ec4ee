package dev.netc.bench;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * XOR 2-4-1 at batch 4, netc against the hand-written code, measured interleaved in one JVM:
 * each round times every case for {@code calls} calls, in turn, so that the machine's drift (a
 * busy neighbour on a shared host moves a JMH fork by 10-30%) falls on netc and on the
 * hand-written code alike. Prints each case's median over the rounds and the ratio netc/hand.
 * The same workloads as {@link XorBench}: {@code loss}, {@code lossAndGradient} and a training
 * step with Adam (lr 1e-3), in double and float.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.netc.bench.XorInterleaved [rounds] [calls]</pre>
 */
public final class XorInterleaved {
  private XorInterleaved() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
    XorBench b = new XorBench();
    b.batch = 4;
    b.setup();
    String[] names = {"loss f64", "grad f64", "train f64", "loss f32", "grad f32", "train f32"};
    DoubleSupplier[][] cases = {
        {b::netcLossD, b::handLossD}, {b::netcGradD, b::handGradD}, {b::netcTrainD, b::handTrainD},
        {b::netcLossF, b::handLossF}, {b::netcGradF, b::handGradF}, {b::netcTrainF, b::handTrainF}};
    double[][][] times = new double[cases.length][2][rounds];
    double sink = 0;
    int warm = Math.max(1, rounds / 5);
    for (int round = -warm; round < rounds; round++) {
      for (int c = 0; c < cases.length; c++) {
        for (int who = 0; who < 2; who++) {
          DoubleSupplier f = cases[c][who];
          long t0 = System.nanoTime();
          for (int i = 0; i < calls; i++) {
            sink += f.getAsDouble();
          }
          long t1 = System.nanoTime();
          if (round >= 0) {
            times[c][who][round] = (t1 - t0) / (double) calls;
          }
        }
      }
    }
    System.out.printf("XOR 2-4-1, batch 4, interleaved: %d rounds of %d calls per case (medians)%n", rounds, calls);
    System.out.printf("%-10s %10s %10s %10s%n", "op", "netc", "hand", "netc/hand");
    for (int c = 0; c < cases.length; c++) {
      double netc = median(times[c][0]);
      double hand = median(times[c][1]);
      System.out.printf("%-10s %7.1f ns %7.1f ns %10.2f%n", names[c], netc, hand, netc / hand);
    }
    if (Double.isNaN(sink)) {
      System.out.println(sink);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
