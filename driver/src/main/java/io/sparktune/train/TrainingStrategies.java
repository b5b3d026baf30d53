package io.sparktune.train;

import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import org.apache.spark.api.java.JavaSparkContext;

/** Builds the configured {@link TrainingStrategy}. */
public final class TrainingStrategies {
  private TrainingStrategies() {}

  public static TrainingStrategy create(JavaSparkContext sc, Network net, TrainingSettings t, int workers, long seed) {
    return switch (t.strategy()) {
      case "gradient-sharing" -> new GradientSharingStrategy(sc, net, t, workers, seed);
      default -> new ParameterAveragingStrategy(sc, net, t, workers, seed);
    };
  }
}
