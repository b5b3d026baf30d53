package io.sparktune.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * Hyperband (Li et al. 2018, "Hyperband: a novel bandit-based approach to hyperparameter optimization"),
 * asynchronous: brackets of successive halving that start trials with different numbers of epochs,
 * bracket s with {@code maxEpochs / eta^s} epochs at its first rung (from bracket 0, which trains every
 * trial fully, to the most aggressive one, whose first rung is {@code minEpochs}). New trials are dealt
 * to the brackets in turn (trial id modulo the bracket count) and each bracket runs {@link Asha} on its own
 * trials, hedging against an early-stopping rule that is too aggressive for the problem.
 */
public record Hyperband(List<Asha> brackets) implements EarlyStopping {

  public static Hyperband of(int minEpochs, int maxEpochs, int eta) {
    List<Integer> firstRungs = new ArrayList<>();
    for (long r = maxEpochs; r >= minEpochs; r /= eta) {
      firstRungs.add((int) r);
      if (r / eta < minEpochs || r / eta == r) {
        break;
      }
    }
    List<Asha> out = new ArrayList<>();
    for (int s = 0; s < firstRungs.size(); s++) {
      out.add(new Asha(firstRungs.get(s), maxEpochs, eta, s, firstRungs.size()));
    }
    return new Hyperband(out);
  }

  private Asha bracketOf(Trial t) {
    return brackets.get(t.id() % brackets.size());
  }

  @Override
  public int epochsForNewTrial() {
    return brackets.get(0).maxEpochs();
  }

  @Override
  public boolean proceed(Trial trial, int epoch, SweepState state) {
    return bracketOf(trial).proceed(trial, epoch, state);
  }

  @Override
  public Trial.Status endedStatus() {
    return Trial.Status.PAUSED;
  }

  @Override
  public Promotion promotion(SweepState state) {
    for (Asha bracket : brackets) {
      Promotion p = bracket.promotion(state);
      if (p != null) {
        return p;
      }
    }
    return null;
  }
}
