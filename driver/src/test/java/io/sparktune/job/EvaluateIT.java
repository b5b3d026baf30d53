package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktune.cli.SparktuneCli;
import io.sparktune.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
