package io.sparktune.bench;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory experiment: the same fine-tune under each memory control DL4J has (workspace mode, cache mode,
 * batch size per worker, prefetch depth, and the single-node strategy), each in its own JVM, with its peak
 * RSS, training throughput and final accuracy side by side, so a user can see what each setting costs and
 * saves before fitting a larger model.
 */
public final class MemoryBenchmark {
  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;

  public MemoryBenchmark(File config, List<String> sets, Path results, String name) {
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
  }

  /** The variants: name and the settings it changes from the configuration's own. */
  static Map<String, List<String>> variants() {
    Map<String, List<String>> v = new LinkedHashMap<>();
    v.put("defaults", List.of());
    v.put("workspaces-none", List.of("training.memory.workspace-mode=none"));
    v.put("cache-mode-host", List.of("training.memory.cache-mode=host"));
    v.put("batch-8", List.of("training.batch-size-per-worker=8"));
    v.put("batch-128", List.of("training.batch-size-per-worker=128"));
    v.put("prefetch-0", List.of("training.parameter-averaging.prefetch=0"));
    v.put("prefetch-16", List.of("training.parameter-averaging.prefetch=16"));
    v.put("single-node", List.of("training.strategy=single-node"));
    // the first variant again: how far two runs of the same setting differ (the JVM's heap grows as its GC lets it)
    v.put("defaults-again", List.of());
    return v;
  }

  public Map<String, Object> run() throws Exception {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(config, sets));
    BenchmarkRunner.requireFile(s.data().trainUri());
    Path work = Files.createTempDirectory("sparktune-memory-bench-");
    List<Map<String, Object>> runs = new ArrayList<>();
    for (Map.Entry<String, List<String>> v : variants().entrySet()) {
      List<String> all = new ArrayList<>(sets);
      all.addAll(v.getValue());
      all.addAll(List.of("evaluation.head-only-baseline=false", "evaluation.linear-baseline.enabled=false",
          "evaluation.feature-importance.enabled=false", "evaluation.worst-examples=0"));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("variant", v.getKey());
      r.put("settings", v.getValue());
      try {
        Map<String, Object> m = ChildRun.fineTune(v.getKey(), config, all, work);
        r.put("peak-rss-bytes", m.get("peak-rss-bytes"));
        r.put("examples-per-second", m.get("examples-per-second"));
        r.put("final-accuracy", ((Map<?, ?>) m.get("final")).get("accuracy"));
      } catch (IllegalStateException e) {
        r.put("error", e.getMessage());
      }
      runs.add(r);
    }
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment memory --config "
        + config.getPath() + " --name " + name, sets,
        s.model().uri());
    report.put("epochs", s.training().epochs());
    report.put("jvm", BenchmarkRunner.javaCommand().stream().filter(a -> a.startsWith("-Xmx")).toList());
    report.put("runs", runs);
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
    double base = runs.get(0).get("peak-rss-bytes") instanceof Number n ? n.doubleValue() : Double.NaN;
    StringBuilder sb = new StringBuilder("# ").append(report.get("benchmark")).append("\n\n");
    sb.append("Model `").append(report.get("model")).append("`, ").append(report.get("epochs"))
        .append(" epoch(s), each variant in its own JVM (peak RSS is the whole process: driver and local[2] "
            + "executors). Command: `").append(report.get("command")).append("`\n\n");
    sb.append("| variant | settings | peak RSS (GiB) | vs defaults | examples/s | final accuracy |\n|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : runs) {
      if (r.containsKey("error")) {
        sb.append("| ").append(r.get("variant")).append(" | ").append(r.get("settings")).append(" | failed: ")
            .append(r.get("error")).append(" | | | |\n");
        continue;
      }
      double rss = ((Number) r.get("peak-rss-bytes")).doubleValue();
      sb.append(String.format("| %s | %s | %.2f | %+.0f%% | %.0f | %.4f |%n", r.get("variant"),
          String.join(", ", (List<String>) r.get("settings")), rss / (1L << 30), 100 * (rss / base - 1),
          ((Number) r.get("examples-per-second")).doubleValue(), ((Number) r.get("final-accuracy")).doubleValue()));
    }
    sb.append("\nJVM options of every run: ").append(report.get("jvm")).append('\n');
    sb.append("\nMachine: ").append(report.get("machine")).append('\n');
    return sb.toString();
  }
}
