package io.sparktune.train;

import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import org.apache.spark.api.java.JavaSparkContext;

/** Builds the configured {@link TrainingStrategy}. */
public final class TrainingStrategies {
  private TrainingStrategies() {}

  /** Builds the strategy named {@code strategy} (a training.strategy value) with the settings in {@code t}. */
  public static TrainingStrategy create(JavaSparkContext sc, Network net, TrainingSettings t, String strategy,
      int workers, long seed) {
    boolean dl4jMaster = strategy.equals("gradient-sharing")
        || (strategy.equals("parameter-averaging") && t.averagingImplementation().equals("dl4j"));
    if (net.twoInputs() && dl4jMaster) {
      throw new io.sparktune.BadInputException("The model has two inputs (token ids and numeric features); DL4J's "
          + "training masters (training.strategy = gradient-sharing, training.parameter-averaging.implementation = "
          + "dl4j) feed a network one input, so use sparktune's parameter averaging or single-node.");
    }
    return switch (strategy) {
      case "gradient-sharing" -> new GradientSharingStrategy(sc, net, t, workers, seed);
      case "single-node" -> new SingleNodeStrategy(net);
      default -> t.averagingImplementation().equals("dl4j") ? new Dl4jParameterAveragingStrategy(sc, net, t, workers, seed)
          : new ParameterAveragingStrategy(sc, net, t, workers);
    };
  }
}
