package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.CompareJob;
import io.sparktune.job.OutputLock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune compare}: A/B comparison of two models on the same data. */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = "Compare two models on the same data: per-metric differences with paired-bootstrap confidence "
        + "intervals, McNemar's test on accuracy, the degradation check of B against A, and a verdict.")
final class CompareCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--a", required = true, paramLabel = "URI", description = "Model A, the reference (a run "
      + "directory or model file).")
  String a;

  @Option(names = "--b", required = true, paramLabel = "URI", description = "Model B, the candidate.")
  String b;

  @Option(names = "--data", paramLabel = "URI", description = "The data to compare on; overrides data.train-uri.")
  String data;

  @Override
  public Integer call() {
    options.set("data.train-uri", data);
    // model.uri is required by the settings but unused here: A and B name the models
    options.set("model.uri", a);
    FineTuneSettings s = options.settings();
    try (OutputLock lock = OutputLock.take(s, "compare", Map.of("--a", a, "--b", b))) {
      new CompareJob(s, a, b, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
