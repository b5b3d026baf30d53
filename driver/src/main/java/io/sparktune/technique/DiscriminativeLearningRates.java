package io.sparktune.technique;

import java.util.Map;

/**
 * Discriminative fine-tuning (Howard and Ruder 2018, ULMFiT): lower layers, whose features are more
 * general, learn slower. The top tunable layer keeps the base rate and each layer below gets the rate
 * of the layer above divided by {@code decay}; explicit multipliers by layer name apply on top.
 */
public final class DiscriminativeLearningRates implements FineTuneTechnique {
  private final double decay;
  private final Map<String, Double> multipliers;

  /** @param multipliers layer name to its multiplier (resolved and checked by {@link TechniquePlan}) */
  public DiscriminativeLearningRates(double decay, Map<String, Double> multipliers) {
    this.decay = decay;
    this.multipliers = Map.copyOf(multipliers);
  }

  @Override
  public String name() {
    return "layer-learning-rates";
  }

  @Override
  public boolean setsLayerRates() {
    return true;
  }

  @Override
  public double rateFactor(TunableLayer layer, int epoch, int epochs) {
    double m = Math.pow(decay, -layer.depth());
    return m * multipliers.getOrDefault(layer.name(), 1.0);
  }
}
