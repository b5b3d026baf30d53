package io.sparktune.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The search algorithms on synthetic objectives, where the optimum is known. */
class SearchAlgorithmTest {
  static final SearchSpace SPACE = SearchSpaceTest.parse("""
      "lr" { log-uniform = [1e-5, 1e-1] }
      "dropout" { uniform = [0, 0.8] }
      "width" { log-int = [8, 1024] }
      "activation" { choice = [relu, tanh, sigmoid, gelu] }
      """);

  /** A smooth objective with its maximum 0 at lr = 1e-3, dropout = 0.3, width = 128, activation gelu. */
  static double objective(Map<String, Object> v) {
    double lr = Math.log10((Double) v.get("lr")) + 3;
    double d = ((Double) v.get("dropout") - 0.3) / 0.8;
    double w = Math.log((Long) v.get("width") / 128.0) / Math.log(128);
    double a = v.get("activation").equals("gelu") ? 0 : v.get("activation").equals("relu") ? -0.1 : -0.4;
    return -(lr * lr) / 4 - d * d - w * w + a;
  }

  static double bestAfter(SearchAlgorithm alg, int trials) {
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      Map<String, Object> v = alg.next(history, i);
      double y = objective(v);
      history.add(new SearchAlgorithm.Observation(v, y));
      best = Math.max(best, y);
    }
    return best;
  }

  /** TPE finds the optimum region faster: after 40 trials its best is better than random search's on most seeds. */
  @Test
  void tpeBeatsRandomSearchAtEqualBudget() {
    int seeds = 20;
    int tpeWins = 0;
    double tpeSum = 0;
    double randomSum = 0;
    for (long seed = 1; seed <= seeds; seed++) {
      double tpe = bestAfter(new TreeParzenEstimator(SPACE, seed, 8, 0.25, 24), 40);
      double random = bestAfter(new RandomSearch(SPACE, seed), 40);
      tpeSum += tpe;
      randomSum += random;
      if (tpe > random) {
        tpeWins++;
      }
    }
    assertTrue(tpeWins >= 14, "TPE better on " + tpeWins + " of " + seeds + " seeds");
    assertTrue(tpeSum / seeds > randomSum / seeds, "mean best: TPE " + tpeSum / seeds + " vs random " + randomSum / seeds);
  }

  @Test
  void proposalsAreDeterministicPerTrialIndex() {
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Map<String, Object> v = new RandomSearch(SPACE, 3).next(history, i);
      history.add(new SearchAlgorithm.Observation(v, objective(v)));
    }
    TreeParzenEstimator tpe = new TreeParzenEstimator(SPACE, 3, 8, 0.25, 24);
    assertEquals(tpe.next(history, 12), new TreeParzenEstimator(SPACE, 3, 8, 0.25, 24).next(history, 12),
        "a resumed sweep proposes what the uninterrupted one would have");
  }

  @Test
  void gridSearchEnumeratesAndEnds() {
    GridSearch grid = new GridSearch(SPACE, 2);
    assertEquals(2 * 2 * 2 * 4, grid.size());
    assertEquals(grid.next(List.of(), 0), grid.next(List.of(), 0));
    assertNull(grid.next(List.of(), grid.size()));
  }

  /** TPE proposes where the good trials are dense relative to the others (the ratio l(x) / g(x), not l alone). */
  @Test
  void tpeProposesWhereGoodValuesAreDenseRelativeToBadOnes() {
    SearchSpace oneKey = SearchSpaceTest.parse("\"x\" { uniform = [0, 1] }");
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    for (double x : new double[] {0.70, 0.72, 0.74}) {
      history.add(new SearchAlgorithm.Observation(Map.of("x", x), 1.0));
    }
    for (int i = 0; i <= 20; i++) {
      history.add(new SearchAlgorithm.Observation(Map.of("x", i / 20.0), -1.0 - i));
    }
    TreeParzenEstimator tpe = new TreeParzenEstimator(oneKey, 1, 5, 3 / 24.0, 24);
    double distance = 0;
    for (int i = 0; i < 20; i++) {
      distance += Math.abs((Double) tpe.next(history, 24 + i).get("x") - 0.72);
    }
    assertTrue(distance / 20 < 0.06, "mean distance of the proposals from the good cluster: " + distance / 20);
  }

  /** Failed trials (NaN score) do not count as good or bad for TPE. */
  @Test
  void tpeIgnoresFailedTrials() {
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      history.add(new SearchAlgorithm.Observation(new RandomSearch(SPACE, 5).next(List.of(), i), Double.NaN));
    }
    TreeParzenEstimator tpe = new TreeParzenEstimator(SPACE, 5, 3, 0.25, 24);
    assertEquals(new RandomSearch(SPACE, 5).next(List.of(), 0).keySet(), tpe.next(history, 7).keySet(),
        "too few scored trials: still random sampling, and it proposes every key");
  }
}
