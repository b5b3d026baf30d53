package io.sparktune.config;

import com.typesafe.config.Config;

/**
 * {@code sparktune.evaluation}, {@code sparktune.checkpoint} and {@code sparktune.output}: what a run
 * measures and where it writes.
 *
 * @param topK top-k accuracy reported besides top-1
 * @param evalBatchSize examples per evaluation minibatch
 * @param headOnlyBaseline also train and report a head-only baseline
 * @param worstExamples worst-predicted examples in the error analysis, 0 = none
 * @param importance feature importance of the final model
 * @param linearBaseline also fit and report MLlib logistic regression on the same features
 * @param linearBaselineIterations its L-BFGS iterations
 * @param linearBaselineRegularization its L2 strength
 * @param checkpointEvery epochs between checkpoints, 0 = only at the end
 * @param checkpointKeep complete checkpoints kept
 * @param checkpointUri checkpoint directory, "" = under the output
 * @param outputUri output directory
 */
public record RunSettings(int topK, int evalBatchSize, boolean headOnlyBaseline, int worstExamples,
    FeatureImportance importance, boolean linearBaseline, int linearBaselineIterations,
    double linearBaselineRegularization, int checkpointEvery, int checkpointKeep, String checkpointUri, String outputUri) {
  static RunSettings fromConfig(Config c, ConfigProblems p) {
    String r = ConfigLoader.ROOT + ".";
    return new RunSettings(p.intIn(r + "evaluation.top-k", 1, 1000),
        p.intIn(r + "evaluation.batch-size", 1, 65_536), p.bool(r + "evaluation.head-only-baseline"),
        p.intIn(r + "evaluation.worst-examples", 0, 10_000),
        new FeatureImportance(p.bool(r + "evaluation.feature-importance.enabled"),
            p.intIn(r + "evaluation.feature-importance.max-examples", 1, 1_000_000),
            p.intIn(r + "evaluation.feature-importance.repeats", 1, 100),
            p.intIn(r + "evaluation.feature-importance.patch", 1, 1024)),
        p.bool(r + "evaluation.linear-baseline.enabled"),
        p.intIn(r + "evaluation.linear-baseline.max-iterations", 1, 10_000),
        p.doubleIn(r + "evaluation.linear-baseline.regularization", 0, 100, false),
        p.intIn(r + "checkpoint.every-epochs", 0, 10_000), p.intIn(r + "checkpoint.keep", 1, 1000),
        p.string(r + "checkpoint.uri"), p.requiredString(r + "output.uri", "the output directory"));
  }

  /**
   * {@code evaluation.feature-importance}.
   *
   * @param enabled compute it for the final model
   * @param maxExamples validation examples used
   * @param repeats shuffles per feature (permutation importance)
   * @param patch occlusion patch side and stride, pixels
   */
  public record FeatureImportance(boolean enabled, int maxExamples, int repeats, int patch) {}

  public String checkpointDir() {
    return checkpointUri.isBlank() ? outputUri.replaceAll("/+$", "") + "/checkpoints" : checkpointUri;
  }
}
