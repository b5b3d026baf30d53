package io.sparktune.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fine-tune job on a real Spark standalone cluster (master and 2 workers, each executor its own JVM)
 * started by deploy/local-cluster.sh and submitted with deploy/submit.sh and the shaded driver jar.
 */
class LocalClusterIT {
  static final Path WORK = Path.of("driver/target/cluster-it");
  static final Map<String, String> ENV = Map.of("SPARKTUNE_CLUSTER_DIR", WORK.resolve("cluster").toAbsolutePath().toString(),
      "SPARK_MASTER_PORT", "17077", "SPARK_MASTER_WEBUI_PORT", "18080");

  record Run(int code, String log) {}

  static Run sh(Path log, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(ENV);
    Process p = pb.start();
    if (!p.waitFor(8, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", cmd));
    }
    return new Run(p.exitValue(), Files.readString(log));
  }

  @BeforeAll
  static void startCluster() throws Exception {
    Files.createDirectories(WORK);
    Run r = sh(WORK.resolve("start.log"), "bash", "deploy/local-cluster.sh", "start", "2");
    assertEquals(0, r.code(), r.log());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    sh(WORK.resolve("stop.log"), "bash", "deploy/local-cluster.sh", "stop");
  }

  static Run finetune(String name, String strategy) throws Exception {
    return sh(WORK.resolve(name + ".log"), "bash", "deploy/submit.sh", "--master", "spark://127.0.0.1:17077", "--",
        "finetune", "--config", "conf/examples/quickstart.conf", "--set", "data.max-train-examples=3000",
        "--set", "training.epochs=2", "--set", "training.strategy=" + strategy,
        "--set", "evaluation.head-only-baseline=false", "--set", "training.stall-timeout=120s",
        // the MLlib baseline runs on the cluster once (parameter averaging), not twice
        "--set", "evaluation.linear-baseline.enabled=" + strategy.equals("parameter-averaging"),
        "--output", WORK.resolve(name).toAbsolutePath().toString(), "--overwrite");
  }

  @SuppressWarnings("unchecked")
  static double finalAccuracy(String name) {
    Map<String, Object> m = Json.readMap(readString(WORK.resolve(name + "/metrics.json")));
    return ((Number) ((Map<String, Object>) m.get("final")).get("accuracy")).doubleValue();
  }

  static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void parameterAveragingLearnsOnTheCluster() throws Exception {
    Run r = finetune("pa", "parameter-averaging");
    assertEquals(0, r.code(), r.log());
    assertTrue(r.log().contains("fine-tuned"), "summary printed");
    double acc = finalAccuracy("pa");
    assertTrue(acc > 0.7, "accuracy on the cluster: " + acc);
    assertTrue(new File(WORK.resolve("pa/_COMPLETE").toString()).exists());
  }

  /**
   * A sweep on the cluster: two trials at once, one worker each, so each trial's training is one Spark
   * task at a time; together the trials keep both executors busy (every epoch record names the executors
   * that ran its tasks, counted per trial through the trial's job group).
   */
  @Test
  @SuppressWarnings("unchecked")
  void sweepTrialsSpreadOverTheExecutors() throws Exception {
    Path out = WORK.resolve("sweep").toAbsolutePath();
    Run r = sh(WORK.resolve("sweep.log"), "bash", "deploy/submit.sh", "--master", "spark://127.0.0.1:17077", "--",
        "sweep", "--config", "conf/examples/quickstart.conf", "--set", "data.max-train-examples=1500",
        "--set", "training.epochs=2", "--set", "evaluation.head-only-baseline=false",
        "--set", "evaluation.linear-baseline.enabled=false", "--set", "training.stall-timeout=120s",
        "--set", "sweep.algorithm=grid", "--set", "sweep.concurrent-trials=2",
        "--set", "sweep.space={\"training.learning-rate\" { choice = [0.001, 0.002] }}",
        "--output", out.toString(), "--overwrite");
    assertEquals(0, r.code(), r.log());
    java.util.Set<String> executors = new java.util.TreeSet<>();
    for (String trial : java.util.List.of("trial-000", "trial-001")) {
      for (String line : Files.readAllLines(out.resolve("trials/" + trial + "/run-1/metrics.jsonl"))) {
        Map<String, Object> rec = Json.readMap(line);
        if ("epoch".equals(rec.get("type"))) {
          executors.addAll((java.util.List<String>) rec.get("executors"));
        }
      }
    }
    assertEquals(2, executors.size(), "the two trials trained on both executors: " + executors);
    String trials = readString(out.resolve("trials.md"));
    assertEquals(2, trials.split("\\| completed \\|", -1).length - 1, trials);
  }

  /**
   * DL4J's SharedTrainingMaster either learns here or hands back a driver model without the workers'
   * updates, or stalls; sparktune must then fail loudly (exit 1, named cause), never finish with an
   * unlearned model or hang.
   */
  @Test
  void gradientSharingLearnsOrFailsLoudly() throws Exception {
    Run r = finetune("gs", "gradient-sharing");
    if (r.code() == 0) {
      double acc = finalAccuracy("gs");
      assertTrue(acc > 0.6, "a gradient-sharing run that finishes must have learned: " + acc);
    } else {
      assertEquals(1, r.code(), r.log());
      assertTrue(r.log().contains("did not reach the driver's model") || r.log().contains("made no progress"), r.log());
      assertTrue(!Files.exists(WORK.resolve("gs/_COMPLETE")), "a failed run is never marked complete");
    }
  }
}
