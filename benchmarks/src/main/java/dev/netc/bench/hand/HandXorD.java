package dev.netc.bench.hand;

/**
 * XOR 2-4-1 (sigmoid, sigmoid, mse) written by hand in double: sizes are constants so the
 * loops unroll, buffers are preallocated, the gradient is the mean over the batch with the
 * formulas of netc ({@code mse(a, y) = 1/2 (a - y)^2}). Params as netc lays them out.
 */
public final class HandXorD {
  static final int IN = 2;
  static final int HID = 4;

  public final double[] W1 = new double[HID * IN];
  public final double[] b1 = new double[HID];
  public final double[] W2 = new double[HID];
  public final double[] b2 = new double[1];
  public final double[] gW1 = new double[HID * IN];
  public final double[] gb1 = new double[HID];
  public final double[] gW2 = new double[HID];
  public final double[] gb2 = new double[1];

  private final int maxBatch;
  private final double[] h;
  private final double[] out;
  private final HandAdam.D adam;

  public HandXorD(int maxBatch) {
    this.maxBatch = maxBatch;
    h = new double[maxBatch * HID];
    out = new double[maxBatch];
    adam = new HandAdam.D(new double[][] {W1, b1, W2, b2}, new double[][] {gW1, gb1, gW2, gb2}, 1e-3);
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  private void forward(int batch, double[] x) {
    if (batch < 1 || batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch);
    }
    for (int ex = 0; ex < batch; ex++) {
      double x0 = x[ex * IN];
      double x1 = x[ex * IN + 1];
      double z2 = b2[0];
      for (int r = 0; r < HID; r++) {
        double hr = sigmoid(b1[r] + W1[r * IN] * x0 + W1[r * IN + 1] * x1);
        h[ex * HID + r] = hr;
        z2 += W2[r] * hr;
      }
      out[ex] = sigmoid(z2);
    }
  }

  public double loss(int batch, double[] x, double[] y) {
    forward(batch, x);
    double total = 0;
    for (int ex = 0; ex < batch; ex++) {
      double diff = out[ex] - y[ex];
      total += 0.5 * diff * diff;
    }
    return total / batch;
  }

  public double lossAndGradient(int batch, double[] x, double[] y) {
    forward(batch, x);
    double inv = 1.0 / batch;
    double total = 0;
    double g00 = 0, g01 = 0, g10 = 0, g11 = 0, g20 = 0, g21 = 0, g30 = 0, g31 = 0;
    double gb10 = 0, gb11 = 0, gb12 = 0, gb13 = 0;
    double gw20 = 0, gw21 = 0, gw22 = 0, gw23 = 0, gbo = 0;
    for (int ex = 0; ex < batch; ex++) {
      double a = out[ex];
      double diff = a - y[ex];
      total += 0.5 * diff * diff;
      double dz = diff * a * (1 - a) * inv;
      int o = ex * HID;
      double h0 = h[o], h1 = h[o + 1], h2 = h[o + 2], h3 = h[o + 3];
      gbo += dz;
      gw20 += dz * h0;
      gw21 += dz * h1;
      gw22 += dz * h2;
      gw23 += dz * h3;
      double d0 = dz * W2[0] * h0 * (1 - h0);
      double d1 = dz * W2[1] * h1 * (1 - h1);
      double d2 = dz * W2[2] * h2 * (1 - h2);
      double d3 = dz * W2[3] * h3 * (1 - h3);
      double x0 = x[ex * IN];
      double x1 = x[ex * IN + 1];
      gb10 += d0;
      gb11 += d1;
      gb12 += d2;
      gb13 += d3;
      g00 += d0 * x0;
      g01 += d0 * x1;
      g10 += d1 * x0;
      g11 += d1 * x1;
      g20 += d2 * x0;
      g21 += d2 * x1;
      g30 += d3 * x0;
      g31 += d3 * x1;
    }
    gW1[0] = g00;
    gW1[1] = g01;
    gW1[2] = g10;
    gW1[3] = g11;
    gW1[4] = g20;
    gW1[5] = g21;
    gW1[6] = g30;
    gW1[7] = g31;
    gb1[0] = gb10;
    gb1[1] = gb11;
    gb1[2] = gb12;
    gb1[3] = gb13;
    gW2[0] = gw20;
    gW2[1] = gw21;
    gW2[2] = gw22;
    gW2[3] = gw23;
    gb2[0] = gbo;
    return total / batch;
  }

  public double trainStep(int batch, double[] x, double[] y) {
    double loss = lossAndGradient(batch, x, y);
    adam.step();
    return loss;
  }
}
