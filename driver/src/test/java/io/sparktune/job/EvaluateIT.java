package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluate job on a finished run reproduces the run's own final validation metrics exactly. */
class EvaluateIT {
  @TempDir
  Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void evaluatingARunOnItsValidationDataGivesItsFinalMetrics() throws Exception {
    Path run = dir.resolve("run");
    FineTuneJob.Result r = new FineTuneJob(FineTuneIT.quickstart(run, "training.epochs=1",
        "data.max-train-examples=1000"), false, false).run();

    Path eval = dir.resolve("eval");
    int code = SparktuneCli.execute("evaluate", "--config", "conf/examples/quickstart.conf",
        "--set", "spark.master=\"local[2]\"", "--model", run.toString(),
        "--data", "src-test-data/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "--set", "data.train-labels-uri=\"src-test-data/fashion-mnist/t10k-labels-idx1-ubyte.gz\"",
        "--output", eval.toString());
    assertEquals(0, code);
    Map<String, Object> metrics = Json.readMap(Files.readString(eval.resolve("metrics.json")));
    Map<String, Object> evaluation = (Map<String, Object>) metrics.get("evaluation");
    Map<String, Object> fin = (Map<String, Object>) r.metrics().get("final");
    assertEquals(((Number) fin.get("examples")).longValue(), ((Number) evaluation.get("examples")).longValue());
    assertEquals(r.finalAccuracy(), ((Number) evaluation.get("accuracy")).doubleValue(), 0.0);
    assertEquals(Json.write(((Map<String, Object>) fin.get("confusion-matrix")).get("counts")),
        Json.write(((Map<String, Object>) evaluation.get("confusion-matrix")).get("counts")));
    assertEquals(((Number) fin.get("log-loss")).doubleValue(), ((Number) evaluation.get("log-loss")).doubleValue(), 1e-9);
    assertEquals(true, Files.exists(eval.resolve("_COMPLETE")));
  }

  /**
   * Real iris rows with a slice column (sepal length at least 6 cm or not): the per-slice metrics
   * partition the examples, and the worst examples come worst first with their features.
   */
  @Test
  @SuppressWarnings("unchecked")
  void errorAnalysisWithSlicesOnTabularData() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("src-test-data/tabular/iris.csv"));
    List<String> sliced = new java.util.ArrayList<>();
    sliced.add(lines.get(0) + ",sepal");
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        sliced.add(line + "," + (Double.parseDouble(line.split(",")[0]) >= 6.0 ? "long" : "short"));
      }
    }
    Path csv = dir.resolve("iris-sliced.csv");
    Files.write(csv, sliced);
    Path eval = dir.resolve("eval");
    assertEquals(0, SparktuneCli.execute("evaluate", "--config", "conf/examples/iris-csv.conf",
        "--set", "spark.master=\"local[2]\"", "--model", "src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip",
        "--data", csv.toString(), "--set", "data.csv.slice-column=sepal", "--set", "evaluation.worst-examples=10",
        "--output", eval.toString()));
    Map<String, Object> metrics = Json.readMap(Files.readString(eval.resolve("metrics.json")));
    Map<String, Object> overall = (Map<String, Object>) metrics.get("evaluation");
    Map<String, Object> report = Json.readMap(Files.readString(eval.resolve(ErrorAnalysisWriter.FILE)));
    Map<String, Map<String, Object>> slices = (Map<String, Map<String, Object>>) report.get("slices");
    assertEquals(java.util.Set.of("long", "short"), slices.keySet());
    long n = 0;
    double correct = 0;
    for (Map<String, Object> m : slices.values()) {
      long examples = ((Number) m.get("examples")).longValue();
      n += examples;
      correct += ((Number) m.get("accuracy")).doubleValue() * examples;
    }
    assertEquals(150, n);
    assertEquals(((Number) overall.get("accuracy")).doubleValue() * 150, correct, 1e-6);
    List<Map<String, Object>> worst = (List<Map<String, Object>>) report.get("worst-examples");
    assertEquals(10, worst.size());
    for (int i = 1; i < worst.size(); i++) {
      assertTrue(((Number) worst.get(i - 1).get("loss")).doubleValue() >= ((Number) worst.get(i).get("loss")).doubleValue());
    }
    assertEquals(4, ((List<?>) worst.get(0).get("features")).size(), "the slice column is not a feature");
    assertTrue(((String) worst.get(0).get("origin")).contains("iris-sliced.csv:"));

    // permutation importance names the header's feature columns; on iris the petal measurements matter most
    Map<String, Object> importance = Json.readMap(Files.readString(eval.resolve(FeatureImportanceWriter.FILE)));
    assertEquals("permutation", importance.get("method"));
    List<Map<String, Object>> features = (List<Map<String, Object>>) importance.get("features");
    assertEquals(java.util.Set.of("sepal_length", "sepal_width", "petal_length", "petal_width"),
        features.stream().map(f -> f.get("feature")).collect(java.util.stream.Collectors.toSet()));
    assertEquals(java.util.Set.of("petal_length", "petal_width"),
        java.util.Set.of(features.get(0).get("feature"), features.get(1).get("feature")), features.toString());
    assertTrue(((Number) features.get(0).get("accuracy-drop")).doubleValue() > 0.1, features.toString());
  }
}
