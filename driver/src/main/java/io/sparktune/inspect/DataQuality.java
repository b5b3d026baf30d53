package io.sparktune.inspect;

import io.sparktune.data.Record;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts and per-feature statistics of a data set in one distributed pass, exactly mergeable: examples,
 * examples per class, and for every feature the missing (NaN) values, values outside the valid range,
 * minimum, maximum, mean and standard deviation.
 */
public final class DataQuality implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int classes;
  private final double low;
  private final double high;
  private long examples;
  private long examplesWithMissing;
  private long examplesOutOfRange;
  private final long[] perClass;
  private int features = -1;
  private long[] missing;
  private long[] outOfRange;
  private long[] finite;
  private double[] min;
  private double[] max;
  private double[] sum;
  private double[] sumSquares;

  /** @param low,high the valid feature range; NaN for none */
  public DataQuality(int classes, double low, double high) {
    this.classes = classes;
    this.low = low;
    this.high = high;
    this.perClass = new long[classes];
  }

  public DataQuality add(Record r) {
    float[] x = r.features();
    if (features < 0) {
      allocate(x.length);
    }
    if (x.length != features) {
      throw new io.sparktune.BadInputException("The example at " + r.origin() + " has " + x.length
          + " features where the others have " + features + ".");
    }
    examples++;
    if (r.label() >= 0 && r.label() < classes) {
      perClass[r.label()]++;
    }
    boolean anyMissing = false;
    boolean anyOut = false;
    for (int j = 0; j < x.length; j++) {
      double v = x[j];
      if (Double.isNaN(v)) {
        missing[j]++;
        anyMissing = true;
        continue;
      }
      finite[j]++;
      min[j] = Math.min(min[j], v);
      max[j] = Math.max(max[j], v);
      sum[j] += v;
      sumSquares[j] += v * v;
      if (v < low || v > high) {
        outOfRange[j]++;
        anyOut = true;
      }
    }
    examplesWithMissing += anyMissing ? 1 : 0;
    examplesOutOfRange += anyOut ? 1 : 0;
    return this;
  }

  private void allocate(int n) {
    features = n;
    missing = new long[n];
    outOfRange = new long[n];
    finite = new long[n];
    min = new double[n];
    max = new double[n];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    sum = new double[n];
    sumSquares = new double[n];
  }

  public DataQuality merge(DataQuality o) {
    if (o.features < 0) {
      return this;
    }
    if (features < 0) {
      allocate(o.features);
    }
    if (o.features != features) {
      throw new io.sparktune.BadInputException("The data's examples have " + features + " and " + o.features
          + " features; every example must have the same number.");
    }
    examples += o.examples;
    examplesWithMissing += o.examplesWithMissing;
    examplesOutOfRange += o.examplesOutOfRange;
    for (int c = 0; c < classes; c++) {
      perClass[c] += o.perClass[c];
    }
    for (int j = 0; j < features; j++) {
      missing[j] += o.missing[j];
      outOfRange[j] += o.outOfRange[j];
      finite[j] += o.finite[j];
      min[j] = Math.min(min[j], o.min[j]);
      max[j] = Math.max(max[j], o.max[j]);
      sum[j] += o.sum[j];
      sumSquares[j] += o.sumSquares[j];
    }
    return this;
  }

  public long examples() {
    return examples;
  }

  public long examplesWithMissing() {
    return examplesWithMissing;
  }

  public int features() {
    return Math.max(0, features);
  }

  public double mean(int j) {
    return finite[j] == 0 ? Double.NaN : sum[j] / finite[j];
  }

  /** Population standard deviation of feature {@code j}'s finite values. */
  public double std(int j) {
    if (finite[j] == 0) {
      return Double.NaN;
    }
    double m = mean(j);
    return Math.sqrt(Math.max(0, sumSquares[j] / finite[j] - m * m));
  }

  /** A feature whose every present value is the same (it cannot tell examples apart). */
  public boolean constant(int j) {
    return finite[j] > 0 && min[j] == max[j];
  }

  /**
   * The report: counts, class balance (counts, shares, largest/smallest ratio, empty classes) and features
   * (problems listed by name, every feature's statistics).
   */
  public Map<String, Object> toMap(List<String> classNames, List<String> featureNames) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("examples", examples);
    m.put("features", features());
    Map<String, Object> balance = new LinkedHashMap<>();
    long largest = 0;
    long smallest = Long.MAX_VALUE;
    List<String> empty = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("examples", perClass[c]);
      one.put("share", examples == 0 ? 0 : perClass[c] / (double) examples);
      balance.put(classNames.get(c), one);
      largest = Math.max(largest, perClass[c]);
      smallest = Math.min(smallest, perClass[c]);
      if (perClass[c] == 0) {
        empty.add(classNames.get(c));
      }
    }
    m.put("classes", balance);
    m.put("imbalance-ratio", classes == 0 || smallest == 0 ? null : largest / (double) smallest);
    m.put("empty-classes", empty);
    m.put("examples-with-missing-values", examplesWithMissing);
    m.put("examples-out-of-range", examplesOutOfRange);
    m.put("valid-range", Double.isNaN(low) ? null : List.of(low, high));
    List<String> constant = new ArrayList<>();
    List<Map<String, Object>> withMissing = new ArrayList<>();
    List<Map<String, Object>> withOutOfRange = new ArrayList<>();
    List<Map<String, Object>> all = new ArrayList<>();
    for (int j = 0; j < features(); j++) {
      String name = j < featureNames.size() ? featureNames.get(j) : "feature " + (j + 1);
      if (constant(j)) {
        constant.add(name);
      }
      if (missing[j] > 0) {
        withMissing.add(Map.of("feature", name, "missing", missing[j]));
      }
      if (outOfRange[j] > 0) {
        withOutOfRange.add(Map.of("feature", name, "out-of-range", outOfRange[j]));
      }
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("feature", name);
      f.put("missing", missing[j]);
      f.put("min", finite[j] == 0 ? null : min[j]);
      f.put("max", finite[j] == 0 ? null : max[j]);
      f.put("mean", finite[j] == 0 ? null : mean(j));
      f.put("std", finite[j] == 0 ? null : std(j));
      all.add(f);
    }
    m.put("constant-features", constant);
    m.put("features-with-missing-values", withMissing);
    m.put("features-out-of-range", withOutOfRange);
    m.put("per-feature", all);
    return m;
  }
}
