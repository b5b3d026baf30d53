package io.sparktune.sweep;

/**
 * Ends unpromising trials early from their per-epoch validation metric: {@link NoEarlyStopping},
 * {@link Asha} (asynchronous successive halving; Hyperband's brackets of it) and {@link MedianStopping}.
 * Called with the sweep state locked.
 */
public interface EarlyStopping {

  /** A paused trial to resume, training on until {@code epochs}. */
  record Promotion(Trial trial, int epochs) {}

  /** Epochs a new trial is started for (it may be stopped or paused before). */
  int epochsForNewTrial();

  /**
   * After {@code trial} finished {@code epoch} (its metric already recorded): true to train on, false to
   * end the trial's run here.
   */
  boolean proceed(Trial trial, int epoch, SweepState state);

  /** The status of a trial whose run {@link #proceed} ended: paused (may be promoted later) or stopped. */
  Trial.Status endedStatus();

  /** A paused trial that has earned more epochs, or null. */
  default Promotion promotion(SweepState state) {
    return null;
  }

  /** Trains every trial for its full epochs. */
  record NoEarlyStopping(int epochs) implements EarlyStopping {
    @Override
    public int epochsForNewTrial() {
      return epochs;
    }

    @Override
    public boolean proceed(Trial trial, int epoch, SweepState state) {
      return true;
    }

    @Override
    public Trial.Status endedStatus() {
      return Trial.Status.STOPPED;
    }
  }
}
