package io.sparktune.job;

import io.sparktune.BadInputException;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.spark.SparkContexts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stratified k-fold cross-validation: one fine-tune per fold through the single fine-tune path (fold i
 * held out for validation, see {@code data.cross-validation}), in one Spark application, then the mean,
 * standard deviation, range and a 95% t-interval of each metric over the folds, written to cv.json.
 * Folds whose run directory is complete are not redone, so a killed cv resumes where it stopped.
 */
public final class CrossValidationJob {
  private static final Logger log = LoggerFactory.getLogger(CrossValidationJob.class);
  static final List<String> METRICS = List.of("accuracy", "macro-f1", "weighted-f1", "roc-auc-macro", "pr-auc-macro",
      "log-loss", "expected-calibration-error", "r2", "rmse", "mae");
  static final List<String> MODELS = List.of("final", "linear-baseline", "head-only", "baseline");

  private final FineTuneSettings s;
  private final boolean overwrite;

  public CrossValidationJob(FineTuneSettings settings, boolean overwrite) {
    this.s = settings;
    this.overwrite = overwrite;
  }

  public Map<String, Object> run() {
    if (s.training().onDl4jGradientSharing()) {
      throw new BadInputException("sparktune cv runs one fine-tune per fold in one Spark application, and DL4J's "
          + "gradient sharing cannot start a second training master in one application; use "
          + "training.strategy = parameter-averaging or training.gradient-sharing.implementation = sparktune for "
          + "cross-validation.");
    }
    return SparkContexts.with(s.spark(), sc -> run(sc));
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> run(JavaSparkContext sc) {
    Instant start = Instant.now();
    HadoopFiles.useConfiguration(sc.hadoopConfiguration());
    RunDirectory out = new RunDirectory(s.run().outputUri());
    out.prepare(overwrite, false);
    int k = s.data().crossValidationFolds();
    List<Map<String, Object>> folds = new ArrayList<>();
    for (int fold = 0; fold < k; fold++) {
      String dir = out.uri().replaceAll("/+$", "") + String.format("/fold-%02d", fold + 1);
      RunDirectory foldDir = new RunDirectory(dir);
      Map<String, Object> metrics;
      if (foldDir.isComplete()) {
        log.info("Cross-validation fold {}/{}: already complete in {}, reusing its metrics.", fold + 1, k, dir);
        metrics = Json.readMap(HadoopFiles.readString(foldDir.file("metrics.json"), "fold metrics"));
      } else {
        log.info("Cross-validation fold {}/{}: fine-tuning with fold {} held out -> {}", fold + 1, k, fold + 1, dir);
        FineTuneSettings fs = s.with("data.cross-validation.fold", fold, "sparktune cv").withOutput(dir);
        // a fold started before (a killed cv) resumes from its checkpoint; a new one starts without a word about it
        metrics = new FineTuneJob(fs, HadoopFiles.exists(HadoopFiles.path(dir)), false).run(sc, foldDir).metrics();
      }
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("fold", fold + 1);
      f.put("output", dir);
      for (String model : MODELS) {
        if (metrics.get(model) instanceof Map<?, ?> m) {
          Map<String, Object> picked = new LinkedHashMap<>();
          for (String metric : METRICS) {
            if (((Map<String, Object>) m).containsKey(metric)) {
              picked.put(metric, ((Map<String, Object>) m).get(metric));
            }
          }
          picked.put("examples", ((Map<String, Object>) m).get("examples"));
          f.put(model, picked);
        }
      }
      folds.add(f);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    for (String model : MODELS) {
      if (folds.stream().allMatch(f -> f.containsKey(model))) {
        Map<String, Object> perMetric = new LinkedHashMap<>();
        for (String metric : METRICS) {
          List<Object> values = folds.stream().map(f -> ((Map<String, Object>) f.get(model)).get(metric)).toList();
          if (values.stream().anyMatch(v -> v instanceof Number)) {
            perMetric.put(metric, spread(metric, values));
          }
        }
        summary.put(model, perMetric);
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("folds", k);
    report.put("stratified", true);
    report.put("data", s.data().trainDataText());
    report.put("summary", summary);
    report.put("per-fold", folds);
    out.writeConfig(s);
    out.writeJson("cv.json", report);
    out.writeProvenance(Provenance.of(s, "", start, Instant.now(), sc.master()));
    out.markComplete();
    print(summary, k, out.uri());
    return report;
  }

  /**
   * Mean, sample standard deviation, min, max and a 95% t-interval of the mean over the folds, the interval cut to
   * the metric's range (a t-interval of an accuracy near 1 over a few folds otherwise reaches past 1).
   */
  static Map<String, Object> spread(String metric, List<Object> values) {
    DescriptiveStatistics d = new DescriptiveStatistics();
    values.stream().filter(v -> v instanceof Number).forEach(v -> d.addValue(((Number) v).doubleValue()));
    Map<String, Object> m = new LinkedHashMap<>();
    long n = d.getN();
    m.put("mean", n > 0 ? d.getMean() : null);
    m.put("std", n > 1 ? d.getStandardDeviation() : null);
    m.put("min", n > 0 ? d.getMin() : null);
    m.put("max", n > 0 ? d.getMax() : null);
    if (n > 1) {
      double half = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975) * d.getStandardDeviation()
          / Math.sqrt(n);
      double[] range = range(metric);
      m.put("ci95-low", Math.max(range[0], d.getMean() - half));
      m.put("ci95-high", Math.min(range[1], d.getMean() + half));
    }
    return m;
  }

  /** The values a metric can take: shares in [0, 1], errors and losses from 0 up, R² up to 1. */
  static double[] range(String metric) {
    return switch (metric) {
      case "log-loss", "rmse", "mae" -> new double[] {0, Double.POSITIVE_INFINITY};
      case "r2" -> new double[] {Double.NEGATIVE_INFINITY, 1};
      default -> new double[] {0, 1};
    };
  }

  @SuppressWarnings("unchecked")
  private static void print(Map<String, Object> summary, int k, String output) {
    StringBuilder sb = new StringBuilder(String.format("%n==== sparktune %d-fold cross-validation (mean ± std) ====%n", k));
    boolean regression = summary.get("final") instanceof Map<?, ?> f && f.containsKey("r2");
    List<String> columns = regression ? List.of("r2", "rmse", "mae") : List.of("accuracy", "macro-f1", "log-loss");
    sb.append(String.format("%-18s %18s %18s %18s%n", "model", columns.get(0), columns.get(1), columns.get(2)));
    for (Map.Entry<String, Object> e : summary.entrySet()) {
      Map<String, Object> m = (Map<String, Object>) e.getValue();
      sb.append(String.format("%-18s %18s %18s %18s%n", e.getKey(), cell(m.get(columns.get(0))),
          cell(m.get(columns.get(1))), cell(m.get(columns.get(2)))));
    }
    sb.append("output: ").append(output).append('\n');
    System.out.print(sb);
  }

  @SuppressWarnings("unchecked")
  private static String cell(Object spread) {
    if (spread == null) {
      return "-";
    }
    Map<String, Object> s = (Map<String, Object>) spread;
    Object mean = s.get("mean");
    Object std = s.get("std");
    return mean == null ? "-" : String.format("%.4f ± %.4f", ((Number) mean).doubleValue(),
        std == null ? 0.0 : ((Number) std).doubleValue());
  }
}
