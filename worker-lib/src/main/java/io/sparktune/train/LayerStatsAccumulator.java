package io.sparktune.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.util.AccumulatorV2;

/**
 * Per-layer gradient-flow statistics summed over the sampled training iterations of every executor:
 * for each layer {gradient L2 norm, update L2 norm, parameter L2 norm, update/parameter ratio, samples,
 * non-finite samples}. Means are sums / samples; the driver reads them after each epoch.
 */
public final class LayerStatsAccumulator extends AccumulatorV2<Map<String, double[]>, Map<String, double[]>> {
  private static final long serialVersionUID = 1L;
  public static final int GRADIENT = 0;
  public static final int UPDATE = 1;
  public static final int PARAMETER = 2;
  public static final int RATIO = 3;
  public static final int SAMPLES = 4;
  public static final int NON_FINITE = 5;
  static final int WIDTH = 6;

  private final Map<String, double[]> sums = new LinkedHashMap<>();

  @Override
  public boolean isZero() {
    synchronized (sums) {
      return sums.isEmpty();
    }
  }

  @Override
  public LayerStatsAccumulator copy() {
    LayerStatsAccumulator c = new LayerStatsAccumulator();
    c.merge(this);
    return c;
  }

  @Override
  public void reset() {
    synchronized (sums) {
      sums.clear();
    }
  }

  /** Adds one sample: a map of layer name to {gradient, update, parameter, ratio, 1, nonFinite}. */
  @Override
  public void add(Map<String, double[]> sample) {
    synchronized (sums) {
      for (Map.Entry<String, double[]> e : sample.entrySet()) {
        double[] s = sums.computeIfAbsent(e.getKey(), k -> new double[WIDTH]);
        for (int i = 0; i < WIDTH; i++) {
          s[i] += e.getValue()[i];
        }
      }
    }
  }

  @Override
  public void merge(AccumulatorV2<Map<String, double[]>, Map<String, double[]>> other) {
    add(other.value());
  }

  /** A copy of the sums, in the order layers were first seen. */
  @Override
  public Map<String, double[]> value() {
    synchronized (sums) {
      Map<String, double[]> copy = new LinkedHashMap<>();
      sums.forEach((k, v) -> copy.put(k, v.clone()));
      return copy;
    }
  }
}
