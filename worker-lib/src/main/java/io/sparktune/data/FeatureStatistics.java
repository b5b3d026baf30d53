package io.sparktune.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-feature count, mean, variance, min and max, mergeable across partitions (Chan et al.'s parallel
 * variance update), so the statistics of a distributed data set come from one pass.
 */
public final class FeatureStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  private long count;
  private double[] mean;
  private double[] m2;
  private double[] min;
  private double[] max;

  public FeatureStatistics add(Record r) {
    float[] x = r.features();
    if (mean == null) {
      init(x.length);
    }
    count++;
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - mean[i];
      mean[i] += d / count;
      m2[i] += d * (x[i] - mean[i]);
      min[i] = Math.min(min[i], x[i]);
      max[i] = Math.max(max[i], x[i]);
    }
    return this;
  }

  public FeatureStatistics merge(FeatureStatistics o) {
    if (o.count == 0) {
      return this;
    }
    if (count == 0) {
      return o;
    }
    long n = count + o.count;
    for (int i = 0; i < mean.length; i++) {
      double d = o.mean[i] - mean[i];
      m2[i] += o.m2[i] + d * d * count * o.count / n;
      mean[i] += d * o.count / n;
      min[i] = Math.min(min[i], o.min[i]);
      max[i] = Math.max(max[i], o.max[i]);
    }
    count = n;
    return this;
  }

  private void init(int n) {
    mean = new double[n];
    m2 = new double[n];
    min = new double[n];
    max = new double[n];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
  }

  public long count() {
    return count;
  }

  public float[] mean() {
    return toFloat(mean);
  }

  /** Population standard deviation; constant features get 1 so they are not divided by zero. */
  public float[] std() {
    float[] s = new float[m2.length];
    for (int i = 0; i < s.length; i++) {
      double sd = Math.sqrt(m2[i] / count);
      s[i] = sd < 1e-12 ? 1f : (float) sd;
    }
    return s;
  }

  public float[] min() {
    return toFloat(min);
  }

  public float[] max() {
    return toFloat(max);
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
