package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels and the plain Java ones ({@link KernelFamily}) against plain loops in double, over sizes below, at and around
 * multiples of the vector length (16 floats, 8 doubles here) and every tile's remainder.
 * Tolerance: the sum of the terms' magnitudes times 1e-14 (double) or 1e-6 (float).
 */
class VectorKernelsTest {
  private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 100, 130};
  private static final int[] BATCHES = {1, 2, 3, 4, 5, 8, 9};

  @Test
  void matmulRowsMatchesPlainLoops() {
    for (KernelFamily k0 : KernelFamily.ALL) {
      SplittableRandom rnd = new SplittableRandom(1);
      for (int m : SIZES) {
        for (int k : SIZES) {
          int batch = BATCHES[rnd.nextInt(BATCHES.length)];
          double[] w = random(rnd, m * k);
          double[] x = random(rnd, batch * k);
          double[] want = new double[batch * m];
          double[] mag = new double[batch * m];
          plainMatmulRows(w, x, want, mag, m, k, batch);
          double[] zd = new double[batch * m];
          k0.matmulRows(w, x, zd, m, k, batch);
          float[] zf = new float[batch * m];
          k0.matmulRows(toFloat(w), toFloat(x), zf, m, k, batch);
          check(k0.name() + " " + "matmulRows " + m + "x" + k + " batch " + batch, want, mag, zd, zf);
        }
      }
    }
  }

  /**
   * matmulRows where it packs (VectorKernels*.packs: W transposed into a scratch of the thread's,
   * then matmulCols' tiles over every row): the plain loops' products, below and above the rows at
   * which it packs, for sizes around the vector's, ragged and long sums (120, and 272, longer than
   * any sum it packs, which stays dot products); a larger W after a smaller one grows the scratch.
   */
  @Test
  void matmulRowsPackedMatchesPlainLoops() {
    SplittableRandom rnd = new SplittableRandom(31);
    for (int m : SIZES) {
      for (int k : new int[] {1, 7, 16, 33, 64, 120, 272}) {
        for (int batch : new int[] {5, VectorKernelsD.PACKED_MIN_ROWS, 97}) {
          double[] w = random(rnd, m * k);
          double[] x = random(rnd, batch * k);
          double[] want = new double[batch * m];
          double[] mag = new double[batch * m];
          plainMatmulRows(w, x, want, mag, m, k, batch);
          double[] zd = new double[batch * m];
          VectorKernelsD.matmulRows(w, x, zd, m, k, batch);
          float[] zf = new float[batch * m];
          VectorKernelsF.matmulRows(toFloat(w), toFloat(x), zf, m, k, batch);
          check("matmulRows " + m + "x" + k + " batch " + batch, want, mag, zd, zf);
        }
      }
    }
  }

  /**
   * transpose: {@code dst[to + i*k + q] = src[from + q*stride + i]}, in both precisions, for
   * blocks square and not, a stride wider than the block, and nothing else of dst written.
   */
  @Test
  void transposeMovesABlockIntoRows() {
    int[][] shapes = {{16, 16, 16}, {3, 5, 7}, {8, 2, 20}, {1, 4, 1}};
    for (int[] sh : shapes) {
      int m = sh[0];
      int k = sh[1];
      int stride = sh[2];
      float[] src = new float[3 + k * stride + m];
      double[] srcD = new double[src.length];
      for (int a = 0; a < src.length; a++) {
        src[a] = a * 0.5f;
        srcD[a] = a * 0.5;
      }
      float[] dst = new float[2 + m * k + 2];
      double[] dstD = new double[dst.length];
      java.util.Arrays.fill(dst, -1);
      java.util.Arrays.fill(dstD, -1);
      VectorKernelsF.transpose(src, 3, stride, dst, 2, m, k);
      VectorKernelsD.transpose(srcD, 3, stride, dstD, 2, m, k);
      for (int a = 0; a < dst.length; a++) {
        boolean inside = a >= 2 && a < 2 + m * k;
        int i = (a - 2) / k;
        int q = (a - 2) % k;
        float want = inside ? src[3 + q * stride + i] : -1;
        assertEquals(want, dst[a], java.util.Arrays.toString(sh) + " at " + a);
        assertEquals(want, dstD[a], 0, java.util.Arrays.toString(sh) + " at " + a);
      }
    }
  }

  /**
   * matmulRowsHeads and matmulColsHeads, attention's {@code q[h, t, c] = sum(d) Wq[h, c, d] *
   * a[t, d]} and {@code sum(d) Wo[d, h, c] * g[t, d]}: bit for bit matmulRows' and matmulCols'
   * numbers for the batch's positions as rows, each row's runs moved to their heads; heads of a
   * vector, of less and of more, with and without packing, and every element of z written.
   */
  @Test
  void productsLaidOutAsHeadsAreTheProductsRowsMoved() {
    SplittableRandom rnd = new SplittableRandom(41);
    int[][] shapes = {{4, 16, 64, 16, 32}, {2, 8, 24, 5, 3}, {3, 32, 40, 7, 9}, {2, 16, 64, 16, 33}};
    for (int[] s : shapes) {
      int heads = s[0];
      int run = s[1];
      int k = s[2];
      int positions = s[3];
      int batch = s[4];
      int m = heads * run;
      float[] w = toFloat(random(rnd, m * k));
      float[] x = toFloat(random(rnd, batch * positions * k));
      float[] rows = new float[batch * positions * m];
      float[] cols = new float[batch * positions * m];
      VectorKernelsF.matmulRows(w, x, rows, m, k, batch * positions);
      VectorKernelsF.matmulCols(w, x, cols, m, k, batch * positions);
      float[] z = new float[batch * positions * m];
      float[] zc = new float[batch * positions * m];
      java.util.Arrays.fill(z, Float.NaN);
      java.util.Arrays.fill(zc, Float.NaN);
      VectorKernelsF.matmulRowsHeads(w, x, z, m, k, batch, positions, run);
      VectorKernelsF.matmulColsHeads(w, x, zc, m, k, batch, positions, run);
      for (int e = 0; e < batch; e++) {
        for (int p = 0; p < positions; p++) {
          for (int r = 0; r < m; r++) {
            int at = e * positions * m + (r / run) * positions * run + p * run + r % run;
            int row = (e * positions + p) * m + r;
            assertEquals(rows[row], z[at], "rows " + java.util.Arrays.toString(s) + " at " + at);
            assertEquals(cols[row], zc[at], "cols " + java.util.Arrays.toString(s) + " at " + at);
          }
        }
      }
      double[] wd = new double[m * k];
      double[] xd = new double[batch * positions * k];
      for (int i = 0; i < wd.length; i++) {
        wd[i] = w[i];
      }
      for (int i = 0; i < xd.length; i++) {
        xd[i] = x[i];
      }
      double[] zd = new double[batch * positions * m];
      double[] rd = new double[batch * positions * m];
      VectorKernelsD.matmulRowsHeads(wd, xd, zd, m, k, batch, positions, run);
      VectorKernelsD.matmulRows(wd, xd, rd, m, k, batch * positions);
      for (int e = 0; e < batch; e++) {
        for (int p = 0; p < positions; p++) {
          for (int r = 0; r < m; r++) {
            assertEquals(rd[(e * positions + p) * m + r], zd[e * positions * m + (r / run) * positions * run + p * run + r % run]);
          }
        }
      }
    }
  }

  /**
   * Batches larger than one block of examples ({@code VectorKernels*.ROWS_BLOCK_BYTES} of x): the
   * plain loops' products, and bit for bit what the kernel gives for the same examples four at a
   * time (each element is computed by the same tile, whatever the blocks).
   */
  @Test
  void matmulRowsOverManyBlocksOfExamples() {
    SplittableRandom rnd = new SplittableRandom(11);
    // sums long enough to stay dot products at these batches (VectorKernels*.packs), else the
    // batch and its groups of four would be computed by different kernels
    int[][] cases = {{9, 304, 45}, {16, 1100, 13}, {5, 8, 2050}, {64, 272, 515}, {3, 2100, 9}};
    for (int[] c : cases) {
      int m = c[0];
      int k = c[1];
      int batch = c[2];
      double[] w = random(rnd, m * k);
      double[] x = random(rnd, batch * k);
      double[] want = new double[batch * m];
      double[] mag = new double[batch * m];
      plainMatmulRows(w, x, want, mag, m, k, batch);
      double[] zd = new double[batch * m];
      VectorKernelsD.matmulRows(w, x, zd, m, k, batch);
      float[] wf = toFloat(w);
      float[] xf = toFloat(x);
      float[] zf = new float[batch * m];
      VectorKernelsF.matmulRows(wf, xf, zf, m, k, batch);
      String what = "matmulRows " + m + "x" + k + " batch " + batch;
      check(what, want, mag, zd, zf);
      for (int e = 0; e + 4 <= batch; e += 4) {
        double[] z4 = new double[4 * m];
        VectorKernelsD.matmulRows(w, java.util.Arrays.copyOfRange(x, e * k, (e + 4) * k), z4, m, k, 4);
        float[] z4f = new float[4 * m];
        VectorKernelsF.matmulRows(wf, java.util.Arrays.copyOfRange(xf, e * k, (e + 4) * k), z4f, m, k, 4);
        for (int i = 0; i < 4 * m; i++) {
          assertEquals(z4[i], zd[e * m + i], 0, what + " double, examples " + e + "..");
          assertEquals(z4f[i], zf[e * m + i], 0, what + " float, examples " + e + "..");
        }
      }
    }
  }

  @Test
  void matmulColsMatchesPlainLoops() {
    for (KernelFamily k0 : KernelFamily.ALL) {
      SplittableRandom rnd = new SplittableRandom(2);
      for (int m : SIZES) {
        for (int k : SIZES) {
          int batch = BATCHES[rnd.nextInt(BATCHES.length)];
          double[] w = random(rnd, k * m);
          double[] d = random(rnd, batch * k);
          double[] want = new double[batch * m];
          double[] mag = new double[batch * m];
          for (int e = 0; e < batch; e++) {
            for (int r = 0; r < m; r++) {
              for (int c = 0; c < k; c++) {
                want[e * m + r] += d[e * k + c] * w[c * m + r];
                mag[e * m + r] += Math.abs(d[e * k + c] * w[c * m + r]);
              }
            }
          }
          double[] yd = new double[batch * m];
          k0.matmulCols(w, d, yd, m, k, batch);
          float[] yf = new float[batch * m];
          k0.matmulCols(toFloat(w), toFloat(d), yf, m, k, batch);
          check(k0.name() + " " + "matmulCols " + m + "x" + k + " batch " + batch, want, mag, yd, yf);
        }
      }
    }
  }

  @Test
  void outerAccumulateMatchesPlainLoops() {
    for (KernelFamily k0 : KernelFamily.ALL) {
      SplittableRandom rnd = new SplittableRandom(3);
      for (int rows : SIZES) {
        for (int cols : SIZES) {
          int batch = BATCHES[rnd.nextInt(BATCHES.length)];
          boolean assign = rnd.nextBoolean();
          double scale = (rnd.nextBoolean() ? 1.0 : -1.0) / batch;
          double[] a = random(rnd, batch * rows);
          double[] b = random(rnd, batch * cols);
          double[] g0 = random(rnd, rows * cols);
          double[] want = g0.clone();
          double[] mag = new double[rows * cols];
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
              double s = 0;
              for (int e = 0; e < batch; e++) {
                s += a[e * rows + r] * b[e * cols + j];
                mag[r * cols + j] += Math.abs(a[e * rows + r] * b[e * cols + j] * scale);
              }
              want[r * cols + j] = (assign ? 0 : g0[r * cols + j]) + scale * s;
              mag[r * cols + j] += assign ? 0 : Math.abs(g0[r * cols + j]);
            }
          }
          double[] gd = g0.clone();
          k0.outerAccumulate(a, b, gd, rows, cols, batch, scale, assign);
          float[] gf = toFloat(g0);
          k0.outerAccumulate(toFloat(a), toFloat(b), gf, rows, cols, batch, (float) scale, assign);
          check(k0.name() + " " + "outerAccumulate " + rows + "x" + cols + " batch " + batch + (assign ? " =" : " +="), want, mag, gd, gf);
        }
      }
    }
  }

  /**
   * outerAccumulate sums each element over the examples in order, fused multiply-adds on vectors
   * of columns (a row's last columns past its whole vectors in one more vector overlapping them,
   * its other lanes stored back as they were; the scalar code's multiply then add for rows
   * narrower than a vector), whichever tile computes it and whether it packs its operands first
   * (from 64 examples; a's rows too over 4 strips of b and more): to the bit.
   */
  @Test
  void outerAccumulateSumsEachElementInExampleOrderToTheBitPackedOrNot() {
    SplittableRandom rnd = new SplittableRandom(13);
    int lanesD = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.length();
    int lanesF = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    for (int batch : new int[] {2, 5, 63, 64, 65, 130, 512}) {
      for (int rows : new int[] {3, 4, 9, 16, 33}) {
        // a width from the list, and 130: 4 strips of b on AVX-512, where the packed tiles pack a too
        for (int cols : new int[] {new int[] {5, 8, 16, 17, 40, 64, 70}[rnd.nextInt(7)], 130}) {
          boolean assign = rnd.nextBoolean();
          double scale = (rnd.nextBoolean() ? 1.0 : -1.0) / batch;
          double[] a = random(rnd, batch * rows);
          double[] b = random(rnd, batch * cols);
          double[] g0 = random(rnd, rows * cols);
          float[] af = toFloat(a);
          float[] bf = toFloat(b);
          float sf = (float) scale;
          double[] gd = g0.clone();
          VectorKernelsD.outerAccumulate(a, b, gd, rows, cols, batch, scale, assign);
          float[] gf = toFloat(g0);
          float[] g0f = gf.clone();
          VectorKernelsF.outerAccumulate(af, bf, gf, rows, cols, batch, sf, assign);
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
              // every column in vectors where a row is at least one (the last overlapping the one
              // before), none where it is narrower
              boolean vecD = cols >= lanesD;
              boolean vecF = cols >= lanesF;
              double accD = 0;
              float accF = 0;
              for (int e = 0; e < batch; e++) {
                accD = vecD ? Math.fma(a[e * rows + r], b[e * cols + j], accD) : accD + a[e * rows + r] * b[e * cols + j];
                accF = vecF ? Math.fma(af[e * rows + r], bf[e * cols + j], accF) : accF + af[e * rows + r] * bf[e * cols + j];
              }
              int at = r * cols + j;
              double wantD = assign ? accD * scale : vecD ? Math.fma(accD, scale, g0[at]) : g0[at] + accD * scale;
              float wantF = assign ? accF * sf : vecF ? Math.fma(accF, sf, g0f[at]) : g0f[at] + accF * sf;
              String where = rows + "x" + cols + " batch " + batch + (assign ? " =" : " +=") + " at " + r + ", " + j;
              assertEquals(wantD, gd[at], 0, "double " + where);
              assertEquals(wantF, gf[at], 0, "float " + where);
            }
          }
        }
      }
    }
  }

  /** backwardRows = matmulCols + outerAccumulate (assign), fused for one example. */
  @Test
  void backwardRowsMatchesPlainLoops() {
    for (KernelFamily k0 : KernelFamily.ALL) {
      SplittableRandom rnd = new SplittableRandom(5);
      for (int m : SIZES) {
        for (int k : SIZES) {
          int batch = rnd.nextInt(3) == 0 ? BATCHES[rnd.nextInt(BATCHES.length)] : 1;
          double scale = 1.0 / batch;
          double[] w = random(rnd, m * k);
          double[] d = random(rnd, batch * m);
          double[] x = random(rnd, batch * k);
          double[] wantY = new double[batch * k];
          double[] magY = new double[batch * k];
          double[] wantG = new double[m * k];
          double[] magG = new double[m * k];
          for (int e = 0; e < batch; e++) {
            for (int r = 0; r < m; r++) {
              for (int j = 0; j < k; j++) {
                wantY[e * k + j] += d[e * m + r] * w[r * k + j];
                magY[e * k + j] += Math.abs(d[e * m + r] * w[r * k + j]);
                wantG[r * k + j] += scale * d[e * m + r] * x[e * k + j];
                magG[r * k + j] += Math.abs(scale * d[e * m + r] * x[e * k + j]);
              }
            }
          }
          double[] yd = new double[batch * k];
          double[] gd = random(rnd, m * k); // overwritten
          k0.backwardRows(w, d, x, yd, gd, m, k, batch, scale);
          float[] yf = new float[batch * k];
          float[] gf = new float[m * k];
          k0.backwardRows(toFloat(w), toFloat(d), toFloat(x), yf, gf, m, k, batch, (float) scale);
          String what = k0.name() + " " + "backwardRows " + m + "x" + k + " batch " + batch;
          check(what + " y", wantY, magY, yd, yf);
          check(what + " g", wantG, magG, gd, gf);
        }
      }
    }
  }

  /**
   * For one example, backwardRows is exact to the bit, whatever order it walks W in: each
   * {@code y[j]} is the sum of its terms in the order {@code r = 0, 1, ...}, one fma each in the
   * vector columns and a multiply and an add in the scalar tail (columns from the last whole
   * vector on), and each gradient element is {@code (d[r] * scale) * x[j]}.
   */
  @Test
  void backwardRowsForOneExampleSumsEachColumnInRowOrderToTheBit() {
    SplittableRandom rnd = new SplittableRandom(6);
    int lanesD = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.length();
    int lanesF = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    for (int m : SIZES) {
      for (int k : SIZES) {
        double[] w = random(rnd, m * k);
        double[] d = random(rnd, m);
        double[] x = random(rnd, k);
        double scale = rnd.nextDouble(0.5, 2);
        float[] wf = toFloat(w);
        float[] df = toFloat(d);
        float[] xf = toFloat(x);
        float scaleF = (float) scale;
        double[] yd = new double[k];
        double[] gd = random(rnd, m * k);
        VectorKernelsD.backwardRows(w, d, x, yd, gd, m, k, 1, scale);
        float[] yf = new float[k];
        float[] gf = new float[m * k];
        VectorKernelsF.backwardRows(wf, df, xf, yf, gf, m, k, 1, scaleF);
        for (int j = 0; j < k; j++) {
          double wantD = 0;
          float wantF = 0;
          for (int r = 0; r < m; r++) {
            if (j < k / lanesD * lanesD) {
              wantD = Math.fma(w[r * k + j], d[r], wantD);
            } else {
              wantD += d[r] * w[r * k + j];
            }
            if (j < k / lanesF * lanesF) {
              wantF = Math.fma(wf[r * k + j], df[r], wantF);
            } else {
              wantF += df[r] * wf[r * k + j];
            }
            assertEquals(d[r] * scale * x[j], gd[r * k + j], 0, "g double " + m + "x" + k);
            assertEquals(df[r] * scaleF * xf[j], gf[r * k + j], 0, "g float " + m + "x" + k);
          }
          assertEquals(wantD, yd[j], 0, "y double " + m + "x" + k + " column " + j);
          assertEquals(wantF, yf[j], 0, "y float " + m + "x" + k + " column " + j);
        }
      }
    }
  }

  /**
   * matmulCols for batches that every example tile meets (6 by 2 vectors and 4 by 2 on 256-bit
   * vectors, 6 by 4 and 4 by 4 on wider ones, and single examples): each element is the fused sum over
   * {@code c} in order, whichever tile computed it, to the bit, the columns past the last whole
   * vector too (one more vector overlapping the one before, or in rows narrower than a vector
   * scalar fused multiply-adds).
   */
  @Test
  void matmulColsSumsEachElementInRowOrderToTheBitWhateverItsTile() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int batch : new int[] {6, 7, 8, 10, 12, 13, 14, 32}) {
      for (int m : new int[] {8, 16, 17, 20, 30, 32, 40, 64, 130}) {
        int k = 1 + rnd.nextInt(40);
        double[] w = random(rnd, k * m);
        double[] d = random(rnd, batch * k);
        float[] wf = toFloat(w);
        float[] df = toFloat(d);
        double[] yd = new double[batch * m];
        VectorKernelsD.matmulCols(w, d, yd, m, k, batch);
        float[] yf = new float[batch * m];
        VectorKernelsF.matmulCols(wf, df, yf, m, k, batch);
        for (int e = 0; e < batch; e++) {
          for (int r = 0; r < m; r++) {
            double wantD = 0;
            float wantF = 0;
            for (int c = 0; c < k; c++) {
              wantD = Math.fma(w[c * m + r], d[e * k + c], wantD);
              wantF = Math.fma(wf[c * m + r], df[e * k + c], wantF);
            }
            String at = m + "x" + k + " batch " + batch + " example " + e + " column " + r;
            assertEquals(wantD, yd[e * m + r], 0, "double " + at);
            assertEquals(wantF, yf[e * m + r], 0, "float " + at);
          }
        }
      }
    }
  }

  /**
   * The same for matmulCols and one example: {@code y[r]} sums {@code d[c] * w[c*m + r]} in the
   * order c = 0, 1, ..., fused.
   */
  @Test
  void matmulColsForOneExampleSumsEachColumnInRowOrderToTheBit() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int m : SIZES) {
      for (int k : SIZES) {
        double[] w = random(rnd, k * m);
        double[] d = random(rnd, k);
        float[] wf = toFloat(w);
        float[] df = toFloat(d);
        double[] yd = random(rnd, m); // overwritten
        VectorKernelsD.matmulCols(w, d, yd, m, k, 1);
        float[] yf = new float[m];
        VectorKernelsF.matmulCols(wf, df, yf, m, k, 1);
        for (int r = 0; r < m; r++) {
          double wantD = 0;
          float wantF = 0;
          for (int c = 0; c < k; c++) {
            wantD = Math.fma(w[c * m + r], d[c], wantD);
            wantF = Math.fma(wf[c * m + r], df[c], wantF);
          }
          assertEquals(wantD, yd[r], 0, "double " + m + "x" + k + " column " + r);
          assertEquals(wantF, yf[r], 0, "float " + m + "x" + k + " column " + r);
        }
      }
    }
  }

  /**
   * Bias and activation against Ops, with and without a second addend ({@code act((t + t2) + bias)},
   * a recurrent gate): 1e-14 relative in double, 1e-6 in float (of max(1e-3, |want|)).
   */
  /**
   * A contraction's packed product, {@code c[i*n + j] = sum over q of a[i*k + q] * b[q][j]}: each
   * element is the fused multiply-adds over {@code q} in order, whichever tile (6, 4, 2 or 1 rows;
   * 4, 2, 1 or no vectors of columns; a last vector overlapping the one before) computed it, so it
   * equals {@code Math.fma} in a plain loop to the
   * bit; the rows of {@code b} are longer than {@code n} (what is past {@code n} is not read into
   * the result) and nothing past {@code m * n} of {@code c} is written.
   */
  @Test
  void packedProductIsTheFusedSumInOrderToTheBit() {
    SplittableRandom rnd = new SplittableRandom(21);
    // k = 300: panels 4 vectors wide too large for the L1 (WIDE_PANEL_BYTES), so 2 vectors wide
    int[] ks = {1, 2, 3, 8, 25, 150, 300};
    for (int m = 1; m <= 9; m++) {
      for (int n : SIZES) {
        for (int k : ks) {
          double[] a = random(rnd, m * k);
          double[][] b = new double[k][];
          for (int q = 0; q < k; q++) {
            b[q] = random(rnd, n + 5);
          }
          float[] af = toFloat(a);
          float[][] bf = new float[k][];
          for (int q = 0; q < k; q++) {
            bf[q] = toFloat(b[q]);
          }
          double[] cd = new double[m * n + 3];
          float[] cf = new float[m * n + 3];
          java.util.Arrays.fill(cd, -7);
          java.util.Arrays.fill(cf, -7);
          VectorKernelsD.packedProduct(a, b, cd, m, n, k);
          VectorKernelsF.packedProduct(af, bf, cf, m, n, k);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double sd = 0;
              float sf = 0;
              for (int q = 0; q < k; q++) {
                sd = Math.fma(a[i * k + q], b[q][j], sd);
                sf = Math.fma(af[i * k + q], bf[q][j], sf);
              }
              String what = "packedProduct " + m + "x" + n + "x" + k + " [" + i + "," + j + "]";
              assertEquals(sd, cd[i * n + j], 0, what + " double");
              assertEquals(sf, cf[i * n + j], 0, what + " float");
            }
          }
          for (int t = m * n; t < cd.length; t++) {
            assertEquals(-7, cd[t], 0, "packedProduct " + m + "x" + n + "x" + k + " wrote past m*n (double)");
            assertEquals(-7, cf[t], 0, "packedProduct " + m + "x" + n + "x" + k + " wrote past m*n (float)");
          }
        }
      }
    }
  }

  /**
   * The packed product with each row of {@code B'} a run of one array from its own offset, as a
   * direct convolution passes its input (docs/codegen.md, "Contractions"): the same fused sums
   * in order to the bit, for 1 to 17 rows (tiles of 6, 4 and 2 rows by 4 vectors, the 2-vector
   * tile overlapping the columns before it where more than a vector is left, single vectors), the
   * rows overlapping each other in the array, the last ending at the array's end.
   */
  @Test
  void packedProductReadsEachRowOfBFromItsOffset() {
    SplittableRandom rnd = new SplittableRandom(23);
    for (int m = 1; m <= 17; m++) {
      for (int n : SIZES) {
        for (int k : new int[] {1, 5, 25, 150}) {
          int step = 1 + rnd.nextInt(7);
          double[] x = random(rnd, (k - 1) * step + n);
          int[] bo = new int[k];
          double[][] b = new double[k][];
          float[][] bf = new float[k][];
          float[] xf = toFloat(x);
          for (int q = 0; q < k; q++) {
            bo[q] = q * step;
            b[q] = x;
            bf[q] = xf;
          }
          double[] a = random(rnd, m * k);
          float[] af = toFloat(a);
          double[] cd = new double[m * n];
          float[] cf = new float[m * n];
          VectorKernelsD.packedProduct(a, b, bo, cd, m, n, k);
          VectorKernelsF.packedProduct(af, bf, bo, cf, m, n, k);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double sd = 0;
              float sf = 0;
              for (int q = 0; q < k; q++) {
                sd = Math.fma(a[i * k + q], x[bo[q] + j], sd);
                sf = Math.fma(af[i * k + q], xf[bo[q] + j], sf);
              }
              String what = "packedProduct at offsets " + m + "x" + n + "x" + k + " [" + i + "," + j + "]";
              assertEquals(sd, cd[i * n + j], 0, what + " double");
              assertEquals(sf, cf[i * n + j], 0, what + " float");
            }
          }
        }
      }
    }
  }

  /**
   * matmulRows with row {@code r} of {@code w} read from {@code wo[r]} of one array, the rows
   * overlapping (a direct weight gradient's windows): the plain loops' sums, for sums whose
   * length is and is not whole vectors (the last partial vector in masked lanes where both
   * arrays have room past it, scalar where the last window ends at the array's end).
   */
  @Test
  void matmulRowsReadsEachRowFromItsOffset() {
    SplittableRandom rnd = new SplittableRandom(37);
    for (int m : new int[] {1, 3, 4, 5, 9, 25}) {
      for (int k : new int[] {1, 7, 16, 17, 28, 92, 668}) {
        for (int batch : new int[] {1, 2, 4, 6, 9}) {
          for (boolean room : new boolean[] {false, true}) {
            int step = 1 + rnd.nextInt(5);
            double[] w = random(rnd, (m - 1) * step + k + (room ? 20 : 0));
            int[] wo = new int[m];
            double[] packed = new double[m * k];
            for (int r = 0; r < m; r++) {
              wo[r] = r * step;
              System.arraycopy(w, wo[r], packed, r * k, k);
            }
            double[] x = random(rnd, batch * k + (room ? 20 : 0));
            double[] want = new double[batch * m];
            double[] mag = new double[batch * m];
            plainMatmulRows(packed, x, want, mag, m, k, batch);
            double[] zd = new double[batch * m];
            float[] zf = new float[batch * m];
            VectorKernelsD.matmulRows(w, wo, x, zd, m, k, batch);
            VectorKernelsF.matmulRows(toFloat(w), wo, toFloat(x), zf, m, k, batch);
            check("matmulRows at offsets " + m + "x" + k + " batch " + batch + (room ? " with room" : ""), want, mag,
                zd, zf);
          }
        }
      }
    }
  }

  /**
   * windowGradient, the weight gradient of a stride-1 correlation summed over the batch: against
   * the plain sums (in double) for kernels square and not, one and several channels, rows
   * shorter and longer than a vector, packs that hold one example, three or the whole batch (so
   * that the last chunk is short), assigning and adding; the scalar kernels' version too. The
   * packs' room past what a chunk needs holds NaN, which no sum may read.
   */
  @Test
  void windowGradientIsTheSumOverTheBatchOfEachWindowTimesTheRows() {
    SplittableRandom rnd = new SplittableRandom(43);
    int[][] shapes = {{3, 1, 6, 6, 3, 3}, {4, 2, 9, 7, 3, 2}, {16, 6, 12, 12, 5, 5}, {5, 3, 8, 21, 1, 4}, {2, 1, 28, 28, 5, 5}};
    for (int[] sh : shapes) {
      int rows = sh[0];
      int planes = sh[1];
      int height = sh[2];
      int width = sh[3];
      int kh = sh[4];
      int kw = sh[5];
      int oh = height - kh + 1;
      int ow = width - kw + 1;
      for (int batch : new int[] {1, 5}) {
        for (int chunk : new int[] {1, 3, 8}) {
          for (boolean assign : new boolean[] {true, false}) {
            double[] a = random(rnd, batch * rows * oh * ow);
            double[] b = random(rnd, batch * planes * height * width);
            int size = rows * planes * kh * kw;
            double[] g0 = random(rnd, size);
            double[] want = new double[size];
            double[] mag = new double[size];
            double scale = 0.25;
            for (int o = 0; o < rows; o++) {
              for (int c = 0; c < planes; c++) {
                for (int p = 0; p < kh; p++) {
                  for (int q = 0; q < kw; q++) {
                    int i = ((o * planes + c) * kh + p) * kw + q;
                    double sum = 0;
                    double abs = 0;
                    for (int e = 0; e < batch; e++) {
                      for (int y = 0; y < oh; y++) {
                        for (int x = 0; x < ow; x++) {
                          double t = a[((e * rows + o) * oh + y) * ow + x]
                              * b[((e * planes + c) * height + y + p) * width + x + q];
                          sum += t;
                          abs += Math.abs(t);
                        }
                      }
                    }
                    want[i] = (assign ? 0 : g0[i]) + scale * sum;
                    mag[i] = (assign ? 0 : Math.abs(g0[i])) + scale * abs;
                  }
                }
              }
            }
            int packA = rows * oh * chunk * ow + 16;
            int packB = planes * kw * height * chunk * ow + 16;
            double[] gd = g0.clone();
            VectorKernelsD.windowGradient(a, b, gd, rows, planes, height, width, kh, kw, batch, scale, assign,
                nan(packA), nan(packB), new double[size], new int[planes * kh * kw]);
            float[] gf = toFloat(g0);
            VectorKernelsF.windowGradient(toFloat(a), toFloat(b), gf, rows, planes, height, width, kh, kw, batch,
                (float) scale, assign, toFloat(nan(packA)), toFloat(nan(packB)), new float[size], new int[planes * kh * kw]);
            String what = "windowGradient " + java.util.Arrays.toString(sh) + " batch " + batch + " chunk " + chunk
                + (assign ? "" : " adding");
            double[] sd = g0.clone();
            ScalarKernelsD.windowGradient(a, b, sd, rows, planes, height, width, kh, kw, batch, scale, assign,
                null, null, null, null);
            float[] sf = toFloat(g0);
            ScalarKernelsF.windowGradient(toFloat(a), toFloat(b), sf, rows, planes, height, width, kh, kw, batch,
                (float) scale, assign, null, null, null, null);
            check(what, want, mag, gd, gf);
            check("scalar " + what, want, mag, sd, sf);
          }
        }
      }
    }
  }

  /**
   * windowProduct, a stride-1 correlation over a batch: against the plain sums (in double), for
   * kernels square and not, one and several channels, rows shorter and longer than a vector,
   * chunks of one example, three and the whole batch; the scalar kernels' version too. Every
   * number of the output is written (it starts as NaN), and the packs hold NaN before the call.
   */
  @Test
  void windowProductIsTheSumOverEachWindow() {
    SplittableRandom rnd = new SplittableRandom(53);
    int[][] shapes = {{3, 1, 6, 6, 3, 3}, {4, 2, 9, 7, 3, 2}, {16, 6, 12, 12, 5, 5}, {5, 3, 8, 21, 1, 4}, {2, 1, 28, 28, 5, 5}};
    for (int[] sh : shapes) {
      int rows = sh[0];
      int planes = sh[1];
      int height = sh[2];
      int width = sh[3];
      int kh = sh[4];
      int kw = sh[5];
      int oh = height - kh + 1;
      int ow = width - kw + 1;
      for (int batch : new int[] {1, 5}) {
        for (int chunk : new int[] {1, 3, 8}) {
          double[] k = random(rnd, rows * planes * kh * kw);
          double[] x = random(rnd, batch * planes * height * width);
          int size = batch * rows * oh * ow;
          double[] want = new double[size];
          double[] mag = new double[size];
          for (int e = 0; e < batch; e++) {
            for (int o = 0; o < rows; o++) {
              for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                  int at = ((e * rows + o) * oh + r) * ow + c;
                  for (int i = 0; i < planes; i++) {
                    for (int p = 0; p < kh; p++) {
                      for (int q = 0; q < kw; q++) {
                        double t = k[((o * planes + i) * kh + p) * kw + q] * x[((e * planes + i) * height + r + p) * width + c + q];
                        want[at] += t;
                        mag[at] += Math.abs(t);
                      }
                    }
                  }
                }
              }
            }
          }
          int packX = planes * kw * height * chunk * ow + 16;
          int part = rows * oh * ow * chunk + 16;
          int terms = planes * kh * kw;
          double[] yd = nan(size);
          VectorKernelsD.windowProduct(k, x, yd, rows, planes, height, width, kh, kw, batch, nan(packX), nan(part),
              new double[terms][], new int[terms]);
          float[] yf = toFloat(nan(size));
          VectorKernelsF.windowProduct(toFloat(k), toFloat(x), yf, rows, planes, height, width, kh, kw, batch,
              toFloat(nan(packX)), toFloat(nan(part)), new float[terms][], new int[terms]);
          String what = "windowProduct " + java.util.Arrays.toString(sh) + " batch " + batch + " chunk " + chunk;
          check(what, want, mag, yd, yf);
          double[] sd = nan(size);
          ScalarKernelsD.windowProduct(k, x, sd, rows, planes, height, width, kh, kw, batch, null, null, null, null);
          float[] sf = toFloat(nan(size));
          ScalarKernelsF.windowProduct(toFloat(k), toFloat(x), sf, rows, planes, height, width, kh, kw, batch, null, null,
              null, null);
          check("scalar " + what, want, mag, sd, sf);
        }
      }
    }
  }

  /**
   * windowInputGradient, the input gradient of a stride-1 correlation over a batch: against the
   * plain sums (in double) over the terms inside the output's gradient, for kernels square and
   * not, rows shorter and longer than a vector, chunks of one example, three and the whole batch;
   * the scalar kernels' version too. Every number of the result is written (it starts as NaN),
   * and the packs' room holds NaN before the call.
   */
  @Test
  void windowInputGradientIsTheSumOverTheKernelPointsThatReachEachInput() {
    SplittableRandom rnd = new SplittableRandom(47);
    int[][] shapes = {{3, 4, 6, 6, 3, 3}, {4, 5, 9, 7, 3, 2}, {16, 6, 12, 12, 5, 5}, {5, 4, 8, 21, 1, 4}, {2, 4, 5, 30, 5, 5}};
    for (int[] sh : shapes) {
      int rows = sh[0];
      int planes = sh[1];
      int height = sh[2];
      int width = sh[3];
      int kh = sh[4];
      int kw = sh[5];
      int oh = height - kh + 1;
      int ow = width - kw + 1;
      for (int batch : new int[] {1, 5}) {
        for (int chunk : new int[] {1, 3, 8}) {
          double[] k = random(rnd, rows * planes * kh * kw);
          double[] d = random(rnd, batch * rows * oh * ow);
          int size = batch * planes * height * width;
          double[] want = new double[size];
          double[] mag = new double[size];
          for (int e = 0; e < batch; e++) {
            for (int c = 0; c < planes; c++) {
              for (int i = 0; i < height; i++) {
                for (int j = 0; j < width; j++) {
                  int at = ((e * planes + c) * height + i) * width + j;
                  for (int o = 0; o < rows; o++) {
                    for (int p = 0; p < kh; p++) {
                      for (int q = 0; q < kw; q++) {
                        if (i - p >= 0 && i - p < oh && j - q >= 0 && j - q < ow) {
                          double t = k[((o * planes + c) * kh + p) * kw + q] * d[((e * rows + o) * oh + i - p) * ow + j - q];
                          want[at] += t;
                          mag[at] += Math.abs(t);
                        }
                      }
                    }
                  }
                }
              }
            }
          }
          int packD = rows * oh * chunk * width + 2 * 16 + kw;
          int part = planes * chunk * width + 16;
          int terms = kh * rows * kw;
          double[] gd = nan(size);
          VectorKernelsD.windowInputGradient(k, d, gd, rows, planes, height, width, kh, kw, batch,
              nan(planes * terms), nan(packD), nan(part), new double[terms][], new int[terms]);
          float[] gf = toFloat(nan(size));
          VectorKernelsF.windowInputGradient(toFloat(k), toFloat(d), gf, rows, planes, height, width, kh, kw, batch,
              toFloat(nan(planes * terms)), toFloat(nan(packD)), toFloat(nan(part)), new float[terms][], new int[terms]);
          String what = "windowInputGradient " + java.util.Arrays.toString(sh) + " batch " + batch + " chunk " + chunk;
          check(what, want, mag, gd, gf);
          double[] sd = nan(size);
          ScalarKernelsD.windowInputGradient(k, d, sd, rows, planes, height, width, kh, kw, batch, null, null, null, null,
              null);
          float[] sf = toFloat(nan(size));
          ScalarKernelsF.windowInputGradient(toFloat(k), toFloat(d), sf, rows, planes, height, width, kh, kw, batch, null,
              null, null, null, null);
          check("scalar " + what, want, mag, sd, sf);
        }
      }
    }
  }

  private static double[] nan(int n) {
    double[] d = new double[n];
    java.util.Arrays.fill(d, Double.NaN);
    return d;
  }

  /**
   * reluBackward, {@code g * step(t)}: exactly the loop's product for every element, zeros of
   * both signs, NaN and infinities in {@code t} and in {@code g} included (a NaN or infinite
   * {@code g} where {@code t <= 0} gives NaN, as the product does), at lengths around a vector's.
   */
  @Test
  void reluBackwardIsTheProductWithTheStepOfEachElement() {
    SplittableRandom rnd = new SplittableRandom(41);
    double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300, -1e-300};
    for (int size = 1; size <= 37; size += 4) {
      int batch = 3;
      double[] g = random(rnd, size * batch);
      double[] t = random(rnd, size * batch);
      for (int i = 0; i < g.length; i += 3) {
        t[i] = special[rnd.nextInt(special.length)];
        if (i % 2 == 0) {
          g[i] = special[rnd.nextInt(special.length)];
        }
      }
      float[] gF = toFloat(g);
      float[] tF = toFloat(t);
      double[] out = new double[g.length];
      float[] outF = new float[g.length];
      VectorKernelsD.reluBackward(g, t, out, size, batch);
      VectorKernelsF.reluBackward(gF, tF, outF, size, batch);
      for (int i = 0; i < g.length; i++) {
        assertEquals(g[i] * Ops.step(t[i]), out[i], 0, "double at " + i + ", t " + t[i] + ", g " + g[i]);
        assertEquals(gF[i] * Ops.step(tF[i]), outF[i], 0, "float at " + i + ", t " + tF[i] + ", g " + gF[i]);
      }
    }
  }

  /**
   * maxPool2x2 against the loop the compiler generates for a max over 2 x 2 windows with its
   * winners: the max as Math.max takes it in the order (0, 0), (0, 1), (1, 0), (1, 1) (a NaN wins,
   * +0 beats -0) and the first point that took it (greater, or a NaN where the max was a number),
   * exactly, for rows of windows narrower than a vector (in planes narrower than a vector, as wide
   * and wider), a vector wide and not a multiple of it (the last vector overlaps), with ties, NaNs
   * and signed zeros; without winners, the same max.
   */
  @Test
  void maxPool2x2TakesTheLoopsMaxAndFirstWinner() {
    SplittableRandom rnd = new SplittableRandom(43);
    double[] special = {0.0, -0.0, Double.NaN, 1.0, -1.0, Double.NEGATIVE_INFINITY};
    // rows of windows a quarter of a vector long (4 floats with AVX-512, 2 with AVX2 or for
    // doubles) go four at a time; 6 rows in all (one batch of them) leave two
    for (int shape = 0; shape < 20; shape++) {
      int ow = new int[] {1, 2, 3, 4, 7, 8, 12, 16, 17, 24}[shape % 10];
      int channels = 2;
      int oh = shape < 10 ? 3 : 4;
      int batch = shape % 3 == 0 ? 1 : 2;
      int h = 2 * oh;
      int w = 2 * ow;
      double[] x = random(rnd, batch * channels * h * w);
      for (int i = 0; i < x.length; i++) {
        if (rnd.nextInt(3) == 0) {
          x[i] = special[rnd.nextInt(special.length)];
        }
      }
      float[] xF = toFloat(x);
      int n = batch * channels * oh * ow;
      double[] y = new double[n];
      double[] p = new double[n];
      double[] q = new double[n];
      float[] yF = new float[n];
      float[] pF = new float[n];
      float[] qF = new float[n];
      VectorKernelsD.maxPool2x2(x, y, p, q, channels, h, w, batch);
      VectorKernelsF.maxPool2x2(xF, yF, pF, qF, channels, h, w, batch);
      // without winners: the same max
      double[] y0 = new double[n];
      float[] y0F = new float[n];
      VectorKernelsD.maxPool2x2(x, y0, null, null, channels, h, w, batch);
      VectorKernelsF.maxPool2x2(xF, y0F, null, null, channels, h, w, batch);
      for (int i = 0; i < n; i++) {
        assertEquals(Double.doubleToRawLongBits(y[i]), Double.doubleToRawLongBits(y0[i]), "double max alone at " + i);
        assertEquals(Float.floatToRawIntBits(yF[i]), Float.floatToRawIntBits(y0F[i]), "float max alone at " + i);
      }
      for (int e = 0; e < batch; e++) {
        for (int c = 0; c < channels; c++) {
          for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
              int o = ((e * channels + c) * oh + i) * ow + j;
              double best = Double.NEGATIVE_INFINITY;
              double bestF = Double.NEGATIVE_INFINITY;
              boolean hit = false;
              int wp = -1;
              int wq = -1;
              int wpF = -1;
              int wqF = -1;
              for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 2; b++) {
                  int at = ((e * channels + c) * h + 2 * i + a) * w + 2 * j + b;
                  double v = x[at];
                  double vF = xF[at];
                  boolean hot = !hit | v > best | v != v & best == best;
                  boolean hotF = !hit | vF > bestF | vF != vF & bestF == bestF;
                  wp = hot ? a : wp;
                  wq = hot ? b : wq;
                  wpF = hotF ? a : wpF;
                  wqF = hotF ? b : wqF;
                  best = Math.max(best, v);
                  bestF = Math.max(bestF, vF);
                  hit = true;
                }
              }
              String at = "oh " + oh + " ow " + ow + " at " + o;
              assertEquals(Double.doubleToRawLongBits(best), Double.doubleToRawLongBits(y[o]), "double max " + at);
              assertEquals(Float.floatToRawIntBits((float) bestF), Float.floatToRawIntBits(yF[o]), "float max " + at);
              assertEquals(wp, p[o], 0, "double p " + at);
              assertEquals(wq, q[o], 0, "double q " + at);
              assertEquals(wpF, pF[o], 0, "float p " + at);
              assertEquals(wqF, qF[o], 0, "float q " + at);
            }
          }
        }
      }
    }
  }

  /**
   * scaleShift, a layer norm's scale and shift at every position: each element {@code Math.fma}
   * of the element, its column's scale and shift (or their product alone without a shift),
   * exactly, for rows around the vector's length.
   */
  @Test
  void scaleShiftIsMathFmaOfEachElement() {
    SplittableRandom rnd = new SplittableRandom(37);
    for (int size = 1; size <= 40; size += 3) {
      int rows = 3;
      double[] t = random(rnd, size * rows);
      double[] g = random(rnd, size);
      double[] e = random(rnd, size);
      float[] tF = toFloat(t);
      float[] gF = toFloat(g);
      float[] eF = toFloat(e);
      for (boolean shifted : new boolean[] {false, true}) {
        double[] out = new double[size * rows];
        float[] outF = new float[size * rows];
        VectorKernelsD.scaleShift(t, g, shifted ? e : null, out, size, rows);
        VectorKernelsF.scaleShift(tF, gF, shifted ? eF : null, outF, size, rows);
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < size; j++) {
            int i = r * size + j;
            assertEquals(shifted ? Math.fma(t[i], g[j], e[j]) : t[i] * g[j], out[i], 0, "double, size " + size);
            assertEquals(shifted ? Math.fma(tF[i], gF[j], eF[j]) : tF[i] * gF[j], outF[i], 0, "float, size " + size);
          }
        }
      }
    }
  }

  /**
   * fmaInto, a row of a sum of products added at an offset: each element {@code Math.fma} of its
   * two factors and the old value, exactly (a vector's lanes and the scalar tail alike), at every
   * length around the vector's, nothing else touched.
   */
  @Test
  void fmaIntoIsMathFmaOfEachElementAndTouchesNothingElse() {
    SplittableRandom rnd = new SplittableRandom(31);
    for (int n = 0; n <= 40; n++) {
      double[] a = random(rnd, n + 2);
      double[] b = random(rnd, n + 5);
      double[] y = random(rnd, n + 7);
      float[] aF = toFloat(a);
      float[] bF = toFloat(b);
      float[] yF = toFloat(y);
      double[] want = y.clone();
      float[] wantF = yF.clone();
      for (int t = 0; t < n; t++) {
        want[4 + t] = Math.fma(a[2 + t], b[5 + t], want[4 + t]);
        wantF[4 + t] = Math.fma(aF[2 + t], bF[5 + t], wantF[4 + t]);
      }
      VectorKernelsD.fmaInto(a, 2, b, 5, y, 4, n);
      VectorKernelsF.fmaInto(aF, 2, bF, 5, yF, 4, n);
      assertTrue(java.util.Arrays.equals(want, y), "fmaInto double, n " + n);
      assertTrue(java.util.Arrays.equals(wantF, yF), "fmaInto float, n " + n);
    }
  }

  /**
   * sumRows, a bias's gradient over a batch: the numbers of the generated loop it replaces (each
   * example's term rounded, then added, example after example) to the bit, at every row length
   * around 4 vectors, for one example and several, adding and assigning, with a negative scale;
   * nothing past the row touched.
   */
  @Test
  void sumRowsIsTheLoopOverTheExamplesToTheBit() {
    SplittableRandom rnd = new SplittableRandom(37);
    for (int n = 1; n <= 70; n++) {
      for (int batch : new int[] {1, 2, 5, 32}) {
        for (boolean assign : new boolean[] {false, true}) {
          double s = batch % 2 == 0 ? 1.0 / batch : -1.0 / batch;
          double[] a = random(rnd, n * batch);
          double[] g = random(rnd, n + 3);
          float[] aF = toFloat(a);
          float[] gF = toFloat(g);
          float sF = (float) s;
          double[] want = g.clone();
          float[] wantF = gF.clone();
          for (int e = 0; e < batch; e++) {
            for (int i = 0; i < n; i++) {
              if (assign && e == 0) {
                want[i] = a[i] * s;
                wantF[i] = aF[i] * sF;
              } else {
                want[i] += a[e * n + i] * s;
                wantF[i] += aF[e * n + i] * sF;
              }
            }
          }
          VectorKernelsD.sumRows(a, g, n, batch, s, assign);
          VectorKernelsF.sumRows(aF, gF, n, batch, sF, assign);
          String at = "n " + n + ", batch " + batch + ", assign " + assign;
          assertTrue(java.util.Arrays.equals(want, g), "sumRows double, " + at);
          assertTrue(java.util.Arrays.equals(wantF, gF), "sumRows float, " + at);
        }
      }
    }
  }

  /**
   * addInto, a row of a scattered product added at an offset: every length around the vector's
   * (the last numbers of a length that is not whole vectors in a vector overlapping the one
   * before), nothing else touched, to the bit (negative zeros included).
   */
  @Test
  void addIntoAddsTheRunAndNothingElse() {
    SplittableRandom rnd = new SplittableRandom(22);
    for (int n = 0; n <= 40; n++) {
      double[] src = random(rnd, n + 7);
      double[] dst = random(rnd, n + 9);
      for (int t = 2; t < n; t += 5) {   // sums of negative zeros, which must stay negative
        src[3 + t] = -0.0;
        dst[4 + t] = -0.0;
      }
      float[] srcF = toFloat(src);
      float[] dstF = toFloat(dst);
      double[] want = dst.clone();
      float[] wantF = dstF.clone();
      for (int t = 0; t < n; t++) {
        want[4 + t] += src[3 + t];
        wantF[4 + t] += srcF[3 + t];
      }
      VectorKernelsD.addInto(src, 3, dst, 4, n);
      VectorKernelsF.addInto(srcF, 3, dstF, 4, n);
      assertTrue(java.util.Arrays.equals(want, dst), "addInto double, n " + n);
      assertTrue(java.util.Arrays.equals(wantF, dstF), "addInto float, n " + n);
    }
  }

  /**
   * copyRun, one run of a packed operand: the run exact, nothing before it touched and nothing
   * more than a vector past it, at every length around the vector's, with and without room for a
   * whole vector after it in either array (the exact copy then).
   */
  @Test
  void copyRunCopiesTheRunAndWritesAtMostAVectorPast() {
    SplittableRandom rnd = new SplittableRandom(29);
    int most = 16; // the most floats in a vector (AVX-512); doubles: 8
    for (int n = 1; n <= 40; n++) {
      for (int srcRoom : new int[] {0, 3, most}) {
        for (int dstRoom : new int[] {0, 5, most}) {
          int from = 2;
          int to = 3;
          double[] src = random(rnd, from + n + srcRoom);
          double[] dst = random(rnd, to + n + dstRoom);
          float[] srcF = toFloat(src);
          float[] dstF = toFloat(dst);
          double[] before = dst.clone();
          float[] beforeF = dstF.clone();
          VectorKernelsD.copyRun(src, from, dst, to, n);
          VectorKernelsF.copyRun(srcF, from, dstF, to, n);
          String what = "n " + n + " room " + srcRoom + ", " + dstRoom;
          for (int t = 0; t < n; t++) {
            assertEquals(src[from + t], dst[to + t], 0, what);
            assertEquals(srcF[from + t], dstF[to + t], 0, what);
          }
          for (int t = 0; t < dst.length; t++) {
            if (t < to || t >= to + n + most) {
              assertEquals(before[t], dst[t], 0, what + ": wrote outside at " + t);
              assertEquals(beforeF[t], dstF[t], 0, what + ": wrote outside at " + t);
            }
          }
        }
      }
    }
  }

  /**
   * copyRuns, the runs of a packed operand: each run exact, nothing before the first touched and
   * nothing more than a vector past the last (the room it may write into), at every length around
   * the vector's, with source strides that are and are not the run's length, and arrays with and
   * without room for whole vectors (the exact copies then).
   */
  @Test
  void copyRunsCopiesEachRunAndWritesAtMostAVectorPast() {
    SplittableRandom rnd = new SplittableRandom(23);
    int most = 16; // the most floats in a vector (AVX-512); doubles: 8
    for (int n = 1; n <= 40; n++) {
      for (int count = 1; count <= 4; count++) {
        for (int stride : new int[] {n, n + 3, 2 * n + 1}) {
          for (boolean room : new boolean[] {false, true}) {
            int from = 2;
            int srcLength = from + (count - 1) * stride + n + (room ? most : 0);
            int to = 3;
            int dstLength = to + count * n + (room ? most : 0);
            double[] src = random(rnd, srcLength);
            double[] dst = random(rnd, dstLength);
            float[] srcF = toFloat(src);
            float[] dstF = toFloat(dst);
            double[] before = dst.clone();
            float[] beforeF = dstF.clone();
            VectorKernelsD.copyRuns(src, from, stride, dst, to, n, count);
            VectorKernelsF.copyRuns(srcF, from, stride, dstF, to, n, count);
            String what = "n " + n + " count " + count + " stride " + stride + (room ? " with room" : " tight");
            for (int r = 0; r < count; r++) {
              for (int t = 0; t < n; t++) {
                assertEquals(src[from + r * stride + t], dst[to + r * n + t], 0, what);
                assertEquals(srcF[from + r * stride + t], dstF[to + r * n + t], 0, what);
              }
            }
            for (int t = 0; t < dstLength; t++) {
              if (t < to || t >= to + count * n + most) {
                assertEquals(before[t], dst[t], 0, what + ": wrote outside at " + t);
                assertEquals(beforeF[t], dstF[t], 0, what + ": wrote outside at " + t);
              }
            }
          }
        }
      }
    }
  }

  /**
   * copyRunsPadded, runs packed into rows wider than they are: each run exact and followed by
   * zeros to the row's width, nothing before the first touched and nothing more than a vector
   * past the last row, at widths within and beyond a vector, with and without room for whole
   * vectors in either array (the exact copies then).
   */
  @Test
  void copyRunsPaddedCopiesEachRunThenZerosToTheWidth() {
    SplittableRandom rnd = new SplittableRandom(31);
    int most = 16; // the most floats in a vector (AVX-512); doubles: 8
    for (int n = 1; n <= 20; n++) {
      for (int width : new int[] {n, n + 1, n + 4, n + 13}) {
        for (int count = 1; count <= 4; count++) {
          for (boolean room : new boolean[] {false, true}) {
            int from = 2;
            int stride = n + 3;
            int srcLength = from + (count - 1) * stride + n + (room ? 2 * most : 0);
            int to = 3;
            int dstLength = to + count * width + (room ? 2 * most : 0);
            double[] src = random(rnd, srcLength);
            double[] dst = random(rnd, dstLength);
            float[] srcF = toFloat(src);
            float[] dstF = toFloat(dst);
            double[] before = dst.clone();
            float[] beforeF = dstF.clone();
            VectorKernelsD.copyRunsPadded(src, from, stride, dst, to, n, width, count);
            VectorKernelsF.copyRunsPadded(srcF, from, stride, dstF, to, n, width, count);
            String what = "n " + n + " width " + width + " count " + count + (room ? " with room" : " tight");
            for (int r = 0; r < count; r++) {
              for (int t = 0; t < width; t++) {
                assertEquals(t < n ? src[from + r * stride + t] : 0, dst[to + r * width + t], 0, what);
                assertEquals(t < n ? srcF[from + r * stride + t] : 0, dstF[to + r * width + t], 0, what);
              }
            }
            for (int t = 0; t < dstLength; t++) {
              if (t < to || t >= to + count * width + most) {
                assertEquals(before[t], dst[t], 0, what + ": wrote outside at " + t);
                assertEquals(beforeF[t], dstF[t], 0, what + ": wrote outside at " + t);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void activateMatchesOps() {
    for (KernelFamily k0 : KernelFamily.ALL) {
      SplittableRandom rnd = new SplittableRandom(4);
      for (int act = VectorKernelsD.IDENTITY; act <= VectorKernelsD.EXP; act++) {
        for (int size : SIZES) {
          int batch = BATCHES[rnd.nextInt(BATCHES.length)];
          boolean withBias = rnd.nextBoolean();
          boolean withSecond = rnd.nextBoolean();
          double[] t = random(rnd, batch * size);
          for (int i = 0; i < t.length; i++) {
            // |x| from 0 to 100 (to 25 for exp, which 100 takes past float's range)
            t[i] = (float) (t[i] * Math.pow(10, rnd.nextDouble() * (act == VectorKernelsD.EXP ? 2.4 : 3) - 1));
          }
          double[] t2 = withSecond ? random(rnd, batch * size) : null;
          if (withSecond) {
            for (int i = 0; i < t2.length; i++) {
              t2[i] = (float) t2[i];
            }
          }
          double[] bias = withBias ? random(rnd, size) : null;
          // in place every other time (the last vector of a row may not then overlap the one before)
          boolean inPlace = rnd.nextBoolean();
          double[] outD = inPlace ? t.clone() : new double[t.length];
          float[] outF = inPlace ? toFloat(t) : new float[t.length];
          k0.activate(act, inPlace ? outD : t, t2, bias, outD, size, batch);
          k0.activate(act, inPlace ? outF : toFloat(t), t2 == null ? null : toFloat(t2), bias == null ? null : toFloat(bias),
              outF, size, batch);
          for (int e = 0; e < batch; e++) {
            for (int i = 0; i < size; i++) {
              int at = e * size + i;
              double xd = withSecond ? t[at] + t2[at] : t[at];
              xd = withBias ? xd + bias[i] : xd;
              float xf = withSecond ? (float) t[at] + (float) t2[at] : (float) t[at];
              xf = withBias ? xf + (float) bias[i] : xf;
              double wantD = apply(act, xd);
              double wantF = apply(act, xf);
              String what = k0.name() + " " + "act " + act + " size " + size + (withSecond ? " t + t2" : "")
                  + (inPlace ? " in place" : "") + " [" + at + "]";
              assertEquals(wantD, outD[at], 1e-14 * Math.max(1e-3, Math.abs(wantD)), what + " double");
              assertEquals(wantF, outF[at], 1e-6 * Math.max(1e-3, Math.abs(wantF)), what + " float");
            }
          }
        }
      }
    }
  }

  /** activateRows, a bias per row (a convolution's channel): every activation, sizes around the vector's. */
  @Test
  void activateRowsMatchesOps() {
    SplittableRandom rnd = new SplittableRandom(6);
    for (int act = VectorKernelsD.IDENTITY; act <= VectorKernelsD.EXP; act++) {
      for (int size : SIZES) {
        int batch = BATCHES[rnd.nextInt(BATCHES.length)];
        int rows = 1 + rnd.nextInt(7);
        double[] t = random(rnd, batch * rows * size);
        for (int i = 0; i < t.length; i++) {
          t[i] = (float) (t[i] * Math.pow(10, rnd.nextDouble() * 2.4 - 1)); // |x| from 0 to 25
        }
        double[] bias = random(rnd, rows);
        double[] outD = new double[t.length];
        float[] outF = new float[t.length];
        VectorKernelsD.activateRows(act, t, bias, outD, rows, size, batch);
        VectorKernelsF.activateRows(act, toFloat(t), toFloat(bias), outF, rows, size, batch);
        for (int at = 0; at < t.length; at++) {
          int r = at / size % rows;
          double wantD = apply(act, t[at] + bias[r]);
          double wantF = apply(act, (float) t[at] + (float) bias[r]);
          String what = "activateRows act " + act + " size " + size + " rows " + rows + " [" + at + "]";
          assertEquals(wantD, outD[at], 1e-14 * Math.max(1e-3, Math.abs(wantD)), what + " double");
          assertEquals(wantF, outF[at], 1e-6 * Math.max(1e-3, Math.abs(wantF)), what + " float");
        }
      }
    }
  }

  /**
   * The gradient through gelu against {@code g * Ops.geluPrime(x)}, and geluPrime against central
   * differences of {@code Ops.gelu}. gelu' has a zero near x = -0.75, so the tolerance is relative
   * to the size of its terms ({@code |g| max(1, |x|)}): 1e-13 in double, 2e-6 in float.
   */
  @Test
  void geluBackwardMatchesOps() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int size : SIZES) {
      int batch = BATCHES[rnd.nextInt(BATCHES.length)];
      boolean withBias = rnd.nextBoolean();
      double[] t = random(rnd, batch * size);
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) (t[i] * Math.pow(10, rnd.nextDouble() * 2.5 - 1)); // |x| from 0 to 30
      }
      double[] g = random(rnd, batch * size);
      double[] bias = withBias ? random(rnd, size) : null;
      double[] outD = new double[t.length];
      float[] outF = new float[t.length];
      VectorKernelsD.geluBackward(g, t, bias, outD, size, batch);
      VectorKernelsF.geluBackward(toFloat(g), toFloat(t), bias == null ? null : toFloat(bias), outF, size, batch);
      for (int at = 0; at < t.length; at++) {
        int i = at % size;
        double xd = withBias ? t[at] + bias[i] : t[at];
        float xf = withBias ? (float) t[at] + (float) bias[i] : (float) t[at];
        double scale = Math.abs(g[at]) * Math.max(1, Math.abs(xd));
        String what = "size " + size + " [" + at + "] x " + xd;
        assertEquals(g[at] * Ops.geluPrime(xd), outD[at], 1e-13 * scale, what + " double");
        assertEquals((float) g[at] * Ops.geluPrime(xf), outF[at], 2e-6 * scale, what + " float");
      }
    }
    for (double x = -8; x <= 8; x += 0.37) {
      double h = 1e-6;
      double fd = (Ops.gelu(x + h) - Ops.gelu(x - h)) / (2 * h);
      assertEquals(fd, Ops.geluPrime(x), 1e-8, "gelu'(" + x + ")");
    }
  }

  private static double apply(int act, double x) {
    return switch (act) {
      case VectorKernelsD.TANH -> Math.tanh(x);
      case VectorKernelsD.SIGMOID -> Ops.sigmoid(x);
      case VectorKernelsD.RELU -> Ops.relu(x);
      case VectorKernelsD.GELU -> Ops.gelu(x);
      case VectorKernelsD.EXP -> Math.exp(x);
      default -> x;
    };
  }

  @Test
  void requireNamesTheModuleWhenTheJvmLacksIt() throws IOException, InterruptedException {
    assertTrue(Vectorized.available(), "the test JVM runs with --add-modules jdk.incubator.vector (root pom)");
    Vectorized.require("Fine");
    assertEquals("Digits was compiled with --kernels vector (the Vector API): run Java with --add-modules "
        + "jdk.incubator.vector, or compile the network without --kernels vector", run(false, null).get(0));
  }

  /** {@code netc.kernels} and the module, in fresh JVMs: which kernels, and what {@link Vectorized#check} says. */
  @Test
  void thePropertyForcesTheKernelsAndCheckExplainsWhatCannotBe() throws IOException, InterruptedException {
    assertEquals(List.of("scalar", "check: fine"), run(false, null).subList(1, 3));
    assertEquals(List.of("Digits was compiled with --kernels vector (the Vector API): run Java with --add-modules "
        + "jdk.incubator.vector, or compile the network without --kernels vector", "scalar", "check: fine"),
        run(false, "auto"));
    assertEquals("vector", run(true, null).get(1));
    assertEquals("check: fine", run(true, null).get(2));
    assertEquals(List.of("no exception", "scalar", "check: fine"), run(true, "scalar"));
    assertEquals(List.of("vector", "check: Digits: -Dnetc.kernels=vector asks for the Vector API kernels, but the JVM runs "
        + "without them: add --add-modules jdk.incubator.vector, or drop -Dnetc.kernels"), run(false, "vector").subList(1, 3));
    assertEquals("check: Digits: the system property netc.kernels is 'fast'; use auto, scalar or vector",
        run(true, "fast").get(2));
  }

  /** The lines {@link RequireMain} prints in a JVM with or without the module and with {@code -Dnetc.kernels=kernels}. */
  private static List<String> run(boolean module, String kernels) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new java.util.ArrayList<>(List.of(java.toString()));
    if (module) {
      cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    }
    if (kernels != null) {
      cmd.add("-Dnetc.kernels=" + kernels);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RequireMain.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    // the JVM's own note on incubator modules, when the module is added, is not ours
    return out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
  }

  /** Run in another JVM: what {@link Vectorized#require}, {@link Vectorized#kernels} and {@link Vectorized#check} say. */
  public static final class RequireMain {
    public static void main(String[] args) {
      try {
        Vectorized.require("Digits");
        System.out.println("no exception");
      } catch (IllegalStateException e) {
        System.out.println(e.getMessage());
      }
      System.out.println(Vectorized.kernels());
      try {
        Vectorized.check("Digits");
        System.out.println("check: fine");
      } catch (IllegalStateException e) {
        System.out.println("check: " + e.getMessage());
      }
    }
  }

  /** {@code want[e*m + r] = sum over c of w[r*k + c] * x[e*k + c]}, and in {@code mag} the sum of the terms' sizes. */
  private static void plainMatmulRows(double[] w, double[] x, double[] want, double[] mag, int m, int k, int batch) {
    for (int e = 0; e < batch; e++) {
      for (int r = 0; r < m; r++) {
        for (int c = 0; c < k; c++) {
          want[e * m + r] += w[r * k + c] * x[e * k + c];
          mag[e * m + r] += Math.abs(w[r * k + c] * x[e * k + c]);
        }
      }
    }
  }

  private static void check(String what, double[] want, double[] mag, double[] gotD, float[] gotF) {
    for (int i = 0; i < want.length; i++) {
      double tolD = 1e-14 * mag[i] + 1e-300;
      double tolF = 1e-6 * mag[i] + 1e-30;
      // written so that a NaN where a number is wanted fails (a NaN compares false)
      if (!(Math.abs(gotD[i] - want[i]) <= tolD) && !(Double.isNaN(want[i]) && Double.isNaN(gotD[i]))) {
        throw new AssertionError(what + " double [" + i + "]: " + gotD[i] + " want " + want[i]);
      }
      if (!(Math.abs(gotF[i] - want[i]) <= tolF) && !(Double.isNaN(want[i]) && Float.isNaN(gotF[i]))) {
        throw new AssertionError(what + " float [" + i + "]: " + gotF[i] + " want " + want[i]);
      }
    }
  }

  static double[] random(SplittableRandom rnd, int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rnd.nextDouble() * 2 - 1); // representable in float: both precisions see the same values
    }
    return a;
  }

  static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }
}
