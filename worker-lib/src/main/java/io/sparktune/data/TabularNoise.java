package io.sparktune.data;

import java.util.SplittableRandom;

/**
 * Gaussian noise augmentation for tabular examples: each raw feature gets {@code fraction} times its
 * training standard deviation times a standard normal draw, so the noise has the same relative size on
 * every feature whatever its unit.
 *
 * @param std each feature's standard deviation on the training split
 * @param fraction the noise's standard deviation as a fraction of the feature's
 */
public record TabularNoise(float[] std, double fraction) implements ExampleTransform {
  @Override
  public Record apply(Record example, SplittableRandom rnd) {
    float[] x = example.features().clone();
    for (int i = 0; i < x.length; i++) {
      x[i] += (float) (fraction * std[i] * rnd.nextGaussian());
    }
    return example.withFeatures(x);
  }
}
