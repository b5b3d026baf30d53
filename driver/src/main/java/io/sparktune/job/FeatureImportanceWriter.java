package io.sparktune.job;

import io.sparktune.config.RunSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.eval.OcclusionMaps;
import io.sparktune.eval.PermutationImportance;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the final model's feature importance on evaluation data, distributed, and writes
 * feature-importance.json: permutation importance for feature vectors, per-class occlusion maps for
 * images (imageDims non-null).
 */
public final class FeatureImportanceWriter {
  private static final Logger log = LoggerFactory.getLogger(FeatureImportanceWriter.class);
  public static final String FILE = "feature-importance.json";

  private FeatureImportanceWriter() {}

  public static Map<String, Object> write(JavaSparkContext sc, RunDirectory out, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, List<String> classes, int[] imageDims, List<String> featureNames,
      RunSettings.FeatureImportance settings, long seed) {
    long t0 = System.nanoTime();
    Map<String, Object> report = new LinkedHashMap<>();
    if (imageDims != null) {
      OcclusionMaps maps = DistributedEvaluator.occlusionMaps(sc, net, records, assembler, classes.size(), imageDims,
          settings.patch(), settings.maxExamples());
      report.put("method", "occlusion");
      report.put("patch", settings.patch());
      report.put("rows", maps.rows());
      report.put("cols", maps.cols());
      Map<String, Object> perClass = new LinkedHashMap<>();
      for (int c = 0; c < classes.size(); c++) {
        if (maps.map(c) != null) {
          perClass.put(classes.get(c), Map.of("examples", maps.count(c), "probability-drop", maps.map(c)));
        }
      }
      report.put("per-class", perClass);
    } else {
      int features = assembler.layout().size();
      PermutationImportance p = DistributedEvaluator.permutationImportance(sc, net, records, assembler, features,
          settings.repeats(), settings.maxExamples(), seed);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int f = 0; f < features; f++) {
        DescriptiveStatistics d = new DescriptiveStatistics(p.accuracyDrops(f));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("feature", f < featureNames.size() ? featureNames.get(f) : "feature " + (f + 1));
        row.put("accuracy-drop", d.getMean());
        row.put("accuracy-drop-std", d.getN() > 1 ? d.getStandardDeviation() : 0.0);
        row.put("log-loss-rise", p.logLossRise(f));
        rows.add(row);
      }
      rows.sort(Comparator.comparingDouble(r -> -((Number) r.get("log-loss-rise")).doubleValue()));
      report.put("method", "permutation");
      report.put("repeats", settings.repeats());
      report.put("examples", p.examples());
      report.put("baseline-accuracy", p.baselineAccuracy());
      report.put("features", rows);
    }
    out.writeJson(FILE, report);
    log.info("Feature importance ({}) written in {} s", report.get("method"),
        String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    return report;
  }
}
