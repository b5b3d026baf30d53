package io.sparktune.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The timings of an epoch's exchange rounds that the scaling model is fed with: every task's busy time per
 * round (the round's mean published → the task's next contribution arrives), the hub's own time per round after
 * the last arrival, and each round's whole duration (publish to publish). How long a synchronous round takes is
 * the slowest task's busy time plus the hub's, so the distribution of busy times, not only its mean, decides
 * what more workers cost (the expected maximum of more draws). Thread-safe: the hub records under its round
 * lock, the driver reads once the epoch is over.
 */
final class RoundTimes {
  /** Busy times kept at most; a longer epoch keeps the first ones (an epoch of one-bit sharing has ~1,000). */
  static final int MAX_SAMPLES = 1 << 20;

  private long[] busy = new long[256];
  private int samples;
  private long hubNanos;
  private long roundNanos;
  private int rounds;
  private int timedRounds;

  synchronized void busy(long nanos) {
    if (samples == MAX_SAMPLES) {
      return;
    }
    if (samples == busy.length) {
      busy = Arrays.copyOf(busy, Math.min(MAX_SAMPLES, 2 * busy.length));
    }
    busy[samples++] = nanos;
  }

  /**
   * @param hub the hub's time after the round's last arrival
   * @param whole the round's duration since the previous round's mean was published, -1 for the first round
   */
  synchronized void round(long hub, long whole) {
    hubNanos += hub;
    rounds++;
    if (whole >= 0) {
      roundNanos += whole;
      timedRounds++;
    }
  }

  /** Busy times recorded. */
  synchronized int samples() {
    return samples;
  }

  /**
   * The busy times' quantiles in seconds at 0, 1/(n-1), ..., 1 (linear between order statistics); empty when
   * no busy time was recorded (an epoch of one round).
   */
  synchronized List<Double> busyQuantilesSeconds(int n) {
    List<Double> out = new ArrayList<>(n);
    if (samples == 0) {
      return out;
    }
    long[] sorted = Arrays.copyOf(busy, samples);
    Arrays.sort(sorted);
    for (int j = 0; j < n; j++) {
      double pos = n == 1 ? 0 : (double) j * (samples - 1) / (n - 1);
      int lo = (int) Math.floor(pos);
      int hi = Math.min(samples - 1, lo + 1);
      double v = sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
      out.add(Math.round(v / 1e3) / 1e6); // microsecond resolution
    }
    return out;
  }

  /** The hub's mean time per round after the last arrival, seconds. */
  synchronized double hubSecondsPerRound() {
    return rounds == 0 ? 0 : hubNanos / 1e9 / rounds;
  }

  /** The mean round duration (publish to publish, the first round left out), seconds; 0 with fewer than 2 rounds. */
  synchronized double secondsPerRound() {
    return timedRounds == 0 ? 0 : roundNanos / 1e9 / timedRounds;
  }
}
