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
    assertEquals(Math.sqrt(mse), ((Number) fin.get("rmse")).doubleValue(), 1e-9);
    // in the target's units (progression scores ~25..346), not standardised ones
    assertTrue(((Number) fin.get("mae")).doubleValue() > 20 && ((Number) fin.get("mae")).doubleValue() < 100, fin.toString());
    Map<String, Object> info = Json.readMap(Files.readString(out.resolve("model-info.json")));
    assertEquals("regression", info.get("task"));
    assertEquals(150, ((Number) ((Map<String, Object>) info.get("target-scale")).get("mean")).doubleValue(), 10);
    List<Map<String, Object>> history = (List<Map<String, Object>>) r.metrics().get("history");
    assertTrue(history.get(0).containsKey("validation-r2"));
  }
}
