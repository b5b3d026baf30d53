package io.sparktune.sweep;

import java.util.List;
import java.util.Map;

/** Grid search: every combination of the choices and of {@code points} values per numeric key, in order. */
public final class GridSearch implements SearchAlgorithm {
  private final List<Map<String, Object>> grid;

  public GridSearch(SearchSpace space, int points) {
    this.grid = space.grid(points);
  }

  @Override
  public Map<String, Object> next(List<Observation> history, int index) {
    return index < grid.size() ? grid.get(index) : null;
  }

  @Override
  public int size() {
    return grid.size();
  }
}
