package io.sparktune.bench;

import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the {@link ScalingModel} against what this machine can measure: the same fine-tune on a real Spark
 * standalone cluster (deploy/local-cluster.sh: a master and two workers of one core each, every executor its
 * own JVM; submitted with deploy/submit.sh), first with one executor, then with two, for each of sparktune's
 * hub strategies. The model, fed with the one-executor run's step time, round cost and bytes, predicts the
 * two-executor run's throughput, which is then measured. Numbers are reported, never asserted.
 *
 * <p>Throughput here is the tasks' steady state: examples trained per second of task time (computing, waiting
 * for data and in averaging rounds), which is what the model describes; the epoch's wall time adds Spark's
 * per-epoch scheduling and the model's broadcast, reported beside it.
 */
public final class ScalingCheck {
  private static final Logger log = LoggerFactory.getLogger(ScalingCheck.class);
  private static final int MASTER_PORT = 17277;

  /** A strategy measured, by its settings. */
  record Strategy(String name, List<String> sets) {}

  static final List<Strategy> STRATEGIES = List.of(
      new Strategy("gradient sharing (sparktune, one-bit)", List.of("training.strategy=gradient-sharing",
          "training.gradient-sharing.implementation=sparktune", "training.gradient-sharing.encoding=one-bit")),
      new Strategy("parameter averaging (sparktune)", List.of("training.strategy=parameter-averaging",
          "training.parameter-averaging.implementation=sparktune")));

  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;

  public ScalingCheck(File config, List<String> sets, Path results, String name) {
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
  }

  public Map<String, Object> run() throws Exception {
    io.sparktune.config.FineTuneSettings settings = io.sparktune.config.FineTuneSettings.fromConfig(
        io.sparktune.config.ConfigLoader.load(config, sets));
    BenchmarkRunner.requireFile(settings.data().trainUri());
    BenchmarkRunner.requireFile(settings.data().validationUri());
    int batch = settings.training().batchSizePerWorker();
    Path work = Files.createTempDirectory("sparktune-scaling-");
    Map<String, String> env = Map.of("SPARKTUNE_CLUSTER_DIR", work.resolve("cluster").toString(),
        "SPARK_MASTER_PORT", Integer.toString(MASTER_PORT), "SPARK_MASTER_WEBUI_PORT", "18280");
    List<Map<String, Object>> rows = new ArrayList<>();
    run(env, work.resolve("cluster-start.log"), List.of("bash", "deploy/local-cluster.sh", "start", "2"));
    try {
      for (Strategy s : STRATEGIES) {
        Map<String, Object> one = measure(s, 1, work, env, batch);
        Map<String, Object> two = measure(s, 2, work, env, batch);
        predict(one, one, 1);
        predict(one, two, 2);
        rows.add(one);
        rows.add(two);
      }
    } finally {
      run(env, work.resolve("cluster-stop.log"), List.of("bash", "deploy/local-cluster.sh", "stop"));
    }
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment scaling --config "
        + config.getPath(), sets, settings.model().uri());
    report.put("cluster", "Spark standalone on 127.0.0.1: 2 workers of 1 core, executors of 1 core and 1 GiB "
        + "(deploy/local-cluster.sh, deploy/submit.sh); spark.cores.max = executors");
    report.put("batch_size_per_worker", batch);
    report.put("runs", rows);
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  /** One fine-tune on {@code executors} executors; its last epoch's breakdown and the throughputs derived from it. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> measure(Strategy s, int executors, Path work, Map<String, String> env, int batch)
      throws Exception {
    String id = s.sets().get(0).replaceAll(".*=", "") + "-" + executors;
    Path out = work.resolve(id);
    List<String> cmd = new ArrayList<>(List.of("bash", "deploy/submit.sh", "--master", "spark://127.0.0.1:" + MASTER_PORT,
        "--conf", "spark.cores.max=" + executors, "--", "finetune", "--config", config.getAbsolutePath(), "--output",
        out.toString(), "--overwrite", "--set", "spark.workers=" + executors));
    sets.forEach(x -> cmd.addAll(List.of("--set", x)));
    s.sets().forEach(x -> cmd.addAll(List.of("--set", x)));
    log.info("Scaling check: {} on {} executor(s) ...", s.name(), executors);
    run(env, work.resolve(id + ".log"), cmd);
    Map<String, Object> metrics = Json.readMap(Files.readString(out.resolve("metrics.json")));
    List<Map<String, Object>> history = (List<Map<String, Object>>) metrics.get("history");
    Map<String, Object> last = history.get(history.size() - 1);
    Map<String, Object> b = (Map<String, Object>) last.get("strategy-breakdown");
    double steps = number(b, "steps-per-worker");
    double rounds = number(b, "rounds");
    double compute = number(b, "compute");
    double dataWait = number(b, "data-wait");
    double inRounds = number(b, "averaging") + number(b, "waiting-for-slowest-worker");
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("strategy", s.name());
    row.put("executors", executors);
    row.put("workers", number(b, "workers"));
    row.put("batch_size", batch);
    row.put("step_s", compute / steps);
    row.put("steps_per_round", (int) Math.round(steps / rounds));
    row.put("round_s", number(b, "seconds-per-round"));
    row.put("busy_s", ScalingModel.Measured.fromBreakdown(b).meanBusySeconds());
    row.put("data_wait_per_step_s", dataWait / steps);
    row.put("bytes_per_round", Math.round(steps / rounds) * Math.max(number(b, "bytes-sent-per-worker-step"),
        number(b, "bytes-received-per-worker-step")));
    row.put("task_examples_per_s", executors * steps * batch / (compute + dataWait + inRounds));
    row.put("epoch_wall_s", number(b, "wall"));
    row.put("wall_examples_per_s", last.get("examples-per-second"));
    row.put("validation_accuracy", last.get("validation-accuracy"));
    row.put("breakdown", b);
    return row;
  }

  /**
   * Adds to {@code row} the model's efficiency and throughput at its executor count, predicted from the
   * measurements of {@code base} alone: executors x (examples per step / step time) x efficiency.
   */
  @SuppressWarnings("unchecked")
  static void predict(Map<String, Object> base, Map<String, Object> row, int executors) {
    double step = number(base, "step_s");
    ScalingModel.Measured m = ScalingModel.Measured.fromBreakdown((Map<String, Object>) base.get("breakdown"));
    double efficiency = ScalingModel.efficiency(m, 10e9, List.of(executors)).get(executors);
    row.put("model_round_s", ScalingModel.roundSeconds(m, executors, 10e9));
    row.put("model_efficiency", efficiency);
    row.put("model_examples_per_s", executors * efficiency * number(base, "batch_size") / step);
  }

  private static double number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalStateException("The run's metrics have no number '" + key + "' (" + v + ").");
    }
    return n.doubleValue();
  }

  private static void run(Map<String, String> env, Path logFile, List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " failed; see " + logFile);
    }
  }

  /**
   * The share of a round that is computing, as measured: compute per round / the round's duration at the hub
   * (publish to publish: data waits, exchanges and waiting for the slower executor included).
   */
  @SuppressWarnings("unchecked")
  static double measuredEfficiency(Map<String, Object> r) {
    return ScalingModel.Measured.fromBreakdown((Map<String, Object>) r.get("breakdown")).computeSeconds()
        / number(r, "round_s");
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder sb = new StringBuilder("## Scaling check ").append(report.get("benchmark")).append("\n\n`")
        .append(report.get("command")).append("`, ").append(report.get("date")).append(", machine ")
        .append(report.get("machine")).append("\n\n").append(report.get("cluster")).append(".\n\n")
        .append("Model columns: the scaling model fed with the 1-executor run of the same strategy only. A round is "
            + "publish to publish at the hub; busy is a worker's time in it apart from waiting for the others.\n\n")
        .append("| strategy | executors | step s | steps per round | round s | model round s | busy s | data wait per "
            + "step s | KB per round | efficiency | model efficiency | examples/s (tasks) | model examples/s | model error "
            + "| examples/s (epoch wall) | accuracy |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("runs");
    for (Map<String, Object> r : rows) {
      double measured = number(r, "task_examples_per_s");
      double model = number(r, "model_examples_per_s");
      sb.append(String.format("| %s | %d | %.3f | %d | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f%% | %.1f%% | %.1f | %.1f "
              + "| %+.1f%% | %.1f | %.4f |%n", r.get("strategy"), ((Number) r.get("executors")).intValue(),
          number(r, "step_s"), ((Number) r.get("steps_per_round")).intValue(), number(r, "round_s"),
          number(r, "model_round_s"), number(r, "busy_s"), number(r, "data_wait_per_step_s"),
          number(r, "bytes_per_round") / 1e3, 100 * measuredEfficiency(r), 100 * number(r, "model_efficiency"),
          measured, model, 100 * (model - measured) / measured, number(r, "wall_examples_per_s"),
          number(r, "validation_accuracy")));
    }
    sb.append("\nThe model fed with each 2-executor run instead (its busy-time distribution, hub time and bytes; "
        + "10 Gbit/s):\n\n| strategy | 2 | 4 | 8 | 16 |\n|---|---|---|---|---|\n");
    List<Integer> sizes = List.of(2, 4, 8, 16);
    for (Map<String, Object> r : rows) {
      if (((Number) r.get("executors")).intValue() != 2) {
        continue;
      }
      sb.append("| ").append(r.get("strategy")).append(" |");
      ScalingModel.efficiency(ScalingModel.Measured.fromBreakdown((Map<String, Object>) r.get("breakdown")), 10e9, sizes)
          .forEach((n, e) -> sb.append(String.format(" %.0f%% |", 100 * e)));
      sb.append('\n');
    }
    return sb.toString();
  }
}
