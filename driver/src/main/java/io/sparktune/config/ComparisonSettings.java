package io.sparktune.config;

import com.typesafe.config.Config;
import io.sparktune.eval.DegradationCheck;
import java.util.List;

/**
 * {@code sparktune.comparison}: how two models are compared on the same data, and when the second
 * counts as a degradation of the first.
 *
 * @param bootstrapReplicates replicates of the paired Poisson bootstrap
 * @param confidence confidence level of the bootstrap intervals
 * @param alpha significance level of McNemar's test
 * @param gate what a degradation is
 */
public record ComparisonSettings(int bootstrapReplicates, double confidence, double alpha,
    DegradationCheck.Gate gate) {
  static ComparisonSettings fromConfig(Config c, ConfigProblems p) {
    String base = ConfigLoader.ROOT + ".comparison.";
    String d = base + "degradation.";
    List<String> metrics = p.stringList(d + "metrics");
    for (String m : metrics) {
      if (!DegradationCheck.OVERALL_METRICS.contains(m)) {
        p.add(d + "metrics", "contains '" + m + "'; allowed: " + String.join(", ", DegradationCheck.OVERALL_METRICS)
            + ".");
      }
    }
    String perClass = p.string(d + "per-class-metric");
    if (!perClass.isEmpty() && !DegradationCheck.PER_CLASS_METRICS.contains(perClass)) {
      p.add(d + "per-class-metric", "must be \"\" or one of " + String.join(", ", DegradationCheck.PER_CLASS_METRICS)
          + ".");
    }
    DegradationCheck.Gate gate = new DegradationCheck.Gate(metrics, p.doubleIn(d + "max-drop", 0, 1, false), perClass,
        p.doubleIn(d + "per-class-max-drop", 0, 1, false), p.longIn(d + "per-class-min-support", 0, Long.MAX_VALUE));
    return new ComparisonSettings(p.intIn(base + "bootstrap-replicates", 100, 100_000),
        p.doubleIn(base + "confidence", 0.5, 0.999, false), p.doubleIn(base + "alpha", 0.0001, 0.5, false), gate);
  }
}
