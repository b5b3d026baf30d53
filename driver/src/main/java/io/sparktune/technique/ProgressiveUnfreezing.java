package io.sparktune.technique;

/**
 * Gradual unfreezing (Howard and Ruder 2018, ULMFiT): the first epochs train only the top group of
 * tunable layers; every {@code epochsPerGroup} epochs the next group down starts learning. A paused
 * layer has learning rate 0, so its parameters stay bit-identical, while its updater keeps running
 * (Adam's moments are warm when it starts: no large first steps from bias-uncorrected moments, which a
 * network-wide iteration counter would otherwise cause for layers joining late). The backward pass
 * still runs through paused layers; that is the price of unfreezing without rebuilding the network.
 */
public final class ProgressiveUnfreezing implements FineTuneTechnique {
  private final int groupSize;
  private final int epochsPerGroup;

  public ProgressiveUnfreezing(int groupSize, int epochsPerGroup) {
    this.groupSize = groupSize;
    this.epochsPerGroup = epochsPerGroup;
  }

  @Override
  public String name() {
    return "progressive-unfreezing";
  }

  /** Tunable layers (from the top) that learn in {@code epoch}. */
  public int learningLayers(int epoch) {
    return groupSize * (1 + (epoch - 1) / epochsPerGroup);
  }

  @Override
  public double rateFactor(TunableLayer layer, int epoch, int epochs) {
    return layer.depth() < learningLayers(epoch) ? 1 : 0;
  }

  @Override
  public boolean variesByEpoch() {
    return true;
  }
}
