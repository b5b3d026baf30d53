package io.sparktune.sweep;

import java.util.ArrayList;
import java.util.List;

/**
 * The median stopping rule (Golovin et al. 2017, "Google Vizier"): after {@code graceEpochs}, a trial
 * stops when its best metric so far is below the median of the best metrics that the other trials had
 * reached by the same epoch (at least {@code minTrials} of them must have got that far).
 */
public record MedianStopping(int epochs, int graceEpochs, int minTrials) implements EarlyStopping {

  @Override
  public int epochsForNewTrial() {
    return epochs;
  }

  @Override
  public boolean proceed(Trial trial, int epoch, SweepState state) {
    if (epoch < graceEpochs || epoch >= epochs) {
      return true;
    }
    List<Double> others = new ArrayList<>();
    for (Trial t : state.trials()) {
      if (t != trial && t.epochs() >= epoch && Double.isFinite(t.bestUpTo(epoch))) {
        others.add(t.bestUpTo(epoch));
      }
    }
    if (others.size() < minTrials) {
      return true;
    }
    others.sort(null);
    int n = others.size();
    double median = n % 2 == 1 ? others.get(n / 2) : (others.get(n / 2 - 1) + others.get(n / 2)) / 2;
    return !(trial.bestUpTo(epoch) < median);
  }

  @Override
  public Trial.Status endedStatus() {
    return Trial.Status.STOPPED;
  }
}
