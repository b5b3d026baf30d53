package io.sparktune.model;

import java.util.Arrays;
import java.util.Locale;

/** The kinds of pre-trained model sparktune reads. */
public enum ModelFormat {
  /** Chosen from the file name: .zip, .h5/.hdf5, or .json (Keras if a weights file is given, else DL4J). */
  AUTO,
  /** A DL4J ModelSerializer zip (MultiLayerNetwork or ComputationGraph). */
  DL4J_ZIP,
  /** A Keras model saved with weights in one HDF5 file. */
  KERAS_H5,
  /** A Keras JSON architecture plus an HDF5 weights file (model.weights-uri). */
  KERAS_JSON,
  /** A DL4J JSON network configuration: a new network, initialised from the seed. */
  DL4J_JSON;

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ModelFormat fromConfigName(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  public static String allowed() {
    return String.join(", ", Arrays.stream(values()).map(ModelFormat::configName).toList());
  }

  /** Resolves AUTO from the file name and whether a separate weights file was given. */
  public ModelFormat resolve(String uri, boolean hasWeights) {
    if (this != AUTO) {
      return this;
    }
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".zip")) {
      return DL4J_ZIP;
    }
    if (lower.endsWith(".h5") || lower.endsWith(".hdf5") || lower.endsWith(".keras")) {
      return KERAS_H5;
    }
    if (lower.endsWith(".json")) {
      return hasWeights ? KERAS_JSON : DL4J_JSON;
    }
    return null;
  }
}
