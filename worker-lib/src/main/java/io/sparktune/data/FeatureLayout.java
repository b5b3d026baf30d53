package io.sparktune.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The shape a network wants each example in: a flat vector, or an image in NCHW order.
 *
 * @param channels image channels (1 for a flat vector)
 * @param height image height (1 for a flat vector)
 * @param width image width, or the vector length
 * @param image true to emit image batches, false for {@code [n, c*h*w]}
 * @param channelsLast for images: {@code [n, h, w, c]} (NHWC, e.g. Keras channels-last CNNs) instead of
 *     {@code [n, c, h, w]} (NCHW)
 */
public record FeatureLayout(int channels, int height, int width, boolean image, boolean channelsLast)
    implements Serializable {

  public static FeatureLayout flat(int size) {
    return new FeatureLayout(1, 1, size, false, false);
  }

  public static FeatureLayout image(int[] chw, boolean channelsLast) {
    return new FeatureLayout(chw[0], chw[1], chw[2], true, channelsLast);
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
