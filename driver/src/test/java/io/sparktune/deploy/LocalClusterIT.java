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
  /**
   * This machine has no GPU, so each worker is told it has one ("0") by a discovery script of its own: Spark
   * then schedules GPUs exactly as on a GPU cluster (parameterAveragingLearnsOnTheClusterGivingEachTaskItsGpu).
   */
  static final Path ONE_GPU_SCRIPT = WORK.resolve("discover-one-gpu.sh").toAbsolutePath();
  static final Map<String, String> ENV = Map.of("SPARKTUNE_CLUSTER_DIR", WORK.resolve("cluster").toAbsolutePath().toString(),
      "SPARK_MASTER_PORT", "17077", "SPARK_MASTER_WEBUI_PORT", "18080",
      "SPARK_WORKER_OPTS", "-Dspark.worker.resource.gpu.amount=1 -Dspark.worker.resource.gpu.discoveryScript=" + ONE_GPU_SCRIPT);

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
    Files.writeString(ONE_GPU_SCRIPT, "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
    assertTrue(ONE_GPU_SCRIPT.toFile().setExecutable(true));
    Run r = sh(WORK.resolve("start.log"), "bash", "deploy/local-cluster.sh", "start", "2");
    assertEquals(0, r.code(), r.log());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    sh(WORK.resolve("stop.log"), "bash", "deploy/local-cluster.sh", "stop");
  }

  static Run finetune(String name, String strategy, String... submitOptions) throws Exception {
    return sh(WORK.resolve(name + ".log"), finetuneCommand(name, strategy, 3000, 2, submitOptions));
  }

  /** @param strategy training.strategy, or "gradient-sharing/dl4j" for DL4J's implementation of it */
  static String[] finetuneCommand(String name, String strategy, int examples, int epochs, String... submitOptions) {
    String implementation = strategy.contains("/") ? strategy.substring(strategy.indexOf('/') + 1) : "sparktune";
    strategy = strategy.contains("/") ? strategy.substring(0, strategy.indexOf('/')) : strategy;
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bash", "deploy/submit.sh", "--master",
        "spark://127.0.0.1:17077"));
    cmd.addAll(java.util.List.of(submitOptions));
    cmd.addAll(java.util.List.of("--",
        "finetune", "--config", "conf/examples/quickstart.conf", "--set", "data.max-train-examples=" + examples,
        "--set", "training.epochs=" + epochs, "--set", "training.strategy=" + strategy,
        "--set", "training.gradient-sharing.implementation=" + implementation,
        "--set", "evaluation.head-only-baseline=false",
        // the MLlib baseline runs on the cluster once (parameter averaging), not twice
        "--set", "evaluation.linear-baseline.enabled=" + strategy.equals("parameter-averaging"),
        "--set", "training.progress-interval=1s", "--set", "training.stall-timeout=120s",
        "--output", WORK.resolve(name).toAbsolutePath().toString(), "--overwrite"));
    return cmd.toArray(String[]::new);
  }

  /**
   * Runs the fine-tune twice, the second time SIGKILLing one executor JVM in the middle of epoch 2: the
   * job must finish by itself and end within 0.5 pp of the undisturbed run.
   */
  static double[] undisturbedAndKilled(String strategy) throws Exception {
    Run undisturbed = sh(WORK.resolve(strategy + "-ref.log"), finetuneCommand(strategy + "-ref", strategy, 12000, 3));
    assertEquals(0, undisturbed.code(), undisturbed.log());
    Path log = WORK.resolve(strategy + "-kill.log");
    ProcessBuilder pb = new ProcessBuilder(finetuneCommand(strategy + "-kill", strategy, 12000, 3))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(ENV);
    Process job = pb.start();
    long deadline = System.currentTimeMillis() + 300_000;
    while (!readString(log).contains("TrainingMonitor: epoch 2/3 | step")) {
      assertTrue(job.isAlive(), "the job ended before epoch 2: " + readString(log));
      assertTrue(System.currentTimeMillis() < deadline, "no epoch 2 within 5 minutes");
      Thread.sleep(100);
    }
    ProcessHandle executor = ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst()
        .orElseThrow(() -> new AssertionError("no executor JVM found"));
    executor.destroyForcibly(); // SIGKILL
    assertTrue(job.waitFor(8, TimeUnit.MINUTES), "the job did not finish after the executor was killed");
    String out = readString(log);
    assertEquals(0, job.exitValue(), out);
    return new double[] {finalAccuracy(strategy + "-ref"), finalAccuracy(strategy + "-kill")};
  }

  /**
   * sparktune's gradient sharing (one-bit) trains the epoch again from its start when an executor is lost
   * (the barrier stage fails as a whole); its runs are deterministic, so the killed run ends within 0.5 pp of
   * the undisturbed one.
   */
  @Test
  void gradientSharingSurvivesAKilledExecutor() throws Exception {
    double[] acc = undisturbedAndKilled("gradient-sharing");
    System.out.printf("executor killed, gradient sharing: undisturbed %.4f, killed %.4f%n", acc[0], acc[1]);
    assertEquals(acc[0], acc[1], 0.005, "within 0.5 pp of the undisturbed run");
  }

  @Test
  void parameterAveragingSurvivesAKilledExecutor() throws Exception {
    double[] acc = undisturbedAndKilled("parameter-averaging");
    System.out.printf("executor killed, parameter averaging: undisturbed %.4f, killed %.4f%n", acc[0], acc[1]);
    assertEquals(acc[0], acc[1], 0.005, "within 0.5 pp of the undisturbed run");
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

  /**
   * Parameter averaging learns on the cluster, with one GPU asked per executor and per task: Spark hands each
   * task the worker's GPU, the executor plugin binds it (on this CPU build: records it as unused) and
   * provenance.json lists every executor with its backend, devices and GPU bindings.
   */
  @Test
  @SuppressWarnings("unchecked")
  void parameterAveragingLearnsOnTheClusterGivingEachTaskItsGpu() throws Exception {
    Run r = finetune("pa", "parameter-averaging", "--conf", "spark.executor.resource.gpu.amount=1",
        "--conf", "spark.task.resource.gpu.amount=1");
    assertEquals(0, r.code(), r.log());
    assertTrue(r.log().contains("fine-tuned"), "summary printed");
    double acc = finalAccuracy("pa");
    assertTrue(acc > 0.7, "accuracy on the cluster: " + acc);
    assertTrue(new File(WORK.resolve("pa/_COMPLETE").toString()).exists());
    Map<String, Object> provenance = Json.readMap(readString(WORK.resolve("pa/provenance.json")));
    java.util.List<Map<String, Object>> executors = (java.util.List<Map<String, Object>>) provenance.get("executors");
    assertEquals(2, executors.size(), "both executors reported: " + executors);
    for (Map<String, Object> e : executors) {
      assertEquals("CPU", e.get("backend"), e.toString());
      assertEquals(java.util.List.of("0"), e.get("spark-gpu-addresses"), e.toString());
      assertEquals(Map.of("0", -1), e.get("task-gpu-bindings"), "tasks got GPU 0, unused on the CPU backend: " + e);
    }
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
   * A sweep over a data set that does not fit: 120,000 Fashion-MNIST examples made from the repository's
   * 6,000 by augmentation (CSV shards, about 370 MiB once cached) on executors of 512 MiB heap, whose storage
   * memory holds a fraction of that. Spark must keep the rest of the cache on disk and spill the epoch's
   * shuffle; both trials must finish and learn, and no executor JVM may have grown past the container size
   * YARN or Kubernetes would enforce (spark.executor.memory + spark.executor.memoryOverhead).
   */
  @Test
  @SuppressWarnings("unchecked")
  void sweepOverDataThatSpillsStaysWithinExecutorMemory() throws Exception {
    Path data = WORK.resolve("augmented").toAbsolutePath();
    long examples = io.sparktune.data.AugmentedFashionMnist.writeTraining(data.resolve("train"), 20, 16, 11);
    io.sparktune.data.AugmentedFashionMnist.writeTest(data.resolve("test.csv"), 2000);
    long heap = 512L << 20;
    long overhead = 768L << 20;
    Path out = WORK.resolve("load").toAbsolutePath();
    Run r = sh(WORK.resolve("load.log"), "bash", "deploy/submit.sh", "--master", "spark://127.0.0.1:17077",
        "--conf", "spark.executor.memory=" + (heap >> 20) + "m", "--conf", "spark.executor.memoryOverhead=" + (overhead >> 20) + "m", "--",
        "sweep", "--config", "conf/examples/quickstart.conf", "--set", "data.format=csv",
        "--set", "data.train-uri=" + data.resolve("train"), "--set", "data.train-labels-uri=\"\"",
        "--set", "data.validation-uri=" + data.resolve("test.csv"), "--set", "data.validation-labels-uri=\"\"",
        "--set", "data.csv.label-column=label", "--set", "training.epochs=1",
        "--set", "evaluation.head-only-baseline=false", "--set", "evaluation.linear-baseline.enabled=false",
        "--set", "evaluation.feature-importance.enabled=false", "--set", "training.stall-timeout=300s",
        "--set", "sweep.algorithm=grid", "--set", "sweep.concurrent-trials=2",
        "--set", "sweep.space={\"training.learning-rate\" { choice = [0.001, 0.0005] }}",
        "--output", out.toString(), "--overwrite");
    assertEquals(0, r.code(), r.log());
    String trials = readString(out.resolve("trials.md"));
    assertEquals(2, trials.split("\\| completed \\|", -1).length - 1, trials);
    for (String trial : java.util.List.of("trial-000", "trial-001")) {
      Map<String, Object> m = Json.readMap(readString(out.resolve("trials/" + trial + "/run-1/metrics.json")));
      Map<String, Object> memory = (Map<String, Object>) m.get("memory");
      Map<String, Object> cache = (Map<String, Object>) memory.get("data-cache");
      double acc = ((Number) ((Map<String, Object>) m.get("final")).get("accuracy")).doubleValue();
      System.out.printf("load, %s: %d examples, cache %s, spilled %s, accuracy %.4f%n", trial, examples, cache,
          memory.get("spilled-bytes"), acc);
      assertEquals(examples, ((Number) m.get("train-examples")).longValue(), "every example read");
      assertTrue(((Number) cache.get("disk-bytes")).longValue() > 0, "part of the cached data is on disk: " + cache);
      assertTrue(acc > 0.7, trial + " learned: " + acc);
    }
    // measured after the trials, when every executor is free to answer
    Map<String, Object> memory = (Map<String, Object>) Json.readMap(readString(out.resolve("trials.json"))).get("memory");
    Map<String, Object> rss = (Map<String, Object>) memory.get("executor-peak-rss-bytes");
    System.out.printf("load: executors' peak RSS %s, driver %s%n", rss, memory.get("driver-peak-rss-bytes"));
    assertEquals(2, rss.size(), "both executors reported their peak RSS: " + rss);
    for (Object v : rss.values()) {
      long peak = ((Number) v).longValue();
      assertTrue(peak > 0 && peak <= heap + overhead, "an executor's peak RSS " + (peak >> 20) + " MiB is over memory"
          + " + memoryOverhead = " + ((heap + overhead) >> 20) + " MiB");
    }
  }

  /**
   * DL4J's SharedTrainingMaster either learns here or hands back a driver model without the workers'
   * updates, or stalls; sparktune must then fail loudly (exit 1, named cause), never finish with an
   * unlearned model or hang.
   */
  @Test
  void dl4jGradientSharingLearnsOrFailsLoudly() throws Exception {
    Run r = finetune("gs", "gradient-sharing/dl4j");
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
