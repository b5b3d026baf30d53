package io.sparktune.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The shape a network wants each example in: a flat vector, an image, or a sequence of token ids.
 *
 * @param channels image channels (1 for a flat vector)
 * @param height image height (1 for a flat vector)
 * @param width image width, or the vector length
 * @param image true to emit image batches, false for {@code [n, c*h*w]}
 * @param channelsLast for images: {@code [n, h, w, c]} (NHWC, e.g. Keras channels-last CNNs) instead of
 *     {@code [n, c, h, w]} (NCHW)
 * @param sequence token ids for an embedding layer: {@code [n, width]} with a features mask that is 0 on
 *     padding (id 0) and 1 on tokens
 */
public record FeatureLayout(int channels, int height, int width, boolean image, boolean channelsLast,
    boolean sequence) implements Serializable {

  public static FeatureLayout flat(int size) {
    return new FeatureLayout(1, 1, size, false, false, false);
  }

  public static FeatureLayout image(int[] chw, boolean channelsLast) {
    return new FeatureLayout(chw[0], chw[1], chw[2], true, channelsLast, false);
  }

  /** Token id sequences of {@code length} (padded with id 0, which the mask hides). */
  public static FeatureLayout sequence(int length) {
    return new FeatureLayout(1, 1, length, false, false, true);
  }

  public int size() {
    return channels * height * width;
  }

  public long[] batchShape(int n) {
    if (!image) {
      return new long[] {n, size()};
    }
    return channelsLast ? new long[] {n, height, width, channels} : new long[] {n, channels, height, width};
  }

  @Override
  public String toString() {
    if (sequence) {
      return "sequence of " + width + " token ids";
    }
    return image
        ? "image " + channels + "x" + height + "x" + width + (channelsLast ? " (NHWC)" : " (NCHW)")
        : "vector of " + size() + " features";
  }

  /** Shape without the minibatch dimension, for messages. */
  public String shapeText() {
    long[] s = batchShape(1);
    return Arrays.toString(Arrays.copyOfRange(s, 1, s.length));
  }
}
