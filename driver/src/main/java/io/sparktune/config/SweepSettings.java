package io.sparktune.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * {@code sparktune.sweep}: a hyperparameter sweep over the fine-tune configured beside it.
 *
 * @param algorithm grid, random or tpe
 * @param gridPoints grid: values per numeric key
 * @param tpeStartup tpe: random trials first
 * @param tpeGamma tpe: the good fraction
 * @param tpeCandidates tpe: draws per key
 * @param metric accuracy, macro-f1 or r2 (validation; higher is better)
 * @param earlyStopping none, asha, hyperband or median
 * @param minEpochs asha: the first rung
 * @param reductionFactor asha: eta
 * @param graceEpochs median: epochs before it applies
 * @param minTrials median: other trials needed at an epoch
 * @param maxTrials trials started at most
 * @param maxTotalEpochs epochs of all trials together at most (0 = no limit)
 * @param maxWallTime wall time at most (zero = no limit)
 * @param concurrentTrials trials at once (0 = task slots / trial workers)
 * @param trialWorkers data-parallel workers of each trial
 * @param space the searched keys (parsed by the sweep)
 */
public record SweepSettings(String algorithm, int gridPoints, int tpeStartup, double tpeGamma, int tpeCandidates,
    String metric, String earlyStopping, int minEpochs, int reductionFactor, int graceEpochs, int minTrials,
    int maxTrials, long maxTotalEpochs, Duration maxWallTime, int concurrentTrials, int trialWorkers, Config space) {

  public static final String SPACE = ConfigLoader.ROOT + ".sweep.space";
  public static final List<String> ALGORITHMS = List.of("grid", "random", "tpe");
  public static final List<String> METRICS = List.of("accuracy", "macro-f1", "r2");
  public static final List<String> EARLY_STOPPING = List.of("none", "asha", "hyperband", "median");

  /** Reads and checks the section of a configuration that {@link FineTuneSettings} already validated. */
  public static SweepSettings fromConfig(Config resolved) {
    ConfigProblems p = new ConfigProblems(resolved);
    String b = ConfigLoader.ROOT + ".sweep.";
    SweepSettings s = new SweepSettings(p.oneOf(b + "algorithm", ALGORITHMS), p.intIn(b + "grid-points", 1, 100),
        p.intIn(b + "tpe.startup-trials", 1, 100_000), p.doubleIn(b + "tpe.gamma", 0, 0.99, true),
        p.intIn(b + "tpe.candidates", 1, 100_000), p.oneOf(b + "metric", METRICS),
        p.oneOf(b + "early-stopping.type", EARLY_STOPPING), p.intIn(b + "early-stopping.min-epochs", 1, 10_000),
        p.intIn(b + "early-stopping.reduction-factor", 2, 100), p.intIn(b + "early-stopping.grace-epochs", 1, 10_000),
        p.intIn(b + "early-stopping.min-trials", 1, 100_000), p.intIn(b + "max-trials", 1, 100_000),
        p.longIn(b + "max-total-epochs", 0, Long.MAX_VALUE), p.durationAtLeast(b + "max-wall-time", Duration.ZERO),
        p.intIn(b + "concurrent-trials", 0, 10_000), p.intIn(b + "trial-workers", 1, 10_000),
        resolved.getConfig(SPACE));
    if (s.metric().equals("r2") != resolved.getString(ConfigLoader.ROOT + ".data.task").equals("regression")) {
      p.add(b + "metric", "is " + s.metric() + ", which does not fit data.task = "
          + resolved.getString(ConfigLoader.ROOT + ".data.task") + " (classification: accuracy or macro-f1; "
          + "regression: r2).");
    }
    p.throwIfAny();
    return s;
  }
}
