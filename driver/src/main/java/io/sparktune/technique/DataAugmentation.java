package io.sparktune.technique;

import io.sparktune.data.ExampleTransform;
import io.sparktune.data.ImageAugmentation;

/**
 * Image data augmentation on the executors (random shift, rotation, flip, cutout, noise: see
 * {@link ImageAugmentation}), seeded per example and epoch. The network sees a different variant of
 * each training image every epoch; validation images are left alone.
 */
public final class DataAugmentation implements FineTuneTechnique {
  private final ImageAugmentation augmentation;

  public DataAugmentation(ImageAugmentation augmentation) {
    this.augmentation = augmentation;
  }

  @Override
  public String name() {
    return "augmentation";
  }

  @Override
  public ExampleTransform trainingTransform() {
    return augmentation;
  }
}
