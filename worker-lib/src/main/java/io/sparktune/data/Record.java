package io.sparktune.data;

import java.io.Serializable;

/**
 * One labelled example as read from a source, before normalisation and batching.
 *
 * @param features raw feature values, flattened (images: channel-major, then rows, then columns)
 * @param label class index in {@code [0, numClasses)}
 * @param origin where the example came from ("file:line" or "file#index"): used in error messages
 *     and as the stable key of the seeded train/validation split
 * @param slice the example's value of the slice column (per-slice metrics), "" when there is none
 * @param target the real-valued target of a regression example (0 for classification)
 */
public record Record(float[] features, int label, String origin, String slice, float target) implements Serializable {
  public Record(float[] features, int label, String origin) {
    this(features, label, origin, "", 0f);
  }

  public Record(float[] features, int label, String origin, String slice) {
    this(features, label, origin, slice, 0f);
  }

  /** The same example with other features (permutation importance, occlusion). */
  public Record withFeatures(float[] x) {
    return new Record(x, label, origin, slice, target);
  }
}
