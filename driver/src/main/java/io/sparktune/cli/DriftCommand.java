package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.DriftJob;
import io.sparktune.job.OutputLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune drift}: how far a data set has drifted from what a model was trained on. */
@Command(name = "drift", mixinStandardHelpOptions = true,
    description = "Measure the drift of a data set from the data a model was trained on (per-feature PSI and KS, "
        + "class prior, embedding shift, unknown tokens), against the data-profile.json saved with the model; "
        + "writes drift.json.")
final class DriftCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--model", paramLabel = "URI", description = "The model (a run or registry version directory, or "
      + "its model.zip); overrides model.uri.")
  String model;

  @Option(names = "--data", paramLabel = "URI", description = "The new data; overrides data.train-uri.")
  String data;

  @Override
  public Integer call() {
    options.set("model.uri", model);
    options.set("data.train-uri", data);
    FineTuneSettings s = options.settings();
    try (OutputLock lock = options.lockOutput(s, "drift")) {
      new DriftJob(s, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
