package dev.netc.runtime;

import java.util.List;

/** Reusable batch buffers for evaluating one model; allocation-free once constructed. */
final class Evaluator {
  private final Model model;
  private final int batchSize;
  private final BatchBuffers full;
  private BatchBuffers partial;
  private final int[] classifier;

  Evaluator(Model model, List<TensorInfo> inputs, List<TensorInfo> targets, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive: " + batchSize);
    }
    this.model = model;
    this.batchSize = batchSize;
    this.full = new BatchBuffers(model, batchSize);
    this.classifier = Evaluation.classifier(model);
  }

  private BatchBuffers buffers(int count) {
    if (count == batchSize) {
      return full;
    }
    if (partial == null || partial.batch != count) {
      partial = new BatchBuffers(model, count);
    }
    return partial;
  }

  double meanLoss(Dataset data) {
    data.checkCompatible(model);
    int n = data.size();
    if (n == 0) {
      return Double.NaN;
    }
    int[] idx = identity(n);
    double sum = 0;
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      BatchBuffers b = buffers(count);
      data.gatherBatch(idx, from, count, b.inputs, b.targets);
      sum += model.lossBatch(count, b.inputs, b.targets) * count;
    }
    return sum / n;
  }

  double accuracy(Dataset data) {
    data.checkCompatible(model);
    int n = data.size();
    if (classifier == null || n == 0) {
      return Double.NaN;
    }
    int t = classifier[0];
    int o = classifier[1];
    int k = model.outputs().get(o).size();
    int[] idx = identity(n);
    int correct = 0;
    for (int from = 0; from < n; from += batchSize) {
      int count = Math.min(batchSize, n - from);
      BatchBuffers b = buffers(count);
      data.gatherBatch(idx, from, count, b.inputs, b.targets);
      model.predictBatch(count, b.inputs, b.outputs);
      for (int e = 0; e < count; e++) {
        if (Evaluation.argmax(b.outputs[o], e * k, k) == Evaluation.argmax(b.targets[t], e * k, k)) {
          correct++;
        }
      }
    }
    return (double) correct / n;
  }

  private int[] cachedIdentity = new int[0];

  /** {@code 0, 1, ..., n-1} (a prefix of a cached array; allocates only to grow it). */
  private int[] identity(int n) {
    if (cachedIdentity.length < n) {
      cachedIdentity = Dataset.identity(n);
    }
    return cachedIdentity;
  }

  /** Exactly sized example-major buffers for a batch of {@code batch} examples. */
  static final class BatchBuffers {
    final int batch;
    final double[][] inputs;
    final double[][] targets;
    final double[][] outputs;

    BatchBuffers(Model model, int batch) {
      this.batch = batch;
      inputs = alloc(model.inputs(), batch);
      targets = alloc(model.targets(), batch);
      outputs = alloc(model.outputs(), batch);
    }

    private static double[][] alloc(List<TensorInfo> infos, int batch) {
      double[][] a = new double[infos.size()][];
      for (int i = 0; i < a.length; i++) {
        a[i] = new double[batch * infos.get(i).size()];
      }
      return a;
    }
  }
}
