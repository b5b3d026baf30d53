package io.sparktune.sweep;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.Redaction;
import io.sparktune.config.SweepSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sweep leaves behind in its output directory: trials.json (every trial: values, per-epoch
 * metric, status, error), trials.md (the same as a table, best first), sweep.html (the table, a
 * parallel-coordinates plot, the metric against each searched key and every trial's per-epoch curve),
 * best-config.conf (the best trial's full fine-tune configuration, for sparktune finetune) and
 * best-trial.json (its values, score and where its model is).
 */
public record SweepResults(String output, List<Trial> ranked, Trial best, String table) {

  static SweepResults write(String out, FineTuneSettings base, SweepSettings sweep, SearchSpace space, SweepState state,
      double seconds, Map<String, Object> memory) {
    List<Trial> ranked = new ArrayList<>(state.trials());
    ranked.sort(Comparator.comparingDouble((Trial t) -> Double.isFinite(t.score()) ? -t.score() : Double.POSITIVE_INFINITY)
        .thenComparingInt(Trial::id));
    Trial best = ranked.isEmpty() || !Double.isFinite(ranked.get(0).score()) ? null : ranked.get(0);
    List<String> keys = space.parameters().stream().map(Parameter::key).toList();

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("algorithm", sweep.algorithm());
    json.put("early-stopping", sweep.earlyStopping());
    json.put("metric", "validation-" + sweep.metric());
    json.put("keys", keys);
    json.put("seconds", seconds);
    json.put("total-epochs", state.totalEpochs());
    json.put("best", best == null ? null : best.name());
    json.put("space", space.parameters().stream().map(SweepResults::describe).toList());
    json.putAll(state.toMap());
    json.put("memory", memory);
    Json.writeFile(HadoopFiles.child(out, "trials.json"), json);
    Map<String, Object> page = new LinkedHashMap<>();
    String title = "sparktune sweep: " + out;
    page.put("title", title);
    page.put("status", "finished");
    Map<String, Object> sweepData = new LinkedHashMap<>(json);
    sweepData.put("metric", sweep.metric());
    page.put("sweep", sweepData);
    HadoopFiles.writeString(HadoopFiles.child(out, "sweep.html"), io.sparktune.report.HtmlReport.page(title, page));

    String table = table(ranked, keys, sweep, state, seconds)
        + "\nMemory: " + io.sparktune.spark.ClusterMemory.describePeaks(memory) + ".\n";
    HadoopFiles.writeString(HadoopFiles.child(out, "trials.md"), table);
    if (best != null) {
      FineTuneSettings bestSettings = SweepJob.withValues(base, best).withOutput(out + "/best-run");
      String rendered = SweepJob.renderForFinetune(bestSettings);
      HadoopFiles.writeString(HadoopFiles.child(out, "best-config.conf"),
          "# The best trial of the sweep in " + out + " (" + best.name() + ", validation " + sweep.metric() + " "
              + String.format("%.4f", best.score()) + "), as a full fine-tune configuration:\n"
              + "#   bin/sparktune finetune --config " + out + "/best-config.conf\n"
              + (rendered.contains(Redaction.REDACTED)
                  ? "# Secrets are not written here (" + Redaction.REDACTED + "): give them again "
                      + "the way you gave them to the sweep (--set, an include, ${?ENV}).\n" : "")
              + rendered);
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("trial", best.name());
      b.put("values", best.values);
      b.put("score", best.score());
      b.put("epochs", best.epochs());
      b.put("status", best.status().name().toLowerCase(java.util.Locale.ROOT));
      b.put("model", best.output + "/model.zip");
      Json.writeFile(HadoopFiles.child(out, "best-trial.json"), b);
    }
    return new SweepResults(out, ranked, best, table);
  }

  /** A searched key and its domain, for the report's axes. */
  private static Map<String, Object> describe(Parameter p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", p.key());
    if (p.domain() instanceof Domain.Choice c) {
      m.put("kind", "choice");
      m.put("values", c.values());
    } else if (p.domain() instanceof Domain.Real r) {
      m.put("kind", "real");
      m.put("min", r.min());
      m.put("max", r.max());
      m.put("log", r.log());
    } else if (p.domain() instanceof Domain.Int i) {
      m.put("kind", "int");
      m.put("min", i.min());
      m.put("max", i.max());
      m.put("log", i.log());
    }
    m.put("when", p.when());
    return m;
  }

  private static String table(List<Trial> ranked, List<String> keys, SweepSettings sweep, SweepState state,
      double seconds) {
    StringBuilder sb = new StringBuilder("# Sweep results\n\n");
    sb.append(String.format("%s search, early stopping %s, %d trials, %d epochs in all, %.0f s; ranked by the best "
        + "validation %s of each trial.%n%n", sweep.algorithm(), sweep.earlyStopping(), ranked.size(),
        state.totalEpochs(), seconds, sweep.metric()));
    sb.append("| rank | trial | status | epochs | ").append(sweep.metric()).append(" | ");
    keys.forEach(k -> sb.append('`').append(k).append("` | "));
    sb.append("seconds | note |\n|");
    for (int i = 0; i < 6 + keys.size() + 1; i++) {
      sb.append("---|");
    }
    sb.append('\n');
    int rank = 0;
    for (Trial t : ranked) {
      rank++;
      sb.append("| ").append(rank).append(" | ").append(t.name()).append(" | ")
          .append(t.status().name().toLowerCase(java.util.Locale.ROOT)).append(" | ").append(t.epochs()).append(" | ")
          .append(Double.isFinite(t.score()) ? String.format("%.4f", t.score()) : "-").append(" | ");
      for (String k : keys) {
        Object v = t.values.get(k);
        sb.append(v == null ? "-" : v instanceof Double d ? String.format("%.4g", d) : v.toString().isEmpty() ? "\"\""
            : v.toString()).append(" | ");
      }
      sb.append(String.format("%.1f", t.seconds)).append(" | ").append(t.error.replace("|", "/").replace("\n", " "))
          .append(" |\n");
    }
    return sb.toString();
  }

  /** Prints the table to stdout. */
  public void print() {
    System.out.print("\n" + table + (best == null ? "\nNo trial finished with a score.\n"
        : "\nBest: " + best.name() + " " + best.values() + ", config in " + output + "/best-config.conf\n"));
    System.out.flush();
  }
}
