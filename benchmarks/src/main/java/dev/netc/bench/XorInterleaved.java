package dev.netc.bench;

import java.util.function.DoubleSupplier;

/**
 * XOR 2-4-1 at batch 4, netc against the hand-written code, measured interleaved in one JVM:
 * each round times every case for {@code calls} calls, in turn, so that the machine's drift (a
 * busy neighbour on a shared host moves a JMH fork by 10-30%) falls on netc and on the
 * hand-written code alike. Prints each case's median over the rounds and the ratio netc/hand.
 * The same workloads as {@link XorBench}: {@code loss}, {@code lossAndGradient} and a training
 * step with Adam (lr 1e-3), in double ({@code f64}) or float ({@code f32}), one precision per JVM:
 * the runtime's {@code Adam.step} serves both precisions, and in one JVM its profile would hold
 * two model classes and both branches, while the hand-written Adam has a class per precision (as
 * in JMH, which forks each benchmark).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.netc.bench.XorInterleaved f64|f32 [rounds] [calls]</pre>
 */
public final class XorInterleaved {
  private XorInterleaved() {}

  public static void main(String[] args) {
    boolean isFloat = args.length > 0 && args[0].equals("f32");
    int rounds = 25;
    int calls = 500_000;
    try {
      rounds = args.length > 1 ? Integer.parseInt(args[1]) : rounds;
      calls = args.length > 2 ? Integer.parseInt(args[2]) : calls;
    } catch (NumberFormatException e) {
      rounds = -1;
    }
    if (args.length > 0 && !args[0].equals("f32") && !args[0].equals("f64") || rounds < 1 || calls < 1
        || args.length > 3) {
      System.err.println("usage: XorInterleaved f64|f32 [rounds >= 1] [calls >= 1]");
      System.exit(2);
    }
    XorBench b = new XorBench();
    b.batch = 4;
    b.setup();
    String p = isFloat ? " f32" : " f64";
    String[] names = {"loss" + p, "grad" + p, "train" + p};
    DoubleSupplier[][] cases = isFloat
        ? new DoubleSupplier[][] {{b::netcLossF, b::handLossF}, {b::netcGradF, b::handGradF}, {b::netcTrainF, b::handTrainF}}
        : new DoubleSupplier[][] {{b::netcLossD, b::handLossD}, {b::netcGradD, b::handGradD}, {b::netcTrainD, b::handTrainD}};
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
    System.out.printf("XOR 2-4-1, batch 4,%s, interleaved: %d rounds of %d calls per case (medians)%n", p, rounds, calls);
    System.out.printf("%-10s %10s %10s %10s%n", "op", "netc", "hand", "netc/hand");
    for (int c = 0; c < cases.length; c++) {
      double netc = Stats.median(times[c][0]);
      double hand = Stats.median(times[c][1]);
      System.out.printf("%-10s %7.1f ns %7.1f ns %10.2f%n", names[c], netc, hand, netc / hand);
    }
    if (Double.isNaN(sink)) {
      System.out.println(sink);
    }
  }
}
