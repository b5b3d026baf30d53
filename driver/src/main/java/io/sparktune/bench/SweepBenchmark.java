package io.sparktune.bench;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.sweep.SweepJob;
import io.sparktune.sweep.SweepResults;
import io.sparktune.sweep.Trial;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweep experiment on a fine-tune (normally the quickstart): (1) a full grid against ASHA over the
 * same grid: best validation accuracy and the epochs each spent; (2) TPE against random search at the
 * same budget (trials x epochs), over several seeds: the mean best accuracy. Each sweep is a real
 * {@link SweepJob} on the embedded Spark.
 */
public final class SweepBenchmark {
  /** A discrete space, so the grid and ASHA see the same configurations. */
  static final String GRID_SPACE = "sweep.space={\"training.learning-rate\" { choice = [0.0003, 0.001, 0.003] }, "
      + "\"training.batch-size-per-worker\" { choice = [16, 64] }, "
      + "\"model.adapt.freeze-up-to\" { choice = [\"\", dense_1] }}";
  /** A continuous space for the model-based search. */
  static final String SEARCH_SPACE = "sweep.space={\"training.learning-rate\" { log-uniform = [1e-5, 3e-2] }, "
      + "\"training.batch-size-per-worker\" { choice = [16, 32, 64, 128] }, "
      + "\"model.adapt.freeze-up-to\" { choice = [\"\", dense_1] }}";

  private final File config;
  private final List<String> sets;
  private final Path results;
  private final String name;
  private final List<Long> seeds;
  private final int gridEpochs;
  private final int searchTrials;
  private final int searchEpochs;

  public SweepBenchmark(File config, List<String> sets, Path results, String name, List<Long> seeds, int gridEpochs,
      int searchTrials, int searchEpochs) {
    this.config = config;
    this.sets = sets;
    this.results = results;
    this.name = name;
    this.seeds = seeds;
    this.gridEpochs = gridEpochs;
    this.searchTrials = searchTrials;
    this.searchEpochs = searchEpochs;
  }

  public Map<String, Object> run() throws Exception {
    Path work = Files.createTempDirectory("sparktune-sweep-bench-");
    Map<String, Object> report = BenchmarkRunner.report(name, "bin/sparktune bench --experiment sweep --config "
        + config.getPath() + " --name " + name + " --seeds " + String.join(",", seeds.stream().map(String::valueOf).toList())
        + " --search-trials " + searchTrials + (gridEpochs == 0 ? " --no-grid" : ""),
        sets, settings(work.resolve("probe"), List.of()).model().uri());
    if (gridEpochs > 0) {
      report.put("grid", summary(sweep(work.resolve("grid"), List.of(GRID_SPACE, "sweep.algorithm=grid",
          "sweep.early-stopping.type=none", "training.epochs=" + gridEpochs))));
      report.put("asha", summary(sweep(work.resolve("asha"), List.of(GRID_SPACE, "sweep.algorithm=grid",
          "sweep.early-stopping.type=asha", "sweep.early-stopping.min-epochs=1",
          "sweep.early-stopping.reduction-factor=3", "training.epochs=" + gridEpochs))));
    }
    List<Map<String, Object>> search = new ArrayList<>();
    for (long seed : seeds) {
      for (String algorithm : List.of("random", "tpe")) {
        Map<String, Object> s = summary(sweep(work.resolve(algorithm + "-" + seed), List.of(SEARCH_SPACE,
            "sweep.algorithm=" + algorithm, "sweep.early-stopping.type=none", "sweep.max-trials=" + searchTrials,
            "sweep.tpe.startup-trials=" + Math.max(2, searchTrials / 3), "training.epochs=" + searchEpochs,
            "seed=" + seed)));
        s.put("algorithm", algorithm);
        s.put("seed", seed);
        search.add(s);
      }
    }
    report.put("search", search);
    BenchmarkRunner.writeResults(results, name, report, markdown(report));
    return report;
  }

  private FineTuneSettings settings(Path out, List<String> extra) {
    List<String> all = new ArrayList<>(List.of("evaluation.head-only-baseline=false",
        "evaluation.linear-baseline.enabled=false", "sweep.max-trials=1000"));
    all.addAll(sets);
    all.addAll(extra);
    all.add("output.uri=\"" + out + "\"");
    return FineTuneSettings.fromConfig(ConfigLoader.load(config, all));
  }

  private SweepResults sweep(Path out, List<String> extra) {
    long t0 = System.nanoTime();
    SweepResults r = new SweepJob(settings(out, extra), false, true).run();
    lastSeconds = (System.nanoTime() - t0) / 1e9;
    return r;
  }

  private double lastSeconds;

  private Map<String, Object> summary(SweepResults r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trials", r.ranked().size());
    m.put("total-epochs", r.ranked().stream().mapToInt(Trial::epochs).sum());
    m.put("best-accuracy", r.best() == null ? null : r.best().score());
    m.put("best", r.best() == null ? null : r.best().values());
    m.put("seconds", lastSeconds);
    m.put("table", r.table());
    return m;
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> report) {
    Map<String, Object> grid = (Map<String, Object>) report.get("grid");
    Map<String, Object> asha = (Map<String, Object>) report.get("asha");
    StringBuilder sb = new StringBuilder("# ").append(report.get("benchmark")).append("\n\n");
    sb.append("Model `").append(report.get("model")).append("`. Command: `").append(report.get("command")).append("`\n\n");
    if (grid != null) {
      gridSection(sb, grid, asha);
    }
    searchSection(sb, (List<Map<String, Object>>) report.get("search"));
    if (grid != null) {
      sb.append("\n### Grid trials\n\n").append(((String) grid.get("table")).replaceFirst("# Sweep results\n\n", ""));
      sb.append("\n### ASHA trials\n\n").append(((String) asha.get("table")).replaceFirst("# Sweep results\n\n", ""));
    }
    sb.append("\nMachine: ").append(report.get("machine")).append('\n');
    return sb.toString();
  }

  private static void gridSection(StringBuilder sb, Map<String, Object> grid, Map<String, Object> asha) {
    sb.append("## Grid vs ASHA over the same 12 configurations\n\n");
    sb.append("| search | trials | epochs trained | share of the grid's epochs | best validation accuracy | gap to the grid's best | wall s | best configuration |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    double gridBest = num(grid, "best-accuracy");
    double gridEpochs = num(grid, "total-epochs");
    for (Map.Entry<String, Map<String, Object>> e : List.of(Map.entry("grid", grid), Map.entry("grid + ASHA (eta 3)", asha))) {
      Map<String, Object> m = e.getValue();
      sb.append(String.format("| %s | %.0f | %.0f | %.2f | %.4f | %+.2f pp | %.0f | %s |%n", e.getKey(), num(m, "trials"),
          num(m, "total-epochs"), num(m, "total-epochs") / gridEpochs, num(m, "best-accuracy"),
          100 * (num(m, "best-accuracy") - gridBest), num(m, "seconds"), m.get("best")));
    }
  }

  private static void searchSection(StringBuilder sb, List<Map<String, Object>> search) {
    sb.append("\n## TPE vs random search at the same budget\n\n");
    sb.append("| seed | random: best accuracy | TPE: best accuracy | TPE - random |\n|---|---|---|---|\n");
    double sumRandom = 0;
    double sumTpe = 0;
    int n = 0;
    for (int i = 0; i + 1 < search.size(); i += 2) {
      double random = num(search.get(i), "best-accuracy");
      double tpe = num(search.get(i + 1), "best-accuracy");
      sumRandom += random;
      sumTpe += tpe;
      n++;
      sb.append(String.format("| %s | %.4f | %.4f | %+.2f pp |%n", search.get(i).get("seed"), random, tpe,
          100 * (tpe - random)));
    }
    sb.append(String.format("| mean | %.4f | %.4f | %+.2f pp |%n", sumRandom / n, sumTpe / n, 100 * (sumTpe - sumRandom) / n));
  }

  private static double num(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number x ? x.doubleValue() : Double.NaN;
  }
}
