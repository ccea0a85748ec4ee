package dev.netc.spark;

import dev.netc.runtime.Dataset;
import dev.netc.runtime.TensorInfo;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * The examples one partition holds: their global indices (0..n-1 over the whole data set, which
 * fix the batch order) and their values, example-major per input and per target as in a
 * {@link Dataset}. A cached block is reused across tasks on its executor, so it also keeps the
 * current epoch's local order.
 */
public final class Block implements Serializable {
  private static final long serialVersionUID = 1L;

  final long[] index;
  final double[][] inputData;
  final double[][] targetData;
  private transient Dataset dataset;
  private transient int epoch = -1;
  private transient int[] byRank; // local positions sorted by their rank in the epoch's order
  private transient int[] ranks;  // the ranks, ascending

  Block(long[] index, double[][] inputData, double[][] targetData) {
    this.index = index;
    this.inputData = inputData;
    this.targetData = targetData;
  }

  public int size() {
    return index.length;
  }

  synchronized Dataset dataset(List<TensorInfo> inputs, List<TensorInfo> targets) {
    if (dataset == null) {
      dataset = new Dataset(inputs, targets, index.length, inputData, targetData);
    }
    return dataset;
  }

  /** Local positions whose rank in {@code epoch}'s order lies in [lo, hi), in rank order. */
  synchronized int[] select(int epoch, int[] rankOfGlobal, int lo, int hi) {
    if (this.epoch != epoch) {
      int n = index.length;
      long[] packed = new long[n];
      for (int j = 0; j < n; j++) {
        packed[j] = ((long) rankOfGlobal[(int) index[j]] << 32) | j;
      }
      Arrays.sort(packed);
      byRank = new int[n];
      ranks = new int[n];
      for (int j = 0; j < n; j++) {
        byRank[j] = (int) packed[j];
        ranks[j] = (int) (packed[j] >>> 32);
      }
      this.epoch = epoch;
    }
    int from = lowerBound(ranks, lo);
    int to = lowerBound(ranks, hi);
    return Arrays.copyOfRange(byRank, from, to);
  }

  private static int lowerBound(int[] a, int key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
