package io.sparktune.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Asynchronous successive halving (Li et al. 2018, "A system for massively parallel hyperparameter
 * tuning"). Rungs sit at {@code minEpochs * eta^k} epochs below {@code maxEpochs}. A trial reaching a
 * rung trains on only if its metric there is among the best {@code floor(n / eta)} of the {@code n}
 * trials that have reached that rung so far; otherwise it pauses (its checkpoint kept). Whenever a slot
 * frees, a paused trial that has since become one of the best {@code floor(n / eta)} at its rung (as more
 * trials arrived) is promoted before any new trial starts, from the highest rung down. No trial waits for
 * others, so slots never idle. As a Hyperband bracket it decides on its own trials only.
 */
public record Asha(int minEpochs, int maxEpochs, int eta, int bracket, int brackets) implements EarlyStopping {

  /** One ASHA over all trials. */
  public Asha(int minEpochs, int maxEpochs, int eta) {
    this(minEpochs, maxEpochs, eta, 0, 1);
  }

  /** True for the trials this ASHA decides on (its Hyperband bracket: trial id modulo the bracket count). */
  boolean owns(Trial t) {
    return t.id() % brackets == bracket;
  }

  /** The rung epochs below the maximum, increasing. */
  public List<Integer> rungs() {
    List<Integer> r = new ArrayList<>();
    for (long e = minEpochs; e < maxEpochs; e *= eta) {
      r.add((int) e);
    }
    return r;
  }

  @Override
  public int epochsForNewTrial() {
    return maxEpochs;
  }

  @Override
  public boolean proceed(Trial trial, int epoch, SweepState state) {
    if (!rungs().contains(epoch)) {
      return true;
    }
    return topAt(epoch, state).contains(trial);
  }

  /** The trials among the best floor(n / eta) of the n that reached the rung. */
  private List<Trial> topAt(int rung, SweepState state) {
    List<Trial> reached = new ArrayList<>();
    for (Trial t : state.trials()) {
      if (owns(t) && t.epochs() >= rung && Double.isFinite(t.metricAt(rung))) {
        reached.add(t);
      }
    }
    reached.sort(Comparator.comparingDouble((Trial t) -> t.metricAt(rung)).reversed()
        .thenComparingInt(Trial::id));
    return reached.subList(0, reached.size() / eta);
  }

  @Override
  public Trial.Status endedStatus() {
    return Trial.Status.PAUSED;
  }

  @Override
  public Promotion promotion(SweepState state) {
    List<Integer> rungs = rungs();
    for (int k = rungs.size() - 1; k >= 0; k--) {
      int rung = rungs.get(k);
      for (Trial t : topAt(rung, state)) {
        if (t.status() == Trial.Status.PAUSED && t.epochs() == rung) {
          return new Promotion(t, maxEpochs);
        }
      }
    }
    return null;
  }
}
