package io.sparktune.bench;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the same fine-tune side by side, each variant in its own JVM (so peak memory is its own):
 * plain single-process DL4J, and sparktune with each training strategy; then writes the numbers as
 * JSON and a markdown table. Numbers are reported, never asserted.
 */
public final class BenchmarkRunner {
  private static final Logger log = LoggerFactory.getLogger(BenchmarkRunner.class);

  /** Who trains a variant: plain DL4J in one process, sparktune, or the PyTorch peer (bench/pytorch/peer.py). */
  enum Kind { DL4J_SINGLE, SPARKTUNE, PYTORCH }

  /**
   * One variant: its name in the results, who trains it, and its arguments: the settings that make the sparktune
   * fine-tune it, or the PyTorch peer's mode.
   */
  record Variant(String name, Kind kind, List<String> args) {
    static Variant sparktune(String name, String... sets) {
      return new Variant(name, Kind.SPARKTUNE, List.of(sets));
    }
  }

  static final List<Variant> VARIANTS = List.of(new Variant("dl4j-single", Kind.DL4J_SINGLE, List.of()),
      new Variant("pytorch-single", Kind.PYTORCH, List.of("single")),
      new Variant("pytorch-single-1-thread", Kind.PYTORCH, List.of("single", "--threads", "1")),
      new Variant("pytorch-ddp", Kind.PYTORCH, List.of("ddp")),
      Variant.sparktune("sparktune-parameter-averaging", "training.strategy=parameter-averaging",
          "training.parameter-averaging.implementation=sparktune"),
      Variant.sparktune("dl4j-spark-parameter-averaging", "training.strategy=parameter-averaging",
          "training.parameter-averaging.implementation=dl4j"),
      Variant.sparktune("sparktune-gradient-sharing", "training.strategy=gradient-sharing",
          "training.gradient-sharing.implementation=sparktune", "training.gradient-sharing.encoding=one-bit"),
      Variant.sparktune("sparktune-gradient-sharing-dense", "training.strategy=gradient-sharing",
          "training.gradient-sharing.implementation=sparktune", "training.gradient-sharing.encoding=dense"),
      Variant.sparktune("dl4j-spark-gradient-sharing", "training.strategy=gradient-sharing",
          "training.gradient-sharing.implementation=dl4j"));

  private final File config;
  private final List<String> sets;
  private final double target;
  private final Path results;
  private final String name;

  private final java.util.regex.Pattern only;

  /** @param only runs the variants whose name matches (the single-process reference always runs); "" = all */
  public BenchmarkRunner(File config, List<String> sets, double target, Path results, String name, String only) {
    this.only = java.util.regex.Pattern.compile(only.isEmpty() ? ".*" : only);
    this.config = config;
    this.sets = sets;
    this.target = target;
    this.results = results;
    this.name = name;
  }

  public Map<String, Object> run() throws Exception {
    io.sparktune.config.FineTuneSettings settings = io.sparktune.config.FineTuneSettings.fromConfig(
        io.sparktune.config.ConfigLoader.load(config, sets));
    requireFile(settings.data().trainUri());
    requireFile(settings.data().validationUri());
    Path work = Files.createTempDirectory("sparktune-bench-");
    List<Map<String, Object>> runs = new ArrayList<>();
    int batch = perStepBatch(settings);
    PyTorchPeer peer = PyTorchPeer.find();
    Map<String, Object> ceiling = GemmCeiling.measure(work, peer);
    for (Variant v : VARIANTS) {
      if (v.kind() != Kind.DL4J_SINGLE && !only.matcher(v.name()).find()) {
        continue;
      }
      Path logFile = work.resolve(v.name() + ".log");
      Path resultFile = work.resolve(v.name() + ".json");
      List<String> cmd;
      switch (v.kind()) {
        case DL4J_SINGLE -> {
          cmd = new ArrayList<>(javaCommand());
          cmd.addAll(List.of(SingleProcessBaseline.class.getName(), config.getPath(), Integer.toString(batch),
              resultFile.toString()));
          cmd.addAll(sets);
        }
        case PYTORCH -> {
          if (!peer.available()) {
            log.info("Benchmark: {} skipped: {}", v.name(), peer.missing());
            runs.add(new LinkedHashMap<>(Map.of("name", v.name(), "status", "skipped: " + peer.missing())));
            continue;
          }
          cmd = peer.command(v.args(), settings, batch, resultFile);
        }
        default -> {
          Path out = work.resolve(v.name());
          resultFile = out.resolve("metrics.json");
          cmd = new ArrayList<>(javaCommand());
          cmd.addAll(List.of(io.sparktune.cli.SparktuneCli.class.getName(), "finetune", "--config", config.getPath(),
              "--output", out.toString()));
          sets.forEach(s -> cmd.addAll(List.of("--set", s)));
          v.args().forEach(s -> cmd.addAll(List.of("--set", s)));
        }
      }
      log.info("Benchmark: running {} (log {})", v.name(), logFile);
      long t0 = System.nanoTime();
      ProcessBuilder pb = v.kind() == Kind.PYTORCH ? PyTorchPeer.process(cmd) : new ProcessBuilder(cmd);
      Process p = pb.redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      int code = p.waitFor();
      double wall = (System.nanoTime() - t0) / 1e9;
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("name", v.name());
      if (code != 0 || !Files.exists(resultFile)) {
        run.put("status", "failed (exit " + code + "); see " + logFile);
        run.put("wall_s", wall);
        runs.add(run);
        log.warn("Benchmark variant {} failed with exit code {}; log: {}", v.name(), code, logFile);
        continue;
      }
      runs.add(summarise(run, Json.readMap(Files.readString(resultFile)), wall));
    }
    rateAgainstCeiling(runs, ceiling);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", name);
    report.put("date", Instant.now().toString());
    report.put("command", "bin/sparktune bench --config " + config.getPath()
        + sets.stream().map(s -> " --set " + s).reduce("", String::concat) + " --target " + target);
    report.put("machine", machine());
    report.put("target_accuracy", target);
    report.put("single_process_batch_size", batch);
    report.put("gemm_ceiling", ceiling);
    report.put("runs", runs);
    writeResults(results, name, report, markdown(report));
    return report;
  }

  /** Single-process minibatch = what all sparktune workers together process per step. */
  private static int perStepBatch(io.sparktune.config.FineTuneSettings s) {
    String master = s.spark().master();
    int workers = s.spark().workers() > 0 ? s.spark().workers()
        : master.matches("local\\[\\d+]") ? Integer.parseInt(master.replaceAll("\\D", ""))
        : Runtime.getRuntime().availableProcessors();
    return s.training().batchSizePerWorker() * workers;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> summarise(Map<String, Object> run, Map<String, Object> result, double wall) {
    List<Map<String, Object>> history = (List<Map<String, Object>>) result.get("history");
    double cumulative = 0;
    Double timeToTarget = null;
    double finalAccuracy = Double.NaN;
    for (Map<String, Object> h : history) {
      cumulative += ((Number) h.get("seconds")).doubleValue();
      finalAccuracy = ((Number) h.get("validation-accuracy")).doubleValue();
      if (timeToTarget == null && finalAccuracy >= target) {
        timeToTarget = cumulative;
      }
    }
    run.put("status", "ok");
    run.put("examples_per_sec", result.get("examples-per-second"));
    run.put("wall_s", wall);
    run.put("training_s", result.get("training-seconds"));
    run.put("time_to_target_s", timeToTarget);
    run.put("final_accuracy", finalAccuracy);
    run.put("epoch_accuracies", history.stream().map(h -> h.get("validation-accuracy")).toList());
    run.put("peak_rss_bytes", result.get("peak-rss-bytes"));
    run.put("training_gflop_per_example", result.get("training-flops-per-example") instanceof Number f
        ? f.doubleValue() / 1e9 : null);
    run.put("achieved_gflops", result.get("achieved-gflops"));
    run.put("train_examples", result.get("train-examples"));
    Map<String, Object> last = history.get(history.size() - 1);
    run.put("last_epoch_times_s", last.get("time-seconds"));
    if (last.get("strategy-breakdown") != null) {
      run.put("last_epoch_breakdown", last.get("strategy-breakdown"));
    }
    return run;
  }

  /**
   * Each run's achieved GFLOP/s as a share of the machine's SGEMM ceiling. The PyTorch peer trains the same network,
   * so its GFLOP/s is its examples/s times the FLOPs per example counted for DL4J's run.
   */
  private static void rateAgainstCeiling(List<Map<String, Object>> runs, Map<String, Object> ceiling) {
    Double perExample = runs.stream().filter(r -> "dl4j-single".equals(r.get("name"))
        && r.get("training_gflop_per_example") instanceof Number).map(r -> ((Number) r.get("training_gflop_per_example"))
        .doubleValue()).findFirst().orElse(null);
    for (Map<String, Object> r : runs) {
      if (r.get("achieved_gflops") == null && perExample != null && r.get("examples_per_sec") instanceof Number eps) {
        r.put("training_gflop_per_example", perExample);
        r.put("achieved_gflops", perExample * eps.doubleValue());
      }
      if (r.get("achieved_gflops") instanceof Number g && ceiling.get("ceiling_gflops") instanceof Number c) {
        r.put("share_of_ceiling", g.doubleValue() / c.doubleValue());
      }
    }
  }

  /**
   * The start of every benchmark report: its name, date, the command that reproduces it (options given
   * and {@code --set} overrides appended), the machine and the model.
   */
  static Map<String, Object> report(String name, String command, List<String> sets, String model) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("benchmark", name);
    report.put("date", Instant.now().toString());
    report.put("command", command + sets.stream().map(x -> " --set " + x).reduce("", String::concat));
    report.put("machine", machine());
    report.put("model", model);
    return report;
  }

  /** Writes {@code results/name.json} and {@code results/name.md} and prints the markdown. */
  static void writeResults(Path results, String name, Map<String, Object> report, String markdown) throws IOException {
    Files.createDirectories(results);
    Files.writeString(results.resolve(name + ".json"), Json.write(report) + "\n");
    Files.writeString(results.resolve(name + ".md"), markdown);
    log.info("Results written to {}", results.resolve(name + ".md"));
    System.out.print(markdown);
  }

  static List<String> javaCommand() {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Xmx") || a.startsWith("-Daeron")).toList());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    return cmd;
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    m.put("memory_gib", memoryGib());
    m.put("java", System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    m.put("nd4j_backend", "nd4j-native (CPU)");
    return m;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static Object memoryGib() {
    try {
      String line = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
      return Math.round(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0);
    } catch (Exception e) {
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Benchmark ").append(report.get("benchmark")).append("\n\n");
    sb.append("`").append(report.get("command")).append("`, ").append(report.get("date")).append(", machine ")
        .append(report.get("machine")).append("\n\n");
    sb.append("| run | examples/s | vs single | training s | wall s | time to ").append(report.get("target_accuracy"))
        .append(" s | accuracy per epoch | final accuracy | peak RSS GiB |\n|---|---|---|---|---|---|---|---|---|\n");
    List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
    Double single = runs.stream().filter(r -> r.get("name").equals("dl4j-single") && r.get("examples_per_sec") != null)
        .map(r -> ((Number) r.get("examples_per_sec")).doubleValue()).findFirst().orElse(null);
    for (Map<String, Object> r : runs) {
      if (!"ok".equals(r.get("status"))) {
        sb.append("| ").append(r.get("name")).append(" | ").append(r.get("status")).append(" | | | | | | | |\n");
        continue;
      }
      double eps = ((Number) r.get("examples_per_sec")).doubleValue();
      sb.append(String.format("| %s | %,.0f | %s | %.1f | %.1f | %s | %s | %.4f | %s |%n", r.get("name"), eps,
          single == null ? "-" : String.format("%.2f", eps / single), ((Number) r.get("training_s")).doubleValue(),
          ((Number) r.get("wall_s")).doubleValue(),
          r.get("time_to_target_s") == null ? "not reached" : String.format("%.1f", ((Number) r.get("time_to_target_s")).doubleValue()),
          ((List<Object>) r.get("epoch_accuracies")).stream().map(a -> String.format("%.4f", ((Number) a).doubleValue())).toList(),
          ((Number) r.get("final_accuracy")).doubleValue(),
          r.get("peak_rss_bytes") == null ? "-" : String.format("%.2f", ((Number) r.get("peak_rss_bytes")).doubleValue() / (1L << 30))));
    }
    if (report.get("gemm_ceiling") instanceof Map<?, ?> g) {
      sb.append(String.format("%nCeiling: the machine's measured SGEMM rate, %s GFLOP/s (ND4J's BLAS %s, PyTorch's %s); "
          + "each run's achieved GFLOP/s is given as a share of it below.%n", num(g.get("ceiling_gflops"), "%.0f"),
          num(g.get("nd4j_sgemm_gflops"), "%.0f"), num(g.get("pytorch_sgemm_gflops"), "%.0f")));
    }
    sb.append(breakdown(runs));
    sb.append(scaling(runs));
    return sb.toString();
  }

  /** The scaling model (see {@link ScalingModel}) fed with each sparktune run's measurements. */
  private static String scaling(List<Map<String, Object>> runs) {
    return scaling(runs, "sparktune-parameter-averaging", "parameter averaging", "state")
        + scaling(runs, "sparktune-gradient-sharing", "gradient sharing (one-bit)", "update")
        + scaling(runs, "sparktune-gradient-sharing-dense", "gradient sharing (dense)", "gradient");
  }

  @SuppressWarnings("unchecked")
  private static String scaling(List<Map<String, Object>> runs, String run, String strategy, String payload) {
    Map<String, Object> b = runs.stream().filter(r -> run.equals(r.get("name"))
        && r.get("last_epoch_breakdown") != null).map(r -> (Map<String, Object>) r.get("last_epoch_breakdown"))
        .findFirst().orElse(null);
    if (b == null || !(b.get("round-busy-quantiles-s") instanceof List<?> q) || q.size() < 2) {
      return "";
    }
    ScalingModel.Measured m = ScalingModel.Measured.fromBreakdown(b);
    double measuredRound = ((Number) b.get("seconds-per-round")).doubleValue();
    List<Double> quantiles = m.busyQuantiles();
    List<Integer> sizes = List.of(2, 4, 8, 16);
    StringBuilder sb = new StringBuilder(String.format("%nScaling model for sparktune " + strategy + " on a 10 Gbit/s "
        + "network (see README \"Performance\"), fed with this run's rounds at %d workers: %.3f s compute per round, "
        + "busy time per round (all but waiting) mean %.3f s, median %.3f, 90th percentile %.3f, 99th %.3f; hub "
        + "%.4f s per round after the last arrival; %.3f MB " + payload + " sent and %.3f MB received per worker and "
        + "round. Round measured %.3f s, modelled at %d workers %.3f s (independent workers: the check of the "
        + "model's assumption):%n%n| executors |", m.workers(), m.computeSeconds(), m.meanBusySeconds(),
        quantiles.get(quantiles.size() / 2), ScalingModel.quantile(quantiles, 0.9), ScalingModel.quantile(quantiles, 0.99), m.hubSeconds(),
        m.bytesSent() / 1e6, m.bytesReceived() / 1e6, measuredRound, m.workers(),
        ScalingModel.roundSeconds(m, m.workers(), 10e9)));
    sizes.forEach(n -> sb.append(' ').append(n).append(" |"));
    sb.append("\n|---|").append("---|".repeat(sizes.size())).append("\n| efficiency |");
    ScalingModel.efficiency(m, 10e9, sizes).forEach((n, e) -> sb.append(String.format(" %.0f%% |", 100 * e)));
    return sb.append('\n').toString();
  }

  /** GFLOP/s and, per run, where its last epoch's time went (seconds per worker) and what it sent. */
  @SuppressWarnings("unchecked")
  private static String breakdown(List<Map<String, Object>> runs) {
    StringBuilder sb = new StringBuilder("\n| run | achieved GFLOP/s | of ceiling | epoch wall s | compute | data wait "
        + "| averaging | waiting for slowest | task model setup | Spark + driver | rounds | MB sent per worker step |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : runs) {
      if (!"ok".equals(r.get("status"))) {
        continue;
      }
      Map<String, Object> b = (Map<String, Object>) r.get("last_epoch_breakdown");
      Map<String, Object> times = (Map<String, Object>) r.get("last_epoch_times_s");
      sb.append("| ").append(r.get("name")).append(" | ").append(num(r.get("achieved_gflops"), "%.1f")).append(" | ")
          .append(r.get("share_of_ceiling") instanceof Number f ? String.format("%.0f%%", 100 * f.doubleValue()) : "-")
          .append(" | ");
      if (b != null) {
        sb.append(num(b.get("wall"), "%.1f")).append(" | ").append(num(b.get("compute"), "%.1f")).append(" | ")
            .append(num(b.get("data-wait"), "%.1f")).append(" | ").append(num(b.get("averaging"), "%.1f")).append(" | ")
            .append(num(b.get("waiting-for-slowest-worker"), "%.1f")).append(" | ")
            .append(num(b.get("task-model-setup"), "%.2f")).append(" | ")
            .append(num(b.get("spark-scheduling-and-driver"), "%.1f")).append(" | ").append(b.get("rounds")).append(" | ")
            .append(b.get("bytes-sent-per-worker-step") instanceof Number n ? String.format("%.2f", n.doubleValue() / 1e6)
                : "-").append(" |\n");
      } else if (times != null) {
        sb.append(num(times.get("wall"), "%.1f")).append(" | ").append(num(times.get("training-steps"), "%.1f"))
            .append(" | ").append(num(times.get("data-shuffle-wait"), "%.1f")).append(" | - | - | - | ")
            .append(num(times.get("driver-and-idle"), "%.1f")).append(" | - | - |\n");
      } else {
        sb.append("- | - | - | - | - | - | - | - | - |\n");
      }
    }
    return sb.toString();
  }

  private static String num(Object o, String format) {
    return o instanceof Number n ? String.format(format, n.doubleValue()) : "-";
  }

  static void requireFile(String uri) {
    if (!HadoopFiles.exists(HadoopFiles.path(uri))) {
      throw new BadInputException("Benchmark data '" + uri + "' is missing. Install it with "
          + "'apt-get install -y dataset-fashion-mnist' (see bench/README.md).");
    }
  }
}
