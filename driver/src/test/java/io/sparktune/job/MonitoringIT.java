package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training monitoring on real runs: metrics.jsonl, gradient flow per layer, time split, divergence. */
class MonitoringIT {
  @TempDir
  Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void aFrozenTrunkRunLogsProgressEpochsGradientFlowAndTimes() throws Exception {
    Path out = dir.resolve("run");
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/mnist-dl4j-zip.conf"),
        List.of("spark.master=\"local[2]\"", "data.max-train-examples=2000", "training.epochs=2",
            "training.progress-interval=200ms", "monitoring.layer-stats-every=2",
            "evaluation.linear-baseline.enabled=false", "model.adapt.cache-frozen-features=false", "output.uri=\"" + out + "\"")));
    new FineTuneJob(s, false, false).run();

    List<Map<String, Object>> records = MetricsLog.read(Files.readString(out.resolve(MetricsLog.FILE)));
    assertTrue(records.stream().anyMatch(r -> r.get("type").equals("progress") && r.get("loss") != null),
        "progress records with a loss");
    List<Map<String, Object>> epochs = records.stream().filter(r -> r.get("type").equals("epoch")).toList();
    assertEquals(2, epochs.size());
    assertEquals(List.of("baseline", "final"), records.stream().filter(r -> r.get("type").equals("evaluation"))
        .map(r -> r.get("name")).toList());
    for (Map<String, Object> e : epochs) {
      assertEquals(0.002, ((Number) e.get("learning-rate")).doubleValue(), 1e-12);
      List<Map<String, Object>> flow = (List<Map<String, Object>>) e.get("gradient-flow");
      assertEquals(2, flow.size(), flow.toString());
      // layer 0 is frozen: no gradient, no update; the new head learns with finite, non-zero norms
      assertEquals("frozen", flow.get(0).get("status"));
      assertEquals(0.0, ((Number) flow.get(0).get("update-norm")).doubleValue(), 0.0);
      Map<String, Object> head = flow.get(1);
      assertTrue(((Number) head.get("samples")).longValue() > 0);
      for (String k : List.of("gradient-norm", "update-norm", "parameter-norm", "update-ratio")) {
        double v = ((Number) head.get(k)).doubleValue();
        assertTrue(v > 0 && Double.isFinite(v), k + " = " + v);
      }
      assertTrue(List.of("ok", "vanishing", "exploding").contains(head.get("status")));
      Map<String, Object> t = (Map<String, Object>) e.get("time-seconds");
      double wall = ((Number) t.get("wall")).doubleValue();
      double tasks = ((Number) t.get("tasks")).doubleValue();
      double steps = ((Number) t.get("training-steps")).doubleValue();
      assertTrue(tasks > 0 && tasks <= wall * 1.05, t.toString());
      assertTrue(steps > 0 && steps <= tasks * 1.2, t.toString());
    }
    Map<String, Object> metrics = io.sparktune.io.Json.readMap(Files.readString(out.resolve("metrics.json")));
    assertTrue(((List<Map<String, Object>>) metrics.get("history")).get(0).containsKey("gradient-flow"));

    // error analysis of the final model: the worst validation images, as real 28x28 PNGs
    Map<String, Object> errors = io.sparktune.io.Json.readMap(Files.readString(out.resolve(ErrorAnalysisWriter.FILE)));
    List<Map<String, Object>> worst = (List<Map<String, Object>>) errors.get("worst-examples");
    assertEquals(24, worst.size());
    for (Map<String, Object> w : worst) {
      java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(out.resolve((String) w.get("image")).toFile());
      assertEquals(28, img.getWidth());
      assertTrue(((Number) w.get("probability-of-actual")).doubleValue() < 0.5, "a worst example is mispredicted");
    }
    assertFalse(((List<?>) errors.get("most-confused")).isEmpty());

    // occlusion maps per class on the images: 7x7 positions of 4x4 patches, finite, and occluding matters
    Map<String, Object> importance = io.sparktune.io.Json.readMap(
        Files.readString(out.resolve(FeatureImportanceWriter.FILE)));
    assertEquals("occlusion", importance.get("method"));
    Map<String, Map<String, Object>> perClass = (Map<String, Map<String, Object>>) importance.get("per-class");
    assertEquals(10, perClass.size());
    double maxDrop = 0;
    for (Map<String, Object> c : perClass.values()) {
      List<List<Number>> map = (List<List<Number>>) c.get("probability-drop");
      assertEquals(7, map.size());
      for (List<Number> row : map) {
        assertEquals(7, row.size());
        for (Number v : row) {
          assertTrue(Double.isFinite(v.doubleValue()));
          maxDrop = Math.max(maxDrop, v.doubleValue());
        }
      }
    }
    assertTrue(maxDrop > 0.01, "hiding part of an image lowers the true class's probability: " + maxDrop);
  }

  @Test
  void aDivergingRunStopsWithWhatToChange() {
    Path out = dir.resolve("diverging");
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code = SparktuneCli.execute("finetune", "--config", "conf/examples/quickstart.conf", "--output", out.toString(),
          "--set", "spark.master=\"local[2]\"", "--set", "data.max-train-examples=2000", "--set",
          "evaluation.head-only-baseline=false", "--set", "training.updater=sgd", "--set", "training.learning-rate=10");
    } finally {
      System.setErr(old);
    }
    assertEquals(SparktuneCli.FAILURE, code);
    assertTrue(err.toString().contains("Training diverged") && err.toString().contains("training.learning-rate"),
        err.toString());
    assertFalse(Files.exists(out.resolve("_COMPLETE")));
  }

  /**
   * A step schedule really reaches the workers: the updates they apply (measured on the executors by the
   * gradient-flow sampling) shrink with the rate the driver set.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aLearningRateScheduleReachesTheWorkers() throws Exception {
    Path out = dir.resolve("schedule");
    FineTuneSettings s = FineTuneIT.quickstart(out, "training.lr-schedule.type=step",
        "training.lr-schedule.step-factor=0.01", "monitoring.layer-stats-every=2", "evaluation.worst-examples=0",
        "evaluation.feature-importance.enabled=false", "data.max-train-examples=1500");
    new FineTuneJob(s, false, false).run();
    List<Map<String, Object>> epochs = MetricsLog.read(Files.readString(out.resolve(MetricsLog.FILE))).stream()
        .filter(r -> r.get("type").equals("epoch")).toList();
    assertEquals(0.001, ((Number) epochs.get(0).get("learning-rate")).doubleValue(), 1e-12);
    assertEquals(0.00001, ((Number) epochs.get(1).get("learning-rate")).doubleValue(), 1e-12);
    List<Map<String, Object>> first = (List<Map<String, Object>>) epochs.get(0).get("gradient-flow");
    List<Map<String, Object>> second = (List<Map<String, Object>>) epochs.get(1).get("gradient-flow");
    for (int i = 0; i < first.size(); i++) {
      double before = ((Number) first.get(i).get("update-norm")).doubleValue();
      double after = ((Number) second.get(i).get("update-norm")).doubleValue();
      assertTrue(after < 0.1 * before, first.get(i).get("layer") + ": updates " + before + " then " + after);
    }
  }
}
