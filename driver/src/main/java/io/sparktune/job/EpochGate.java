package io.sparktune.job;

import java.util.Map;

/** Decides after each epoch of a fine-tune whether it trains on (a sweep's early-stopping rule). */
@FunctionalInterface
public interface EpochGate {
  /**
   * @param epoch the epoch just finished (1-based)
   * @param record its record (validation metrics as in metrics.jsonl, e.g. "validation-accuracy")
   * @return true to train the next epoch, false to end the run here (checkpointed, then finished as usual)
   */
  boolean proceed(int epoch, Map<String, Object> record);
}
