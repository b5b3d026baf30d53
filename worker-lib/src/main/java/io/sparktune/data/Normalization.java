package io.sparktune.data;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How raw features are normalised before they reach the network. The statistics come from one
 * distributed pass over the training split ({@link FeatureStatistics}) and are saved with the model.
 */
public enum Normalization {
  /** Pixels 0..255 scaled to 0..1: what MNIST-style pre-trained networks expect. */
  SCALE_0_1,
  /** Per-feature zero mean, unit variance. */
  STANDARDIZE,
  /** Per-feature min-max scaling to 0..1. */
  MIN_MAX,
  /** Features are used as read. */
  NONE;

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Normalization fromConfigName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  public static String allowed() {
    return String.join(", ", Arrays.stream(values()).map(Normalization::configName).toList());
  }

  public boolean needsStatistics() {
    return this == STANDARDIZE || this == MIN_MAX;
  }

  /** Builds the DL4J normaliser; {@code stats} may be null when {@link #needsStatistics()} is false. */
  public DataNormalization build(FeatureStatistics stats) {
    switch (this) {
      case SCALE_0_1:
        return new ImagePreProcessingScaler(0, 1);
      case STANDARDIZE: {
        return new NormalizerStandardize(Nd4j.createFromArray(stats.mean()).reshape(1, -1),
            Nd4j.createFromArray(stats.std()).reshape(1, -1));
      }
      case MIN_MAX: {
        NormalizerMinMaxScaler n = new NormalizerMinMaxScaler(0, 1);
        n.setFeatureStats(Nd4j.createFromArray(stats.min()).reshape(1, -1),
            Nd4j.createFromArray(stats.max()).reshape(1, -1));
        return n;
      }
      default:
        return null;
    }
  }
}
