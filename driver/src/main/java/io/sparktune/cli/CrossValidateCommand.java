package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.CrossValidationJob;
import io.sparktune.job.OutputLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune cv}: stratified k-fold cross-validation of the fine-tune. */
@Command(name = "cv", mixinStandardHelpOptions = true,
    description = "Stratified k-fold cross-validation: one fine-tune per fold, then mean, spread and a 95% interval "
        + "of every metric (cv.json). Complete folds are reused when run again.")
final class CrossValidateCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--folds", paramLabel = "K", description = "Number of folds; overrides data.cross-validation.folds.")
  Integer folds;

  @Override
  public Integer call() {
    options.set("data.cross-validation.folds", folds);
    FineTuneSettings s = options.settings();
    try (OutputLock lock = options.lockOutput(s, "cv")) {
      new CrossValidationJob(s, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
