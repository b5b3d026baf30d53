package io.sparktune.data;

import java.io.Serializable;

/**
 * Standardisation of a regression target: networks train on (y - mean) / std, fitted on the training
 * split, and predictions are mapped back before any metric, so metrics are in the target's own units.
 */
public record TargetScale(double mean, double std) implements Serializable {
  public float scale(float y) {
    return (float) ((y - mean) / std);
  }

  public double unscale(double z) {
    return z * std + mean;
  }

  /** Fitted from the training targets; a constant target gets std 1. */
  public static TargetScale of(double mean, double std) {
    return new TargetScale(mean, std > 0 && Double.isFinite(std) ? std : 1.0);
  }
}
