package io.sparktune.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One configuration of a sweep and what became of it. Guarded by the {@link SweepState} that holds it.
 *
 * <p>Status: running (training now, or interrupted by a killed sweep), paused (stopped at an ASHA rung,
 * may be promoted and resumed from its checkpoint), completed (trained its full epochs), stopped (ended
 * early by the early-stopping rule), failed (an exception or a diverged loss; recorded, the sweep goes on).
 */
public final class Trial {
  public enum Status { RUNNING, PAUSED, COMPLETED, STOPPED, FAILED }

  final int id;
  final Map<String, Object> values;
  Status status = Status.RUNNING;
  /** Validation metric after each epoch trained so far. */
  final List<Double> history = new ArrayList<>();
  String error = "";
  double seconds;
  int runs;
  /** Epochs the trial's current (or last) run trains up to. */
  int target;
  /** Where the trial's latest run wrote its model and metrics. */
  String output = "";

  Trial(int id, Map<String, Object> values) {
    this.id = id;
    this.values = new LinkedHashMap<>(values);
  }

  public int id() {
    return id;
  }

  public String name() {
    return String.format("trial-%03d", id);
  }

  public Map<String, Object> values() {
    return values;
  }

  public Status status() {
    return status;
  }

  public int epochs() {
    return history.size();
  }

  /** The metric after the given epoch (1-based), NaN when not reached. */
  public double metricAt(int epoch) {
    return epoch >= 1 && epoch <= history.size() ? history.get(epoch - 1) : Double.NaN;
  }

  /** The best metric over the epochs trained so far (up to {@code epoch}), NaN for none. */
  public double bestUpTo(int epoch) {
    double best = Double.NaN;
    for (int e = 1; e <= Math.min(epoch, history.size()); e++) {
      double m = history.get(e - 1);
      if (Double.isFinite(m) && !(m <= best)) {
        best = m;
      }
    }
    return best;
  }

  /** The score the search algorithm and the results rank by: the best metric seen; NaN when failed. */
  public double score() {
    return status == Status.FAILED ? Double.NaN : bestUpTo(history.size());
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name());
    m.put("values", values);
    m.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
    m.put("epochs", history.size());
    m.put("history", history.stream().map(h -> Double.isFinite(h) ? h : null).toList());
    m.put("score", Double.isFinite(score()) ? score() : null);
    m.put("seconds", seconds);
    m.put("runs", runs);
    m.put("target-epochs", target);
    m.put("output", output);
    m.put("error", error);
    return m;
  }

  @SuppressWarnings("unchecked")
  static Trial fromMap(Map<String, Object> m) {
    Trial t = new Trial(((Number) m.get("id")).intValue(), (Map<String, Object>) m.get("values"));
    t.status = Status.valueOf(((String) m.get("status")).toUpperCase(java.util.Locale.ROOT));
    for (Object h : (List<Object>) m.get("history")) {
      t.history.add(h instanceof Number n ? n.doubleValue() : Double.NaN);
    }
    t.seconds = ((Number) m.getOrDefault("seconds", 0)).doubleValue();
    t.runs = ((Number) m.getOrDefault("runs", 0)).intValue();
    t.error = (String) m.getOrDefault("error", "");
    t.target = ((Number) m.getOrDefault("target-epochs", 0)).intValue();
    t.output = (String) m.getOrDefault("output", "");
    return t;
  }
}
