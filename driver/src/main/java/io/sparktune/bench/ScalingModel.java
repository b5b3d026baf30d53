package io.sparktune.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Predicts the scaling efficiency of sparktune's hub strategies (parameter averaging, gradient sharing) at
 * more executors from what one run measured per exchange round: each worker's busy time (receiving and
 * applying the round's mean, computing the round's steps, sending: everything but waiting), its distribution
 * over rounds and workers, the hub's own time after the last arrival, and the bytes each worker sends and
 * receives.
 *
 * <p>A round is synchronous: it ends when the slowest of the N workers has arrived and the hub has published
 * the mean, so it lasts {@code E[max of N busy times] + hub(N) + network(N)}, of which the mean compute time is
 * useful work: efficiency = compute / that. The expected maximum of N independent draws comes from the
 * measured busy-time distribution itself ({@code ∫ Q(u) N u^(N-1) du} over its quantile function Q), so a
 * worker that is sometimes slow costs more the more workers there are, by as much as the measurements say, and
 * no more: waiting does not grow linearly with N unless the measured tail makes it. The hub is a star on the
 * driver: its link takes N messages in and, after the last, sends N means out, so the network adds
 * {@code N (sent + received) / bandwidth} (not overlapped: conservative), and its summation, measured at the run's
 * worker count, grows with N. Weak scaling (each worker keeps its minibatch), so throughput is N x efficiency x
 * one worker's.
 *
 * <p>Independence between workers is the assumption to check: on one 2-core machine two executors compete for
 * the same cores, so their slow rounds may coincide or alternate; {@link #efficiency} at the measured worker
 * count, set beside the measured round time, shows how far it holds ({@code bench --experiment scaling}).
 */
public final class ScalingModel {
  private ScalingModel() {}

  /** Points of the numerical integral over the quantile function. */
  private static final int GRID = 20_000;

  /**
   * What one run measured, per round and worker.
   *
   * @param computeSeconds mean compute time per round (the useful work)
   * @param busyQuantiles quantiles of the busy time per round at 0, 1/(n-1), ..., 1 (seconds, at least two)
   * @param hubSeconds the hub's mean time per round after the last arrival
   * @param workers the worker count of the measurement
   * @param bytesSent bytes one worker sends per round
   * @param bytesReceived bytes one worker receives per round
   */
  public record Measured(double computeSeconds, List<Double> busyQuantiles, double hubSeconds, int workers,
      double bytesSent, double bytesReceived) {
    public Measured {
      if (busyQuantiles.size() < 2) {
        throw new IllegalArgumentException("The scaling model needs the busy-time quantiles of at least two rounds' "
            + "contributions; the run recorded " + busyQuantiles.size() + ".");
      }
    }

    /** The model's inputs from an epoch's strategy breakdown (HubStrategy's epochBreakdown, in metrics.jsonl). */
    @SuppressWarnings("unchecked")
    public static Measured fromBreakdown(Map<String, Object> b) {
      double steps = number(b, "steps-per-worker");
      double rounds = number(b, "rounds");
      double stepsPerRound = steps / rounds;
      Object q = b.get("round-busy-quantiles-s");
      if (!(q instanceof List<?> list)) {
        throw new IllegalStateException("The run's breakdown has no round-busy-quantiles-s (it was measured by a "
            + "sparktune older than the scaling model); measure it again.");
      }
      return new Measured(number(b, "compute") / rounds,
          ((List<Number>) list).stream().map(Number::doubleValue).toList(), number(b, "hub-seconds-per-round"),
          (int) number(b, "workers"), stepsPerRound * number(b, "bytes-sent-per-worker-step"),
          stepsPerRound * number(b, "bytes-received-per-worker-step"));
    }

    /** The mean busy time per round and worker. */
    public double meanBusySeconds() {
      return expectedMaximum(busyQuantiles, 1);
    }
  }

  /**
   * The predicted duration of a round at {@code n} workers: the expected slowest busy time of {@code n}
   * independent draws, the hub's time scaled with n, and the star's traffic at {@code bitsPerSecond}.
   */
  public static double roundSeconds(Measured m, int n, double bitsPerSecond) {
    double hub = m.hubSeconds() * n / Math.max(1, m.workers());
    double network = n * (m.bytesSent() + m.bytesReceived()) * 8 / bitsPerSecond;
    return expectedMaximum(m.busyQuantiles(), n) + hub + network;
  }

  /** Efficiency (compute / round duration) per executor count. */
  public static Map<Integer, Double> efficiency(Measured m, double bitsPerSecond, List<Integer> executors) {
    Map<Integer, Double> out = new LinkedHashMap<>();
    for (int n : executors) {
      out.put(n, m.computeSeconds() / roundSeconds(m, n, bitsPerSecond));
    }
    return out;
  }

  /**
   * The expected maximum of {@code n} independent draws from the distribution with these quantiles (at 0,
   * 1/(k-1), ..., 1; linear between them): {@code ∫0^1 Q(u) n u^(n-1) du}, by the midpoint rule; n = 1 gives the
   * mean.
   */
  static double expectedMaximum(List<Double> quantiles, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1: " + n);
    }
    double sum = 0;
    for (int g = 0; g < GRID; g++) {
      double u = (g + 0.5) / GRID;
      sum += quantile(quantiles, u) * n * Math.pow(u, n - 1);
    }
    return sum / GRID;
  }

  /** The quantile at {@code u} in [0, 1] of the distribution given by quantiles at 0, 1/(k-1), ..., 1. */
  public static double quantile(List<Double> quantiles, double u) {
    double pos = u * (quantiles.size() - 1);
    int lo = Math.min(quantiles.size() - 2, (int) pos);
    return quantiles.get(lo) + (pos - lo) * (quantiles.get(lo + 1) - quantiles.get(lo));
  }

  private static double number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number x)) {
      throw new IllegalStateException("The run's breakdown has no number '" + key + "' (" + v + ").");
    }
    return x.doubleValue();
  }
}
