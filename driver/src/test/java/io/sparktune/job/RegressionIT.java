package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The regression path on real data (diabetes progression): R2, MSE, RMSE, MAE through the one fine-tune path. */
class RegressionIT {
  @TempDir
  Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void diabetesProgressionIsLearned() throws Exception {
    Path out = dir.resolve("run");
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/diabetes-regression.conf"),
        List.of("spark.master=\"local[2]\"", "training.epochs=15", "output.uri=\"" + out + "\"")));
    FineTuneJob.Result r = new FineTuneJob(s, false, false).run();
    Map<String, Object> fin = (Map<String, Object>) r.metrics().get("final");
    double r2 = ((Number) fin.get("r2")).doubleValue();
    double mse = ((Number) fin.get("mse")).doubleValue();
    assertTrue(r2 > 0.25, "the MLP explains a good part of the progression's variance: R2 " + r2);
    assertTrue(r2 > r.baselineAccuracy() + 0.1, "training beats the untrained network: " + r2 + " vs " + r.baselineAccuracy());
    assertEquals(Boolean.TRUE, r.metrics().get("model-untrained"),
        "a network built from a DL4J JSON configuration is not called pre-trained");
    assertEquals(Math.sqrt(mse), ((Number) fin.get("rmse")).doubleValue(), 1e-9);
    // in the target's units (progression scores ~25..346), not standardised ones
    assertTrue(((Number) fin.get("mae")).doubleValue() > 20 && ((Number) fin.get("mae")).doubleValue() < 100, fin.toString());
    Map<String, Object> info = Json.readMap(Files.readString(out.resolve("model-info.json")));
    assertEquals("regression", info.get("task"));
    assertEquals(150, ((Number) ((Map<String, Object>) info.get("target-scale")).get("mean")).doubleValue(), 10);
    List<Map<String, Object>> history = (List<Map<String, Object>>) r.metrics().get("history");
    assertTrue(history.get(0).containsKey("validation-r2"));

    // sparktune evaluate on every row equals a single-process evaluation with the model's own normaliser and scale
    Path eval = dir.resolve("eval");
    assertEquals(0, io.sparktune.cli.SparktuneCli.execute("evaluate", "--config", "conf/examples/diabetes-regression.conf",
        "--set", "spark.master=\"local[2]\"", "--model", out.toString(), "--output", eval.toString()));
    Map<String, Object> evaluated = (Map<String, Object>) Json.readMap(Files.readString(eval.resolve("metrics.json")))
        .get("evaluation");
    io.sparktune.eval.EvaluationModel model = io.sparktune.eval.EvaluationModel.load(out.toString(), s.model(), "", s.seed());
    io.sparktune.data.CsvRecordParser parser = new io.sparktune.data.CsvRecordParser(",", 11, 10, -1, List.of());
    List<String> lines = Files.readAllLines(Path.of("src-test-data/tabular/diabetes.csv"));
    List<io.sparktune.data.Record> rows = new java.util.ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      rows.add(parser.parse(lines.get(i), "diabetes.csv", i + 1));
    }
    io.sparktune.data.BatchAssembler assembler = new io.sparktune.data.BatchAssembler(64, 1,
        io.sparktune.data.FeatureLayout.flat(10), model.normalizer(), model.targetScale());
    io.sparktune.eval.RegressionResult single = new io.sparktune.eval.RegressionResult(model.targetScale());
    for (var it = assembler.batches(rows.iterator()); it.hasNext(); ) {
      var ds = it.next();
      single.add(ds.getLabels(), model.net().output(ds.getFeatures()));
    }
    assertEquals(442, ((Number) evaluated.get("examples")).longValue());
    // sums of squares of targets around 150 in a different order: equal to ~1e-9, not bit for bit
    assertEquals(single.r2(), ((Number) evaluated.get("r2")).doubleValue(), 1e-6);
    assertEquals(single.mae(), ((Number) evaluated.get("mae")).doubleValue(), 1e-6);
  }
}
