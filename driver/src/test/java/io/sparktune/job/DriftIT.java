package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.CliRun;
import io.sparktune.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sparktune drift on the iris example: the data the model was trained on shows no drift, the same flowers
 * with their petals measured 2 cm longer show it on that feature, a model without a profile is refused.
 */
class DriftIT {
  @TempDir
  Path dir;

  CliRun drift(Path run, String data, String out) {
    return CliRun.of("drift", "--config", "conf/examples/iris-csv.conf", "--set", "spark.master=\"local[2]\"",
        "--model", run.toString(), "--data", data, "--output", dir.resolve(out).toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void driftIsMeasuredAgainstTheProfileSavedWithTheModel() throws Exception {
    Path run = dir.resolve("run");
    assertEquals(0, CliRun.of("finetune", "--config", "conf/examples/iris-csv.conf", "--set",
        "spark.master=\"local[2]\"", "--set", "training.epochs=3", "--set", "monitoring.dashboard.enabled=false",
        "--set", "evaluation.feature-importance.enabled=false", "--output", run.toString()).code());
    assertTrue(Files.exists(run.resolve("data-profile.json")));

    CliRun same = drift(run, "src-test-data/tabular/iris.csv", "same");
    assertEquals(0, same.code(), same.err());
    Map<String, Object> none = Json.readMap(Files.readString(dir.resolve("same/drift.json")));
    assertTrue(((Number) none.get("max-feature-psi")).doubleValue() < 0.1, "" + none);

    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("src-test-data/tabular/iris.csv")));
    for (int i = 1; i < lines.size(); i++) {
      String[] c = lines.get(i).split(",");
      c[2] = String.valueOf(Double.parseDouble(c[2]) + 2.0); // petal_length
      lines.set(i, String.join(",", c));
    }
    Path longer = dir.resolve("longer-petals.csv");
    Files.write(longer, lines);
    CliRun shifted = drift(run, longer.toString(), "shifted");
    assertEquals(0, shifted.code(), shifted.err());
    assertTrue(shifted.out().contains("DRIFT of"), shifted.out());
    Map<String, Object> d = Json.readMap(Files.readString(dir.resolve("shifted/drift.json")));
    Map<String, Object> top = ((List<Map<String, Object>>) d.get("most-shifted-features")).get(0);
    assertEquals("petal_length", top.get("feature"), "" + d);
    assertTrue(((Number) top.get("psi")).doubleValue() > 1, "" + top);
    assertTrue(((Number) d.get("embedding-shift")).doubleValue() > ((Number) none.get("embedding-shift")).doubleValue(),
        "the model sees the longer petals too: " + d.get("embedding-shift"));

    CliRun noProfile = drift(Path.of("src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip"),
        "src-test-data/tabular/iris.csv", "none");
    assertEquals(2, noProfile.code(), noProfile.err());
    assertTrue(noProfile.err().contains("has no data-profile.json"), noProfile.err());
  }
}
