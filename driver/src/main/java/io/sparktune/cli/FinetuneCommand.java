package io.sparktune.cli;

import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.FineTuneJob;
import io.sparktune.job.OutputLock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparktune finetune}: adapt a pre-trained model and fine-tune it data-parallel on Spark. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
    description = "Fine-tune a pre-trained network on Spark and write the model, metrics and provenance.")
final class FinetuneCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Option(names = "--resume", description = "Continue from the newest complete checkpoint of this run.")
  boolean resume;

  @Override
  public Integer call() {
    FineTuneSettings s = options.settings();
    try (OutputLock lock = options.lockOutput(s, "finetune")) {
      new FineTuneJob(s, resume, options.overwrite).run();
    }
    return SparktuneCli.OK;
  }
}
