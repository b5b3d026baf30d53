package io.sparktune.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The shape a network wants each example in: a flat vector, or an image in NCHW order.
 *
 * @param channels image channels (1 for a flat vector)
 * @param height image height (1 for a flat vector)
 * @param width image width, or the vector length
 * @param image true to emit {@code [n, c, h, w]} batches, false for {@code [n, c*h*w]}
 */
public record FeatureLayout(int channels, int height, int width, boolean image) implements Serializable {

  public static FeatureLayout flat(int size) {
    return new FeatureLayout(1, 1, size, false);
  }

  public int size() {
    return channels * height * width;
  }

  public long[] batchShape(int n) {
    return image ? new long[] {n, channels, height, width} : new long[] {n, size()};
  }

  @Override
  public String toString() {
    return image
        ? "image " + channels + "x" + height + "x" + width + " (NCHW)"
        : "vector of " + size() + " features";
  }

  /** Shape without the minibatch dimension, for messages. */
  public String shapeText() {
    long[] s = batchShape(1);
    return Arrays.toString(Arrays.copyOfRange(s, 1, s.length));
  }
}
