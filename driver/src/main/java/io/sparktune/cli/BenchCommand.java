package io.sparktune.cli;

import io.sparktune.bench.BenchmarkRunner;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sparktune bench}: plain single-process DL4J against sparktune's strategies, side by side. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the same fine-tune as single-process DL4J and with each sparktune strategy, each in its own "
        + "JVM, and write examples/s, time to a target accuracy, final accuracy and peak memory.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The fine-tune to measure.")
  File config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting for every variant.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--target", defaultValue = "0.85", description = "Validation accuracy for time-to-target (default 0.85).")
  double target;

  @Option(names = "--results", defaultValue = "bench/results", description = "Directory for NAME.json and NAME.md.")
  Path results;

  @Option(names = "--name", defaultValue = "fashion-mnist-keras-cnn", description = "Benchmark name.")
  String name;

  @Option(names = "--experiment", defaultValue = "strategies",
      description = "strategies (single-process DL4J vs each strategy), frozen-feature-cache (cached vs uncached "
          + "frozen trunk vs DL4J's TransferLearningHelper), techniques (each fine-tuning technique vs full fine-tuning), "
          + "continual (old-task forgetting: plain fine-tuning vs EWC vs replay; a config with techniques.continual), imbalanced (class weights and re-sampling on "
          + "an imbalanced cut of the IDX training data), text (domain vocabulary and prefix tuning against full fine-tuning "
          + "of a text model; conf/examples/spam-text.conf), few-shot (prototype and linear-probe classifiers on the frozen trunk for k examples per class) or sweep "
          + "(grid vs ASHA over the same grid, TPE vs random search at equal budget) or memory (peak RSS, throughput and "
          + "accuracy under each memory control: workspace and cache modes, batch size, prefetch, single node) or scaling "
          + "(the scaling model checked: 1 and 2 executors on a standalone Spark cluster started on 127.0.0.1).")
  String experiment;

  @Option(names = "--seeds", split = ",", defaultValue = "42,7", paramLabel = "SEED,...",
      description = "Seeds each variant runs with (techniques, continual and few-shot experiments; default 42,7).")
  List<Long> seeds;

  @Option(names = "--shots", split = ",", defaultValue = "1,5,10,50", paramLabel = "K,...",
      description = "Few-shot experiment: labelled examples per class (default 1,5,10,50).")
  List<Integer> shots;

  @Option(names = "--search-trials", defaultValue = "10", paramLabel = "N",
      description = "Sweep experiment: trials of each TPE and random search (default 10).")
  int searchTrials;

  @Option(names = "--no-grid", description = "Sweep experiment: only TPE against random search (no grid and ASHA).")
  boolean noGrid;

  @Option(names = "--only", defaultValue = "", paramLabel = "REGEX",
      description = "Strategies, techniques and continual experiments: run only the variants whose name matches (the first, the reference, always runs).")
  String only;

  @Override
  public Integer call() throws Exception {
    switch (experiment) {
      case "strategies" -> new BenchmarkRunner(config, overrides, target, results, name, only).run();
      case "frozen-feature-cache" -> new io.sparktune.bench.FeatureCacheBenchmark(config, overrides, results, name).run();
      case "techniques", "continual", "imbalanced", "text" -> new io.sparktune.bench.TechniquesBenchmark(experiment, config, overrides,
          results, name, seeds, only).run();
      case "scaling" -> new io.sparktune.bench.ScalingCheck(config, overrides, results, name).run();
      case "memory" -> new io.sparktune.bench.MemoryBenchmark(config, overrides, results, name).run();
      case "few-shot" -> new io.sparktune.bench.FewShotBenchmark(config, overrides, results, name, seeds, shots).run();
      case "sweep" -> new io.sparktune.bench.SweepBenchmark(config, overrides, results, name, seeds,
          noGrid ? 0 : 9, searchTrials, 2).run();
      default -> throw new io.sparktune.BadInputException("--experiment must be strategies, frozen-feature-cache, "
          + "techniques, continual, imbalanced, text, few-shot, sweep, memory or scaling, not '" + experiment + "'.");
    }
    return SparktuneCli.OK;
  }
}
