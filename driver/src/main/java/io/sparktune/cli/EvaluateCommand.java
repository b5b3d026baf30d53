package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.EvaluateJob;
import io.sparktune.job.OutputLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune evaluate}: distributed evaluation of a model on a data set. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a model (a run directory or model file) on every example of a data set.")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--model", paramLabel = "URI", description = "The model to evaluate; overrides model.uri.")
  String model;

  @Option(names = "--data", paramLabel = "URI", description = "The data to evaluate on; overrides data.train-uri.")
  String data;

  @Override
  public Integer call() {
    options.set("model.uri", model);
    options.set("data.train-uri", data);
    FineTuneSettings s = options.settings();
    try (OutputLock lock = options.lockOutput(s, "evaluate")) {
      new EvaluateJob(s, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
