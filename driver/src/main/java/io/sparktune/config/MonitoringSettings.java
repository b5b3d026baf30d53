package io.sparktune.config;

import com.typesafe.config.Config;

/**
 * {@code sparktune.monitoring}: gradient-flow sampling, its flags, plateau warnings and divergence
 * detection.
 *
 * @param layerStatsEvery sample per-layer norms every this many iterations per training thread, 0 = off
 * @param vanishingRatio update/parameter ratio below which a trainable layer is flagged vanishing
 * @param explodingRatio ratio above which a layer is flagged exploding
 * @param plateauEpochs epochs without validation improvement before a plateau warning, 0 = off
 * @param stopOnDivergence fail the run when training diverges, rather than only warn
 * @param lossBlowUp factor over the lowest recent loss that counts as divergence
 * @param dashboard serve the live dashboard while a fine-tune runs
 * @param dashboardHost address it binds
 * @param dashboardPort first port it tries
 */
public record MonitoringSettings(int layerStatsEvery, double vanishingRatio, double explodingRatio,
    int plateauEpochs, boolean stopOnDivergence, double lossBlowUp, boolean dashboard, String dashboardHost,
    int dashboardPort) {
  static MonitoringSettings fromConfig(Config c, ConfigProblems p) {
    String b = ConfigLoader.ROOT + ".monitoring.";
    return new MonitoringSettings(p.intIn(b + "layer-stats-every", 0, 1_000_000),
        p.doubleIn(b + "vanishing-ratio", 0, 1, true), p.doubleIn(b + "exploding-ratio", 0, 10, true),
        p.intIn(b + "plateau-epochs", 0, 10_000), p.bool(b + "divergence.stop"),
        p.doubleIn(b + "divergence.loss-blow-up", 1, 1e12, true), p.bool(b + "dashboard.enabled"),
        p.string(b + "dashboard.host"), p.intIn(b + "dashboard.port", 1024, 65535));
  }
}
