package io.sparktune.config;

import com.typesafe.config.Config;

/**
 * All settings of a fine-tune (or evaluation) run, validated together: building it reports every
 * problem of every section at once.
 */
public record FineTuneSettings(long seed, SparkSettings spark, ModelSettings model, DataSettings data,
    TrainingSettings training, MonitoringSettings monitoring, RunSettings run, ComparisonSettings comparison,
    TechniqueSettings techniques, Config resolved) {

  public static FineTuneSettings fromConfig(Config resolved) {
    ConfigProblems p = new ConfigProblems(resolved);
    ConfigLoader.validateStructure(resolved, p);
    long seed = p.longIn(ConfigLoader.ROOT + ".seed", Long.MIN_VALUE, Long.MAX_VALUE);
    FineTuneSettings s = new FineTuneSettings(seed, SparkSettings.fromConfig(resolved, p),
        ModelSettings.fromConfig(resolved, p), DataSettings.fromConfig(resolved, p),
        TrainingSettings.fromConfig(resolved, p), MonitoringSettings.fromConfig(resolved, p),
        RunSettings.fromConfig(resolved, p),
        ComparisonSettings.fromConfig(resolved, p), TechniqueSettings.fromConfig(resolved, p), resolved);
    p.throwIfAny();
    return s;
  }

  /**
   * The same settings with one key changed (path relative to the sparktune root, e.g.
   * "data.cross-validation.fold"), validated again; {@code origin} says who set it.
   */
  public FineTuneSettings with(String path, Object value, String origin) {
    return fromConfig(resolved.withValue(ConfigLoader.ROOT + "." + path,
        com.typesafe.config.ConfigValueFactory.fromAnyRef(value, origin)));
  }

  /** The same settings with another output directory (the CLI's --output). */
  public FineTuneSettings withOutput(String outputUri) {
    return new FineTuneSettings(seed, spark, model, data, training, monitoring,
        new RunSettings(run.topK(), run.evalBatchSize(), run.headOnlyBaseline(), run.worstExamples(), run.importance(),
            run.linearBaseline(), run.linearBaselineIterations(), run.linearBaselineRegularization(),
            run.checkpointEvery(), run.checkpointKeep(),
            run.checkpointUri(), outputUri),
        comparison, techniques,
        resolved.withValue(ConfigLoader.ROOT + ".output.uri",
            com.typesafe.config.ConfigValueFactory.fromAnyRef(outputUri, "--output")));
  }
}
