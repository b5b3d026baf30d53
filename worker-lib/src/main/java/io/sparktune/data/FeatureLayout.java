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
 * @param numbers numeric features after the token ids, for a network's second input (text + tabular); 0
 *     for single-input networks
 */
public record FeatureLayout(int channels, int height, int width, boolean image, boolean channelsLast,
    boolean sequence, int numbers) implements Serializable {

  public static FeatureLayout flat(int size) {
    return new FeatureLayout(1, 1, size, false, false, false, 0);
  }

  public static FeatureLayout image(int[] chw, boolean channelsLast) {
    return new FeatureLayout(chw[0], chw[1], chw[2], true, channelsLast, false, 0);
  }

  /** Token id sequences of {@code length} (padded with id 0, which the mask hides). */
  public static FeatureLayout sequence(int length) {
    return sequenceWithNumbers(length, 0);
  }

  /**
   * Token id sequences of {@code length} followed by {@code numbers} numeric features: {@code [n, length +
   * numbers]}, the mask {@code [n, length]} over the tokens; a two-input network takes them apart.
   */
  public static FeatureLayout sequenceWithNumbers(int length, int numbers) {
    return new FeatureLayout(1, 1, length, false, false, true, numbers);
  }

  public int size() {
    return channels * height * width + numbers;
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
      return "sequence of " + width + " token ids" + (numbers > 0 ? " and " + numbers + " numeric features" : "");
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
