package io.sparktune.model;

/**
 * Makes Keras CNNs saved channels-last run in DL4J M2.
 *
 * <p>DL4J M2 imports Keras convolution layers in NHWC but then inserts a Flatten preprocessor that
 * expects NCHW activations, so the forward pass fails. The repair is filled in by the Keras CNN work
 * (Foundation issue, item 12); until then this leaves networks untouched.
 */
final class KerasChannelsLast {
  private KerasChannelsLast() {}

  static void repair(Network net) {
    // see class javadoc
  }
}
