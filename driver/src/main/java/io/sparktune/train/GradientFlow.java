package io.sparktune.train;

import io.sparktune.config.MonitoringSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-layer gradient flow of an epoch from the sampled sums of {@link LayerStatsAccumulator}: mean
 * gradient, update and parameter norms and the update/parameter ratio, and a status per layer
 * ("ok", "vanishing", "exploding", "non-finite" or "frozen"). A healthy ratio is about 1e-3
 * (Karpathy's rule of thumb); far below it a layer barely learns, far above it each step rewrites it.
 */
public final class GradientFlow {
  private GradientFlow() {}

  /** One entry per layer, in network order. */
  public static List<Map<String, Object>> summarise(Map<String, double[]> sums, Set<String> trainable,
      MonitoringSettings m) {
    List<Map<String, Object>> layers = new ArrayList<>();
    for (Map.Entry<String, double[]> e : sums.entrySet()) {
      double[] s = e.getValue();
      double n = s[LayerStatsAccumulator.SAMPLES];
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("layer", e.getKey());
      l.put("samples", (long) n);
      l.put("gradient-norm", n > 0 ? s[LayerStatsAccumulator.GRADIENT] / n : null);
      l.put("update-norm", n > 0 ? s[LayerStatsAccumulator.UPDATE] / n : null);
      l.put("parameter-norm", n > 0 ? s[LayerStatsAccumulator.PARAMETER] / n : null);
      double ratio = n > 0 ? s[LayerStatsAccumulator.RATIO] / n : Double.NaN;
      l.put("update-ratio", n > 0 ? ratio : null);
      l.put("status", status(trainable.contains(e.getKey()), ratio, s[LayerStatsAccumulator.NON_FINITE] > 0, m));
      layers.add(l);
    }
    return layers;
  }

  static String status(boolean trainable, double ratio, boolean nonFinite, MonitoringSettings m) {
    if (nonFinite) {
      return "non-finite";
    }
    if (!trainable) {
      return "frozen";
    }
    if (Double.isNaN(ratio)) {
      return "unsampled";
    }
    return ratio < m.vanishingRatio() ? "vanishing" : ratio > m.explodingRatio() ? "exploding" : "ok";
  }

  /** One sentence per flagged layer (empty when all are ok or frozen). */
  public static List<String> warnings(List<Map<String, Object>> layers, MonitoringSettings m) {
    List<String> w = new ArrayList<>();
    for (Map<String, Object> l : layers) {
      String status = (String) l.get("status");
      switch (status) {
        case "vanishing" -> w.add(String.format("layer %s: vanishing updates (update/parameter ratio %.2g < %.2g): it "
            + "barely learns; raise the learning rate or check for saturated activations.", l.get("layer"),
            (Double) l.get("update-ratio"), m.vanishingRatio()));
        case "exploding" -> w.add(String.format("layer %s: exploding updates (update/parameter ratio %.2g > %.2g): "
            + "lower the learning rate.", l.get("layer"), (Double) l.get("update-ratio"), m.explodingRatio()));
        case "non-finite" -> w.add("layer " + l.get("layer") + ": NaN or infinite gradients or parameters.");
        default -> { }
      }
    }
    return w;
  }
}
