package io.sparktune.sweep;

import java.util.List;
import java.util.Map;

/**
 * Chooses the configurations a sweep tries: {@link GridSearch}, {@link RandomSearch},
 * {@link TreeParzenEstimator}. Deterministic for a given history and trial index, so a resumed sweep
 * proposes what the uninterrupted one would have.
 */
public interface SearchAlgorithm {

  /** A finished trial: its values and score (higher is better; NaN when it failed). */
  record Observation(Map<String, Object> values, double score) {}

  /**
   * The values of trial {@code index} (0-based), or null when the algorithm has nothing left to try
   * (a finished grid).
   *
   * @param history every trial with a score so far, in trial order
   */
  Map<String, Object> next(List<Observation> history, int index);

  /** How many configurations the algorithm can propose at most (a grid's size), or -1 for no limit. */
  default int size() {
    return -1;
  }
}
