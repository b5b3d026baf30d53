package io.sparktune.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a candidate model is worse than a reference (the production model, or a baseline) on
 * the same data, from the two metrics maps {@link MetricsReport} writes, so stored metrics.json files can
 * be compared later too. A gated metric that moves the wrong way by more than its limit, overall or for
 * one class with enough support, is a degradation; scheduled retraining refuses to promote on one.
 */
public final class DegradationCheck {
  /** Overall metrics for which lower is better: a rise is the drop. */
  private static final Set<String> LOWER_IS_BETTER = Set.of("log-loss", "expected-calibration-error");
  public static final List<String> OVERALL_METRICS = List.of("accuracy", "macro-precision", "macro-recall",
      "macro-f1", "weighted-f1", "roc-auc-macro", "pr-auc-macro", "log-loss", "expected-calibration-error");
  public static final List<String> PER_CLASS_METRICS = List.of("precision", "recall", "f1", "roc-auc", "pr-auc");

  /**
   * What is gated and how much worse is tolerated, in the metric's own units (0.005 = 0.5 pp).
   *
   * @param metrics overall metrics gated
   * @param maxDrop largest tolerated worsening of each overall metric
   * @param perClassMetric per-class metric gated, "" for none
   * @param perClassMaxDrop largest tolerated drop of the per-class metric
   * @param perClassMinSupport classes with fewer reference examples are not gated (too noisy)
   */
  public record Gate(List<String> metrics, double maxDrop, String perClassMetric, double perClassMaxDrop,
      long perClassMinSupport) implements Serializable {}

  /** One gated comparison; {@code change} is candidate - reference, {@code worsening} is signed so > 0 is worse. */
  public record Finding(String scope, String metric, double reference, double candidate, double change,
      double worsening, double limit, boolean degraded) {}

  public record Result(boolean degraded, List<Finding> findings) {
    public List<Finding> degradations() {
      return findings.stream().filter(Finding::degraded).toList();
    }

    /** One sentence per degradation, or a sentence saying there is none. */
    public String explain() {
      if (!degraded) {
        return "No gated metric degraded (" + findings.size() + " checks).";
      }
      StringBuilder sb = new StringBuilder();
      for (Finding f : degradations()) {
        sb.append(sb.isEmpty() ? "" : " ").append(String.format(
            "%s %s worsened from %.4f to %.4f (by %.4f, limit %.4f).", f.scope(), f.metric(), f.reference(),
            f.candidate(), f.worsening(), f.limit()));
      }
      return sb.toString();
    }
  }

  private DegradationCheck() {}

  public static Result check(Map<String, Object> reference, Map<String, Object> candidate, Gate gate) {
    List<Finding> findings = new ArrayList<>();
    for (String metric : gate.metrics()) {
      findings.add(finding("overall", metric, number(reference, metric), number(candidate, metric),
          !LOWER_IS_BETTER.contains(metric), gate.maxDrop()));
    }
    if (!gate.perClassMetric().isBlank()) {
      List<Map<String, Object>> refClasses = perClass(reference);
      List<Map<String, Object>> candClasses = perClass(candidate);
      for (Map<String, Object> ref : refClasses) {
        Object name = ref.get("class");
        Map<String, Object> cand = candClasses.stream().filter(c -> name.equals(c.get("class"))).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("The candidate's metrics have no class '" + name + "'."));
        if (number(ref, "support") >= gate.perClassMinSupport()) {
          findings.add(finding("class '" + name + "'", gate.perClassMetric(), number(ref, gate.perClassMetric()),
              number(cand, gate.perClassMetric()), true, gate.perClassMaxDrop()));
        }
      }
    }
    return new Result(findings.stream().anyMatch(Finding::degraded), List.copyOf(findings));
  }

  private static Finding finding(String scope, String metric, double ref, double cand, boolean higherIsBetter,
      double limit) {
    double change = cand - ref;
    double worsening = higherIsBetter ? -change : change;
    // NaN (e.g. an AUC undefined for the candidate) counts as worse: refusing is the safe answer
    boolean degraded = Double.isNaN(cand) && !Double.isNaN(ref) || worsening > limit;
    return new Finding(scope, metric, ref, cand, change, worsening, limit, degraded);
  }

  private static double number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v instanceof String text && List.of("NaN", "Infinity", "-Infinity").contains(text)) {
      return Double.parseDouble(text); // how Jackson writes non-finite numbers
    }
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("The metrics have no number '" + key + "'; gate one of "
          + OVERALL_METRICS + " (overall) or " + PER_CLASS_METRICS + " (per class).");
    }
    return n.doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> perClass(Map<String, Object> m) {
    Object v = m.get("per-class");
    return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
  }
}
