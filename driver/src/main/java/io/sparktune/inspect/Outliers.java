package io.sparktune.inspect;

import io.sparktune.data.Record;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * Examples far from the rest: the root mean square of an example's per-feature z-scores (features that
 * are constant or missing are left out), so 1 is typical and a few times more is rare whatever the number
 * of features. An example above the threshold is counted; the farthest are listed with their most
 * extreme feature.
 */
public final class Outliers {
  private Outliers() {}

  /** An example's distance and its most extreme feature (index and z-score). */
  record Far(String origin, int label, double distance, int feature, double z) implements Serializable {}

  static final class ByDistance implements Comparator<Far>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Far a, Far b) {
      int c = Double.compare(b.distance(), a.distance());
      return c != 0 ? c : a.origin().compareTo(b.origin());
    }
  }

  /** The distance of {@code x} given per-feature means and standard deviations (0 std = left out). */
  static Far measure(Record r, double[] mean, double[] std) {
    double sum = 0;
    int used = 0;
    int worst = -1;
    double worstZ = 0;
    float[] x = r.features();
    for (int j = 0; j < x.length; j++) {
      if (Float.isNaN(x[j]) || !(std[j] > 0)) {
        continue;
      }
      double z = (x[j] - mean[j]) / std[j];
      sum += z * z;
      used++;
      if (Math.abs(z) > Math.abs(worstZ)) {
        worstZ = z;
        worst = j;
      }
    }
    return new Far(r.origin(), r.label(), used == 0 ? 0 : Math.sqrt(sum / used), worst, worstZ);
  }

  public static Map<String, Object> find(JavaRDD<Record> records, DataQuality stats, double threshold, int maxListed,
      List<String> classNames, List<String> featureNames) {
    int n = stats.features();
    double[] mean = new double[n];
    double[] std = new double[n];
    for (int j = 0; j < n; j++) {
      mean[j] = stats.mean(j);
      std[j] = stats.constant(j) ? 0 : stats.std(j);
    }
    JavaRDD<Far> far = records.map(r -> measure(r, mean, std));
    long above = far.filter(f -> f.distance() > threshold).count();
    List<Map<String, Object>> listed = new ArrayList<>();
    for (Far f : far.takeOrdered(maxListed, new ByDistance())) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("origin", f.origin());
      one.put("label", f.label() >= 0 && f.label() < classNames.size() ? classNames.get(f.label()) : null);
      one.put("distance", f.distance());
      one.put("most-extreme-feature", f.feature() < 0 ? null
          : f.feature() < featureNames.size() ? featureNames.get(f.feature()) : "feature " + (f.feature() + 1));
      one.put("z", f.z());
      listed.add(one);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("threshold", threshold);
    m.put("examples-above", above);
    m.put("share-above", stats.examples() == 0 ? 0 : above / (double) stats.examples());
    m.put("farthest", listed);
    return m;
  }
}
