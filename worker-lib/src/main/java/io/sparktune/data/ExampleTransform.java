package io.sparktune.data;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * A random change of each raw training example, applied on the executors before batching (data
 * augmentation). {@code rnd} is seeded by the run's seed, the epoch and the example's origin, so the
 * result is reproducible and does not depend on how the data is partitioned.
 */
public interface ExampleTransform extends Serializable {
  Record apply(Record example, SplittableRandom rnd);
}
