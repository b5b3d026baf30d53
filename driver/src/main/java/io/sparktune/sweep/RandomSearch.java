package io.sparktune.sweep;

import io.sparktune.data.Splits;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Random search (Bergstra and Bengio 2012): every trial an independent uniform sample of the space. */
public final class RandomSearch implements SearchAlgorithm {
  private final SearchSpace space;
  private final long seed;

  public RandomSearch(SearchSpace space, long seed) {
    this.space = space;
    this.seed = seed;
  }

  @Override
  public Map<String, Object> next(List<Observation> history, int index) {
    return space.sample(new SplittableRandom(Splits.mix(seed + 0x52A_D0L * (index + 1))));
  }
}
