package io.sparktune.inspect;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Whether more data would still help, read off a learning curve's last step. */
public final class LearningCurve {
  private LearningCurve() {}

  /**
   * The gain of the metric per doubling of the data over the curve's last step ("gain-per-doubling"), and
   * the verdict ("more-data-helps", "reason"): more data helps when that gain is at least {@code minGain}.
   *
   * @param points ordered by share, each with "share" and the metric
   */
  public static Map<String, Object> verdict(List<Map<String, Object>> points, String metric, double minGain) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (points.size() < 2) {
      m.put("more-data-helps", null);
      m.put("reason", "one point is not a curve; give inspect.learning-curve.fractions at least two shares");
      return m;
    }
    Map<String, Object> a = points.get(points.size() - 2);
    Map<String, Object> b = points.get(points.size() - 1);
    double doublings = Math.log(num(b, "share") / num(a, "share")) / Math.log(2);
    double gain = (num(b, metric) - num(a, metric)) / doublings;
    boolean helps = gain >= minGain;
    m.put("gain-per-doubling", gain);
    m.put("more-data-helps", helps);
    m.put("reason", String.format("going from %.0f%% to %.0f%% of the training data changed validation %s by %+.2f "
        + "pp per doubling, %s the %.2f pp that counts (inspect.learning-curve.min-gain): %s", 100 * num(a, "share"),
        100 * num(b, "share"), metric, 100 * gain, helps ? "at least" : "below", 100 * minGain, helps
            ? "more data of this kind would likely still help"
            : "the curve has levelled off; more of the same data is unlikely to help much (try better labels, "
            + "other features or a larger model)"));
    return m;
  }

  private static double num(Map<String, Object> p, String key) {
    Object v = p.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
