package io.sparktune.cli;

import io.sparktune.retrain.RetrainJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code sparktune retrain}: one scheduled retraining of a registered model (sparktune.retrain). */
@Command(name = "retrain", mixinStandardHelpOptions = true,
    description = "Fine-tune the registry's production model on the data that arrived since it was made, compare "
        + "the result with production on the held-out data and promote it only if no gated metric degrades "
        + "(sparktune.retrain, sparktune.comparison.degradation). Safe to run from a scheduler: a lock keeps two "
        + "retrains of one model apart (exit code 3 when another holds it) and a killed retrain resumes when "
        + "started again.")
final class RetrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    new RetrainJob(options.config()).run();
    return SparktuneCli.OK;
  }
}
