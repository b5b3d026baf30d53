package io.sparktune.retrain;

import io.sparktune.config.RetrainSettings;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one retrain decided and why, as written to retrain.json and the registry's retrain journal.
 * Decisions: promoted, kept-production (the candidate degraded), no-new-data, too-little-data,
 * refused-drift (the new data drifted beyond a limit; nothing trained), lock-lost.
 */
final class Decision {
  private Decision() {}

  static final class Builder {
    private final Map<String, Object> m = new LinkedHashMap<>();

    Builder(String model, int productionVersion, Instant start, RetrainSettings r) {
      m.put("model", model);
      m.put("production-before", productionVersion);
      m.put("started-at", start.toString());
      m.put("incoming-uri", r.incomingUri());
      m.put("holdout-uri", r.holdoutUri());
      m.put("data-window", r.dataWindow());
    }

    void newData(List<IncomingData.Unit> fresh) {
      m.put("new-data", fresh.stream().map(IncomingData.Unit::toMap).toList());
    }

    void newExamples(long n) {
      m.put("new-examples", n);
    }

    void drift(io.sparktune.data.DriftReport d) {
      m.put("drift", d == null ? "not measured: production has no data profile" : d.details());
    }

    void runUri(String uri) {
      m.put("run", uri);
    }

    void candidate(int version) {
      m.put("candidate-version", version);
    }

    void comparison(Map<String, Object> report) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("verdict", report.get("verdict"));
      c.put("examples", report.get("examples"));
      c.put("differences", report.get("differences"));
      c.put("degradation", report.get("degradation-of-b"));
      m.put("comparison", c);
    }

    /** The finished record: the decision, its reason, the production version after it and the end time. */
    Map<String, Object> decided(String decision, String reason) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("decision", decision);
      out.put("reason", reason);
      out.put("production-after", decision.equals("promoted") ? m.get("candidate-version") : m.get("production-before"));
      out.putAll(m);
      out.put("ended-at", Instant.now().toString());
      return out;
    }
  }
}
