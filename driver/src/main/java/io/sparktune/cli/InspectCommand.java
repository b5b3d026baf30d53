package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.config.InspectSettings;
import io.sparktune.job.InspectJob;
import io.sparktune.job.OutputLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune inspect}: a data quality report of a data set. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Report on a data set, computed on the cluster: examples, class balance, missing, constant and "
        + "out-of-range features, per-feature statistics, exact duplicates, conflicting labels, train/validation "
        + "leakage, outliers, likely label errors (confident learning on out-of-fold predictions of the configured "
        + "fine-tune) and a learning curve (sparktune.inspect); writes inspect.json and report.html.")
final class InspectCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "URI", description = "The data to inspect; overrides data.train-uri.")
  String data;

  @Override
  public Integer call() {
    options.set("data.train-uri", data);
    FineTuneSettings s = options.settings();
    InspectSettings inspect = InspectSettings.fromConfig(options.config());
    try (OutputLock lock = options.lockOutput(s, "inspect")) {
      new InspectJob(s, inspect, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
