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
    if (net.twoInputs() && t.onDl4jMaster()) {
      throw new io.sparktune.BadInputException("The model has two inputs (token ids and numeric features); DL4J's "
          + "training masters (training.parameter-averaging.implementation = dl4j, "
          + "training.gradient-sharing.implementation = dl4j) feed a network one input, so use sparktune's "
          + "implementations or single-node.");
    }
    return switch (strategy) {
      case "gradient-sharing" -> t.sharingImplementation().equals("dl4j")
          ? new Dl4jGradientSharingStrategy(sc, net, t, workers, seed)
          : new HubStrategy(sc, net, t, workers, HubStrategy.Exchange.GRADIENTS, seed);
      case "single-node" -> new SingleNodeStrategy(net);
      default -> t.averagingImplementation().equals("dl4j") ? new Dl4jParameterAveragingStrategy(sc, net, t, workers, seed)
          : new HubStrategy(sc, net, t, workers, HubStrategy.Exchange.PARAMETERS, seed);
    };
  }
}
