package io.sparktune.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

/** Turns a {@link ClassificationResult} into the plain map written to metrics.json. */
public final class MetricsReport {
  private MetricsReport() {}

  public static Map<String, Object> toMap(ClassificationResult r, List<String> classNames, int topK) {
    Evaluation e = r.evaluation();
    Map<String, Object> m = new LinkedHashMap<>();
    int n = classNames.size();
    m.put("examples", e.getNumRowCounter());
    m.put("accuracy", e.accuracy());
    if (topK > 1 && topK < n) { // with k >= the class count every example is a top-k hit
      m.put("top-" + topK + "-accuracy", e.topNAccuracy());
    }
    MacroAverages macro = MacroAverages.of(e, n);
    m.put("macro-precision", macro.precision());
    m.put("macro-recall", macro.recall());
    m.put("macro-f1", macro.f1());
    m.put("macro-classes", macro.classesAveraged());
    m.put("classes-never-predicted", macro.neverPredicted());
    m.put("weighted-f1", weightedF1(e, classNames.size()));
    m.put("roc-auc-macro", r.curves().macroRocAuc());
    m.put("pr-auc-macro", r.curves().macroPrAuc());
    m.put("log-loss", r.logLoss());
    m.put("expected-calibration-error", r.expectedCalibrationError());
    List<Map<String, Object>> perClass = new ArrayList<>();
    ConfusionMatrix<Integer> cm = e.getConfusion();
    for (int c = 0; c < n; c++) {
      Map<String, Object> pc = new LinkedHashMap<>();
      pc.put("class", classNames.get(c));
      pc.put("support", cm.getActualTotal(c));
      pc.put("precision", e.precision(c));
      pc.put("recall", e.recall(c));
      pc.put("f1", e.f1(c));
      pc.put("roc-auc", r.curves().rocAuc(c));
      pc.put("pr-auc", r.curves().prAuc(c));
      perClass.add(pc);
    }
    m.put("per-class", perClass);
    int[][] matrix = new int[n][n];
    for (int a = 0; a < n; a++) {
      for (int p = 0; p < n; p++) {
        matrix[a][p] = cm.getCount(a, p);
      }
    }
    m.put("confusion-matrix", Map.of("rows", "actual", "columns", "predicted", "counts", matrix));
    List<Map<String, Object>> confused = new ArrayList<>();
    for (int[] pair : ErrorAnalysis.mostConfused(matrix, 10)) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("actual", classNames.get(pair[0]));
      c.put("predicted", classNames.get(pair[1]));
      c.put("count", pair[2]);
      int support = cm.getActualTotal(pair[0]);
      c.put("share-of-actual", support == 0 ? 0.0 : pair[2] / (double) support);
      confused.add(c);
    }
    m.put("most-confused", confused);
    m.put("reliability-curve", Map.of("columns", List.of("mean-confidence", "accuracy", "count"),
        "bins", ClassificationResult.CALIBRATION_BINS, "points", r.reliabilityCurve()));
    return m;
  }

  /** F1 averaged over classes weighted by their support. */
  static double weightedF1(Evaluation e, int classes) {
    double sum = 0;
    long n = 0;
    for (int c = 0; c < classes; c++) {
      int support = e.getConfusion().getActualTotal(c);
      if (support > 0) {
        sum += e.f1(c) * support;
        n += support;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
