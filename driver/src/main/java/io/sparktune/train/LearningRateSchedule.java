package io.sparktune.train;

import java.util.List;

/**
 * The learning rate of each epoch, set on the network by the driver before the epoch starts, so it
 * reaches every worker with the network's configuration whatever the strategy broadcasts. Per-epoch
 * granularity: fine-tuning runs are a handful of epochs, and the rate is the same on every worker.
 *
 * <ul>
 *   <li>constant: the base rate;
 *   <li>step: base × step-factor every step-epochs epochs;
 *   <li>cosine: cosine annealing from base to base × min-fraction over the run (Loshchilov and Hutter 2017);
 *   <li>warmup-cosine: linear warm-up over warmup-epochs, then cosine annealing (Goyal et al. 2017);
 *   <li>one-cycle: up from base / 25 to base over the first 30% of epochs, then cosine down to
 *       base × min-fraction (Smith 2018).
 * </ul>
 *
 * @param type one of {@link #TYPES}
 * @param warmupEpochs epochs of linear warm-up (warmup-cosine)
 * @param stepEpochs epochs between steps (step)
 * @param stepFactor factor applied at each step (step)
 * @param minFraction the final rate as a fraction of the base (cosine, warmup-cosine, one-cycle)
 */
public record LearningRateSchedule(String type, int warmupEpochs, int stepEpochs, double stepFactor,
    double minFraction) {
  public static final List<String> TYPES = List.of("constant", "step", "cosine", "warmup-cosine", "one-cycle");

  /** The rate of {@code epoch} (1-based) of {@code epochs}. */
  public double at(int epoch, int epochs, double base) {
    double min = base * minFraction;
    return switch (type) {
      case "step" -> base * Math.pow(stepFactor, (epoch - 1) / stepEpochs);
      case "cosine" -> cosine(min, base, epoch - 1, epochs - 1);
      case "warmup-cosine" -> epoch <= warmupEpochs ? base * epoch / (warmupEpochs + 1.0)
          : cosine(min, base, epoch - 1 - warmupEpochs, epochs - 1 - warmupEpochs);
      case "one-cycle" -> {
        int peak = Math.max(1, (int) Math.round(0.3 * epochs));
        yield epoch <= peak ? base / 25 + (base - base / 25) * (epoch - 1) / Math.max(1, peak - 1)
            : cosine(min, base, epoch - peak, epochs - peak);
      }
      default -> base;
    };
  }

  private static double cosine(double min, double max, int step, int steps) {
    if (steps <= 0) {
      return max;
    }
    return min + (max - min) * 0.5 * (1 + Math.cos(Math.PI * step / steps));
  }

  public boolean isConstant() {
    return type.equals("constant");
  }
}
