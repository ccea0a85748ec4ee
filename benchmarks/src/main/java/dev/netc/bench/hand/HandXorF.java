package dev.netc.bench.hand;

/**
 * XOR 2-4-1 (sigmoid, sigmoid, mse) written by hand in float (float accumulators, transcendental functions in double rounded to float): sizes are constants so the
 * loops unroll, buffers are preallocated, the gradient is the mean over the batch with the
 * formulas of netc ({@code mse(a, y) = 1/2 (a - y)^2}). Params as netc lays them out.
 */
public final class HandXorF {
  static final int IN = 2;
  static final int HID = 4;

  public final float[] W1 = new float[HID * IN];
  public final float[] b1 = new float[HID];
  public final float[] W2 = new float[HID];
  public final float[] b2 = new float[1];
  public final float[] gW1 = new float[HID * IN];
  public final float[] gb1 = new float[HID];
  public final float[] gW2 = new float[HID];
  public final float[] gb2 = new float[1];

  private final int maxBatch;
  private final float[] h;
  private final float[] out;
  private final HandAdam.F adam;

  public HandXorF(int maxBatch) {
    this.maxBatch = maxBatch;
    h = new float[maxBatch * HID];
    out = new float[maxBatch];
    adam = new HandAdam.F(new float[][] {W1, b1, W2, b2}, new float[][] {gW1, gb1, gW2, gb2}, 1e-3);
  }

  private static float sigmoid(float z) {
    return (float) (1 / (1 + Math.exp(-z)));
  }

  private void forward(int batch, float[] x) {
    if (batch < 1 || batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch);
    }
    for (int ex = 0; ex < batch; ex++) {
      float x0 = x[ex * IN];
      float x1 = x[ex * IN + 1];
      float z2 = b2[0];
      for (int r = 0; r < HID; r++) {
        float hr = sigmoid(b1[r] + W1[r * IN] * x0 + W1[r * IN + 1] * x1);
        h[ex * HID + r] = hr;
        z2 += W2[r] * hr;
      }
      out[ex] = sigmoid(z2);
    }
  }

  public double loss(int batch, float[] x, float[] y) {
    forward(batch, x);
    double total = 0;
    for (int ex = 0; ex < batch; ex++) {
      float diff = out[ex] - y[ex];
      total += 0.5f * diff * diff;
    }
    return total / batch;
  }

  public double lossAndGradient(int batch, float[] x, float[] y) {
    forward(batch, x);
    float inv = 1.0f / batch;
    double total = 0;
    float g00 = 0, g01 = 0, g10 = 0, g11 = 0, g20 = 0, g21 = 0, g30 = 0, g31 = 0;
    float gb10 = 0, gb11 = 0, gb12 = 0, gb13 = 0;
    float gw20 = 0, gw21 = 0, gw22 = 0, gw23 = 0, gbo = 0;
    for (int ex = 0; ex < batch; ex++) {
      float a = out[ex];
      float diff = a - y[ex];
      total += 0.5f * diff * diff;
      float dz = diff * a * (1 - a) * inv;
      int o = ex * HID;
      float h0 = h[o], h1 = h[o + 1], h2 = h[o + 2], h3 = h[o + 3];
      gbo += dz;
      gw20 += dz * h0;
      gw21 += dz * h1;
      gw22 += dz * h2;
      gw23 += dz * h3;
      float d0 = dz * W2[0] * h0 * (1 - h0);
      float d1 = dz * W2[1] * h1 * (1 - h1);
      float d2 = dz * W2[2] * h2 * (1 - h2);
      float d3 = dz * W2[3] * h3 * (1 - h3);
      float x0 = x[ex * IN];
      float x1 = x[ex * IN + 1];
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

  public double trainStep(int batch, float[] x, float[] y) {
    double loss = lossAndGradient(batch, x, y);
    adam.step();
    return loss;
  }
}
