package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.OutputLock;
import io.sparktune.sweep.SweepJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune sweep}: a hyperparameter sweep over the configured fine-tune (sparktune.sweep). */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = "Search fine-tune settings (sparktune.sweep: grid, random or TPE, with ASHA or median early "
        + "stopping); trials run concurrently on the cluster; results, the best configuration and the best model in "
        + "the output directory.")
final class SweepCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--resume", description = "Continue the sweep in the output directory: finished trials are kept, "
      + "interrupted ones continue from their checkpoints.")
  boolean resume;

  @Override
  public Integer call() {
    FineTuneSettings s = options.settings();
    try (OutputLock lock = options.lockOutput(s, "sweep")) {
      new SweepJob(s, resume, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
