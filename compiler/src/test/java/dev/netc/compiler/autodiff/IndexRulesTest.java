package dev.netc.compiler.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import dev.netc.compiler.graph.ix.Affine;
import dev.netc.compiler.graph.ix.Comprehension;
import dev.netc.compiler.graph.ix.Comprehension.Dim;
import dev.netc.compiler.graph.ix.Comprehension.Reducer;
import dev.netc.compiler.graph.ix.Cond;
import dev.netc.compiler.graph.ix.IExpr;
import dev.netc.compiler.graph.ix.IExpr.Read;
import dev.netc.compiler.graph.ix.IndexExpr;
import dev.netc.compiler.graph.ix.IxEval;
import dev.netc.compiler.graph.ix.Scatter;
import dev.netc.compiler.graph.ix.Tensor;
import dev.netc.compiler.ops.Scalar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The adjoint of index definitions: for each definition below, the scatter form of every
 * input's gradient, and the gather form where one exists, equal central differences of
 * {@code L = sum(y .* r)} for random {@code r} (so the upstream gradient is {@code r}).
 * Tolerance: |analytic - numeric| <= 1e-6 (1 + |numeric|), step 1e-6 in double; inputs are
 * drawn away from the kinks of max, relu and select (a finite difference across a kink is
 * not a derivative).
 */
class IndexRulesTest {

  static Affine ix(String i) {
    return Affine.of(i);
  }

  static Affine ix(String i, int c, String j) {
    return Affine.of(i).times(c).plus(Affine.of(j));
  }

  static Read read(int slot, IndexExpr... at) {
    return new Read(slot, List.of(at));
  }

  static Dim d(String i, int n) {
    return new Dim(i, n);
  }

  @Test
  void matrixProduct() {
    // y[i, j] = sum(k) A[i, k] * B[k, j]
    Comprehension c = new Comprehension(List.of(d("i", 3), d("j", 4)), Reducer.SUM, List.of(d("k", 5)), List.of(),
        IExpr.mul(read(0, ix("i"), ix("k")), read(1, ix("k"), ix("j"))));
    List<Tensor> in = List.of(random(new Random(1), 3, 5), random(new Random(2), 5, 4));
    Tensor y = IxEval.evaluate(c, in);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        double s = 0;
        for (int k = 0; k < 5; k++) {
          s += in.get(0).data()[i * 5 + k] * in.get(1).data()[k * 4 + j];
        }
        assertEquals(s, y.data()[i * 4 + j], 1e-12);
      }
    }
    checkGradients(c, in, 1, true);
  }

  @Test
  void validConvolution() {
    // conv[o, r, c] = sum(i, p, q) K[o, i, p, q] * x[i, r + p, c + q]   (x[2, 6, 5], K[3, 2, 3, 2])
    Comprehension c = new Comprehension(List.of(d("o", 3), d("r", 4), d("c", 4)), Reducer.SUM,
        List.of(d("i", 2), d("p", 3), d("q", 2)), List.of(),
        IExpr.mul(read(0, ix("o"), ix("i"), ix("p"), ix("q")), read(1, ix("i"), ix("r").plus(ix("p")), ix("c").plus(ix("q")))));
    Random rnd = new Random(3);
    List<Tensor> in = List.of(random(rnd, 3, 2, 3, 2), random(rnd, 2, 6, 5));
    checkGradients(c, in, 4, true);
    // the gather form of dx is the textbook one: a sum over (o, p, q) with two pairs of guards
    Comprehension dx = Gather.of(IndexRules.adjoint(c, 1, 2).get(0), new int[] {2, 6, 5}).orElseThrow();
    assertEquals(Reducer.SUM, dx.reducer());
    assertEquals(List.of("o", "p", "q"), dx.reduced().stream().map(Dim::index).toList());
    assertEquals(4, dx.guards().size());
  }

  @Test
  void stridedConvolution() {
    // y[o, r] = sum(p) K[o, p] * x[2*r + p]   (x[9], K[2, 3], y[2, 4])
    Comprehension c = new Comprehension(List.of(d("o", 2), d("r", 4)), Reducer.SUM, List.of(d("p", 3)), List.of(),
        IExpr.mul(read(0, ix("o"), ix("p")), read(1, ix("r", 2, "p"))));
    Random rnd = new Random(4);
    checkGradients(c, List.of(random(rnd, 2, 3), random(rnd, 9)), 5, true);
  }

  @Test
  void maxPoolingRoutesToTheFirstWinner() {
    // pool[ch, r, c] = max(p, q) a[ch, 2*r + p, 2*c + q] where p < 2, q < 2   (a[2, 4, 5]: the last column is dropped)
    Comprehension c = new Comprehension(List.of(d("ch", 2), d("r", 2), d("c", 2)), Reducer.MAX,
        List.of(d("p", 2), d("q", 2)), List.of(), read(0, ix("ch"), ix("r", 2, "p"), ix("c", 2, "q")));
    Random rnd = new Random(5);
    List<Tensor> in = List.of(distinct(rnd, 2, 4, 5));
    checkGradients(c, in, 6, false);
    // ties go to the first point in loop order, as PyTorch's max_pool2d does
    Tensor ties = new Tensor(new int[] {1, 2, 2}, new double[] {1, 1, 1, 1});
    Comprehension one = new Comprehension(List.of(d("ch", 1), d("r", 1), d("c", 1)), Reducer.MAX,
        List.of(d("p", 2), d("q", 2)), List.of(), read(0, ix("ch"), ix("r", 2, "p"), ix("c", 2, "q")));
    Tensor dx = adjointByScatter(one, List.of(ties), 0, new Tensor(new int[] {1, 1, 1}, new double[] {1}));
    assertEquals(List.of(1.0, 0.0, 0.0, 0.0), Arrays.stream(dx.data()).boxed().toList());
    // the adjoint is one term per output element, through the winners, not one per window point
    Scatter s = IndexRules.adjoint(c, 0, 1).get(0);
    assertEquals(c.out(), s.domain());
    assertTrue(s.target().get(1) instanceof IndexExpr.DataIndex, s::toString);
  }

  @Test
  void embeddingGatherAccumulatesRepeatedTokens() {
    // rows[t, e] = E[tok[t], e]  with tok = [2, 0, 2]
    Comprehension c = new Comprehension(List.of(d("t", 3), d("e", 2)), Reducer.NONE, List.of(), List.of(),
        read(0, new IndexExpr.DataIndex(1, List.of(ix("t")), 0), ix("e")));
    Tensor tok = new Tensor(new int[] {3}, new double[] {2, 0, 2});
    Random rnd = new Random(6);
    List<Tensor> in = List.of(random(rnd, 4, 2), tok);
    Tensor g = random(rnd, 3, 2);
    Tensor dE = adjointByScatter(c, in, 0, g);
    assertEquals(g.data()[0] + g.data()[4], dE.data()[2 * 2], 1e-15);
    assertEquals(g.data()[2], dE.data()[0], 1e-15);
    assertEquals(0.0, dE.data()[2], 0.0);
    assertTrue(Gather.of(IndexRules.adjoint(c, 0, 2).get(0), new int[] {4, 2}).isEmpty(), "a data-dependent target stays a scatter");
    checkGradientsOf(c, in, 7, List.of(0));
  }

  @Test
  void causalPrefixSumWithAGuard() {
    // y[i] = sum(j) x[j] * w[i, j] where j <= i
    Comprehension c = new Comprehension(List.of(d("i", 5)), Reducer.SUM, List.of(d("j", 5)),
        List.of(new Cond.OnIndices(ix("j"), Cond.Cmp.LE, ix("i"))), IExpr.mul(read(0, ix("j")), read(1, ix("i"), ix("j"))));
    Random rnd = new Random(8);
    checkGradients(c, List.of(random(rnd, 5), random(rnd, 5, 5)), 9, true);
  }

  @Test
  void selectPassesTheGradientToTheChosenBranchOnly() {
    // m[i, j] = select(j <= i, s[i, j], -1e9) * 1, then a nonlinearity of a value condition
    IExpr body = IExpr.call(Scalar.TANH, IExpr.select(new Cond.OnIndices(ix("j"), Cond.Cmp.LE, ix("i")),
        read(0, ix("i"), ix("j")), IExpr.constant(-3)));
    Comprehension c = new Comprehension(List.of(d("i", 3), d("j", 3)), Reducer.NONE, List.of(), List.of(), body);
    Random rnd = new Random(10);
    checkGradients(c, List.of(random(rnd, 3, 3)), 11, true);
    IExpr valueCond = IExpr.select(new Cond.OnValues(read(0, ix("i")), Cond.Cmp.GT, IExpr.ZERO),
        IExpr.mul(read(0, ix("i")), read(1, ix("i"))), IExpr.call(Scalar.EXP, read(0, ix("i"))));
    Comprehension v = new Comprehension(List.of(d("i", 6)), Reducer.NONE, List.of(), List.of(), valueCond);
    checkGradients(v, List.of(awayFromZero(rnd, 6), random(rnd, 6)), 12, true);
  }

  @Test
  void aValueReadTwiceSumsBothContributions() {
    // y[i] = x[i] * x[i] + sin(x[i]) * x[5 - i] : three reads of x, two of them at a reversed position
    IExpr body = IExpr.add(IExpr.mul(read(0, ix("i")), read(0, ix("i"))),
        IExpr.mul(IExpr.call(Scalar.SIN, read(0, ix("i"))), read(0, ix("i").times(-1).plus(Affine.constant(5)))));
    Comprehension c = new Comprehension(List.of(d("i", 6)), Reducer.NONE, List.of(), List.of(), body);
    assertEquals(4, IndexRules.adjoint(c, 0, 1).size());
    checkGradients(c, List.of(random(new Random(13), 6)), 14, true);
  }

  @Test
  void broadcastAndMinReduction() {
    // y[t, e] = min(k) tanh(X[t, k] + b[e]) - silu(b[e])   (b broadcast along t and k)
    IExpr body = IExpr.sub(IExpr.call(Scalar.TANH, IExpr.add(read(0, ix("t"), ix("k")), read(1, ix("e")))),
        IExpr.call(Scalar.SILU, read(1, ix("e"))));
    Comprehension c = new Comprehension(List.of(d("t", 3), d("e", 2)), Reducer.MIN, List.of(d("k", 4)), List.of(), body);
    Random rnd = new Random(15);
    checkGradients(c, List.of(distinct(rnd, 3, 4), random(rnd, 2)), 16, false);
  }

  @Test
  void everyScalarOpsPartialsMatchCentralDifferences() {
    for (Scalar op : Scalar.values()) {
      qt().withExamples(40).withFixedSeed(op.ordinal())
          .forAll(doubles().between(-2.5, 2.5), doubles().between(-2.5, 2.5), doubles().between(-2.5, 2.5))
          .assuming((a, b, e) -> awayFromKinks(op, a, b, e))
          .checkAssert((a, b, e) -> {
            double[] x = Arrays.copyOf(new double[] {a, b, e}, op.arity());
            if (op == Scalar.POW || op == Scalar.LOG || op == Scalar.SQRT) {
              x[0] = Math.abs(x[0]) + 0.5;
            }
            if (op == Scalar.LOG1P) {
              x[0] = Math.abs(x[0]);
            }
            if (op == Scalar.CLAMP) {
              x[2] = x[1] + 1 + Math.abs(x[2]);
            }
            List<IExpr> args = new ArrayList<>();
            for (double v : x) {
              args.add(new Read(args.size(), List.of()));
            }
            List<Tensor> slots = new ArrayList<>();
            for (double v : x) {
              slots.add(new Tensor(new int[0], new double[] {v}));
            }
            IExpr self = new IExpr.Apply(op, args);
            for (int i = 0; i < x.length; i++) {
              Comprehension c = new Comprehension(List.of(), Reducer.NONE, List.of(), List.of(), op.partial(args, self, i));
              double analytic = IxEval.evaluate(c, slots).data()[0];
              double[] hi = x.clone();
              double[] lo = x.clone();
              hi[i] += 1e-6;
              lo[i] -= 1e-6;
              double numeric = (op.apply(hi) - op.apply(lo)) / 2e-6;
              assertEquals(numeric, analytic, 1e-5 * (1 + Math.abs(numeric)), op + " d/dx" + i + " at " + Arrays.toString(x));
            }
          });
    }
  }

  private static boolean awayFromKinks(Scalar op, double a, double b, double e) {
    double m = 1e-3;
    return switch (op) {
      case ABS, RELU, LEAKY_RELU, ELU -> Math.abs(a) > m;
      case MAX2, MIN2 -> Math.abs(a - b) > m;
      case CLAMP -> Math.abs(a - b) > m && Math.abs(a - (b + 1 + Math.abs(e))) > m;
      case DIV -> Math.abs(b) > 0.1;
      default -> true;
    };
  }

  /** The gradient of {@code sum(y .* g)} with respect to input {@code input}, by the scatters. */
  static Tensor adjointByScatter(Comprehension c, List<Tensor> in, int input, Tensor g) {
    List<Tensor> slots = adjointSlots(c, in, g);
    Tensor sum = Tensor.zeros(in.get(input).dims());
    for (Scatter s : IndexRules.adjoint(c, input, in.size())) {
      Tensor part = IxEval.scatter(s, slots, in.get(input).dims());
      for (int e = 0; e < sum.data().length; e++) {
        sum.data()[e] += part.data()[e];
      }
    }
    return sum;
  }

  static List<Tensor> adjointSlots(Comprehension c, List<Tensor> in, Tensor g) {
    List<Tensor> slots = new ArrayList<>();
    slots.add(g);
    slots.addAll(in);
    slots.add(IxEval.evaluate(c, in));
    if (c.reducer() == Reducer.MAX || c.reducer() == Reducer.MIN) {
      slots.add(IxEval.winners(c, in));
      for (int m = 0; m < c.reduced().size(); m++) {
        slots.add(IxEval.winners(c, in, m));
      }
    }
    return slots;
  }

  static void checkGradients(Comprehension c, List<Tensor> in, long seed, boolean expectGather) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      all.add(i);
    }
    checkGradientsOf(c, in, seed, all);
    if (expectGather) {
      for (int input : all) {
        for (Scatter s : IndexRules.adjoint(c, input, in.size())) {
          assertTrue(Gather.of(s, in.get(input).dims()).isPresent(), "no gather for " + s);
        }
      }
    }
  }

  /** Scatter and gather forms against central differences, for the listed inputs. */
  static void checkGradientsOf(Comprehension c, List<Tensor> in, long seed, List<Integer> inputs) {
    Tensor g = random(new Random(seed), c.shape());
    List<Tensor> slots = adjointSlots(c, in, g);
    for (int input : inputs) {
      Tensor scatter = adjointByScatter(c, in, input, g);
      Tensor gather = Tensor.zeros(in.get(input).dims());
      boolean allGathered = true;
      for (Scatter s : IndexRules.adjoint(c, input, in.size())) {
        Optional<Comprehension> gc = Gather.of(s, in.get(input).dims());
        if (gc.isEmpty()) {
          allGathered = false;
          continue;
        }
        Tensor part = IxEval.evaluate(gc.get(), slots);
        for (int e = 0; e < part.data().length; e++) {
          gather.data()[e] += part.data()[e];
        }
      }
      Tensor x = in.get(input);
      for (int e = 0; e < x.data().length; e++) {
        double keep = x.data()[e];
        x.data()[e] = keep + 1e-6;
        double hi = dot(IxEval.evaluate(c, in), g);
        x.data()[e] = keep - 1e-6;
        double lo = dot(IxEval.evaluate(c, in), g);
        x.data()[e] = keep;
        double numeric = (hi - lo) / 2e-6;
        String where = c + ": d/d$" + input + "[" + e + "]";
        assertEquals(numeric, scatter.data()[e], 1e-6 * (1 + Math.abs(numeric)), where + " (scatter)");
        if (allGathered) {
          assertEquals(scatter.data()[e], gather.data()[e], 1e-12 * (1 + Math.abs(numeric)), where + " (gather)");
        }
      }
    }
  }

  static double dot(Tensor a, Tensor b) {
    double s = 0;
    for (int i = 0; i < a.data().length; i++) {
      s += a.data()[i] * b.data()[i];
    }
    return s;
  }

  static Tensor random(Random rnd, int... dims) {
    Tensor t = Tensor.zeros(dims);
    for (int i = 0; i < t.data().length; i++) {
      t.data()[i] = rnd.nextDouble() * 2 - 1;
    }
    return t;
  }

  static Tensor awayFromZero(Random rnd, int... dims) {
    Tensor t = random(rnd, dims);
    for (int i = 0; i < t.data().length; i++) {
      t.data()[i] = Math.copySign(0.1 + Math.abs(t.data()[i]), t.data()[i]);
    }
    return t;
  }

  /** Values at least 0.01 apart, so that a 1e-6 step never changes which element wins. */
  static Tensor distinct(Random rnd, int... dims) {
    Tensor t = Tensor.zeros(dims);
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < t.data().length; i++) {
      v.add(i * 0.01 - 1);
    }
    java.util.Collections.shuffle(v, rnd);
    for (int i = 0; i < v.size(); i++) {
      t.data()[i] = v.get(i);
    }
    return t;
  }

  @Test
  void gatherSolvesOnlyWhereTheTargetIsInvertible() {
    // x[i + j, i - j] cannot be solved axis by axis
    Scatter s = new Scatter(List.of(d("i", 2), d("j", 2)), List.of(),
        List.of(ix("i").plus(ix("j")), ix("i").minus(ix("j"))), IExpr.ONE);
    assertFalse(Gather.of(s, new int[] {4, 4}).isPresent());
  }
}
