package io.sparktune.train;

import java.util.Arrays;
import java.util.List;

/** How sparktune's gradient sharing sends a step ({@code training.gradient-sharing.encoding}). */
public enum SharingEncoding {
  /** Each task's update as one bit per parameter plus a scale per block, with error feedback ({@link OneBitEncoder}). */
  ONE_BIT("one-bit"),
  /** Each task's exact gradient, as 32-bit floats. */
  DENSE("dense");

  private final String configName;

  SharingEncoding(String configName) {
    this.configName = configName;
  }

  /** The value as written in a configuration. */
  public String configName() {
    return configName;
  }

  /** Every configuration value, the default first. */
  public static List<String> configNames() {
    return Arrays.stream(values()).map(SharingEncoding::configName).toList();
  }

  /** The encoding a configuration names (one of {@link #configNames()}). */
  public static SharingEncoding named(String configName) {
    return Arrays.stream(values()).filter(e -> e.configName.equals(configName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Unknown gradient-sharing encoding '" + configName
            + "'; allowed: " + configNames()));
  }
}
