package io.sparktune.technique;

import io.sparktune.data.ExampleTransform;
import io.sparktune.data.ImageAugmentation;
import io.sparktune.data.Mixup;

/**
 * Data augmentation on the executors: a random change of every training example (images: shift,
 * rotation, flip, cutout, noise, see {@link ImageAugmentation}; tabular data: Gaussian noise scaled to each
 * feature, see {@link io.sparktune.data.TabularNoise}), seeded per example and epoch, and optionally mixup
 * of every minibatch ({@link Mixup}). Validation examples are left alone.
 */
public final class DataAugmentation implements FineTuneTechnique {
  private final ExampleTransform examples;
  private final Mixup mixup;

  /** @param examples the per-example change, or null; @param mixup minibatch mixing, or null */
  public DataAugmentation(ExampleTransform examples, Mixup mixup) {
    this.examples = examples;
    this.mixup = mixup;
  }

  @Override
  public String name() {
    return mixup == null ? "augmentation" : examples == null ? "mixup" : "augmentation, mixup";
  }

  @Override
  public ExampleTransform trainingTransform() {
    return examples;
  }

  @Override
  public Mixup mixup() {
    return mixup;
  }
}
