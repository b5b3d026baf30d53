package io.sparktune.job;

import java.util.List;
import java.util.Map;

/** The console summary of sparktune inspect: one line per finding. */
final class InspectSummary {
  private InspectSummary() {}

  @SuppressWarnings("unchecked")
  static void print(Map<String, Object> report, String output) {
    Map<String, Object> q = (Map<String, Object>) report.get("quality");
    Map<String, Object> dup = (Map<String, Object>) report.get("duplicates");
    Map<String, Object> out = (Map<String, Object>) report.get("outliers");
    Map<String, Object> le = (Map<String, Object>) report.get("label-errors");
    Map<String, Object> lc = (Map<String, Object>) report.get("learning-curve");
    StringBuilder sb = new StringBuilder(String.format("%n==== sparktune inspect: %s ====%n", report.get("data")));
    sb.append(String.format("examples        %s, %s features, %s classes (largest/smallest %s)%n", q.get("examples"),
        q.get("features"), ((Map<String, Object>) q.get("classes")).size(), fmt(q.get("imbalance-ratio"))));
    sb.append(String.format("features        %d constant, %d with missing values (%s examples), %d out of range "
        + "(%s examples)%n", ((List<?>) q.get("constant-features")).size(),
        ((List<?>) q.get("features-with-missing-values")).size(), q.get("examples-with-missing-values"),
        ((List<?>) q.get("features-out-of-range")).size(), q.get("examples-out-of-range")));
    sb.append(String.format("duplicates      %s redundant copies in %s groups, %s with conflicting labels; leakage: "
        + "%s of %s validation examples also in training%n", dup.get("redundant-copies"), dup.get("groups"),
        dup.get("groups-with-conflicting-labels"), dup.get("validation-examples-seen-in-training"),
        dup.get("validation-examples")));
    sb.append(out.containsKey("skipped") ? "outliers        skipped: " + out.get("skipped") + "\n"
        : String.format("outliers        %s examples beyond distance %s%n", out.get("examples-above"),
            out.get("threshold")));
    sb.append(le.containsKey("skipped") ? "label errors    skipped: " + le.get("skipped") + "\n"
        : String.format("label errors    %s likely (estimated noise rate %s), confident learning over %s folds%n",
            le.get("likely-label-errors"), fmt(le.get("estimated-noise-rate")), le.get("folds")));
    if (lc.containsKey("skipped")) {
      sb.append("learning curve  skipped: ").append(lc.get("skipped")).append('\n');
    } else {
      sb.append("learning curve ");
      for (Map<String, Object> p : (List<Map<String, Object>>) lc.get("points")) {
        sb.append(String.format(" %.0f%%: %s", 100 * ((Number) p.get("share")).doubleValue(),
            fmt(p.getOrDefault("accuracy", p.get("r2")))));
      }
      sb.append('\n').append("                ").append(lc.get("reason")).append('\n');
    }
    sb.append("output: ").append(output).append('\n');
    System.out.print(sb);
  }

  private static String fmt(Object v) {
    return v instanceof Number n ? String.format("%.4f", n.doubleValue()) : "-";
  }
}
