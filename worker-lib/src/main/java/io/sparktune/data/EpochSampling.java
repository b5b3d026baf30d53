package io.sparktune.data;

import java.io.Serializable;

/**
 * How each epoch's training examples are drawn and changed on the executors, in this order: class
 * re-sampling, then augmentation of every drawn example, then mixup of every minibatch. Null parts are
 * not applied.
 */
public record EpochSampling(ClassResampling resampling, ExampleTransform transform, Mixup mixup) implements Serializable {
  /** The examples as they are, each once per epoch. */
  public static final EpochSampling PLAIN = new EpochSampling(null, null, null);

  /** Examples per epoch (expected, under re-sampling) for a training set of {@code trainCount}. */
  public long examplesPerEpoch(long trainCount) {
    return resampling == null ? trainCount : resampling.expectedExamples();
  }

  /** True when the frozen trunk sees other inputs than the raw examples (augmentation, mixup). */
  public boolean changesExamples() {
    return transform != null || mixup != null;
  }
}
