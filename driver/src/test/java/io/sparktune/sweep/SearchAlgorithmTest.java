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
      double tpe = bestAfter(new TreeParzenEstimator(SPACE, seed, 8, 0.1, 24), 40);
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

  /**
   * Keys that interact are proposed together: the good configurations are two clusters, at (0.2, 0.8)
   * and (0.8, 0.2), and the other combinations of those values, (0.2, 0.2) and (0.8, 0.8), are bad. Each
   * key's good values alone are the same at both, so a per-key estimator proposes the bad combinations
   * about as often as the good ones; the multivariate one proposes the good clusters.
   */
  @Test
  void tpeProposesInteractingKeysTogether() {
    SearchSpace square = SearchSpaceTest.parse("""
        "x" { uniform = [0, 1] }
        "y" { uniform = [0, 1] }
        """);
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    double[][] centres = {{0.2, 0.8}, {0.8, 0.2}, {0.2, 0.2}, {0.8, 0.8}};
    for (int i = 0; i < 40; i++) {
      double[] c = centres[i % 4];
      double x = c[0] + 0.05 * (rnd.nextDouble() - 0.5);
      double y = c[1] + 0.05 * (rnd.nextDouble() - 0.5);
      history.add(new SearchAlgorithm.Observation(Map.of("x", x, "y", y), i % 4 < 2 ? 1.0 : -1.0));
    }
    for (int i = 0; i < 40; i++) {
      history.add(new SearchAlgorithm.Observation(Map.of("x", rnd.nextDouble(), "y", rnd.nextDouble()), -2.0));
    }
    TreeParzenEstimator tpe = new TreeParzenEstimator(square, 1, 5, 0.25, 24);
    int nearGood = 0;
    for (int i = 0; i < 40; i++) {
      Map<String, Object> v = tpe.next(history, 80 + i);
      double x = (Double) v.get("x");
      double y = (Double) v.get("y");
      nearGood += Math.max(Math.abs(x - 0.2), Math.abs(y - 0.8)) < 0.15 || Math.max(Math.abs(x - 0.8), Math.abs(y - 0.2)) < 0.15
          ? 1 : 0;
    }
    assertTrue(nearGood >= 28, nearGood + " of 40 proposals at a good cluster");
  }

  /**
   * On a noisy objective shaped like the quickstart sweep's (bench/results/sweep-tpe-30.md): the best
   * learning rate depends on the batch size, a frozen trunk is a decent but worse plateau, and each
   * evaluation has 0.9 pp of noise, TPE's best after 30 trials beats random search's on most seeds.
   */
  @Test
  void tpeBeatsRandomSearchOnANoisyInteractingObjective() {
    SearchSpace space = SearchSpaceTest.parse("""
        "lr" { log-uniform = [1e-5, 3e-2] }
        "batch" { choice = [16, 32, 64, 128] }
        "freeze" { choice = [no, yes] }
        """);
    int seeds = 40;
    int tpeWins = 0;
    double tpeSum = 0;
    double randomSum = 0;
    for (long seed = 1; seed <= seeds; seed++) {
      double tpe = noisyBest(new TreeParzenEstimator(space, seed, 10, 0.1, 24), 30, seed);
      double random = noisyBest(new RandomSearch(space, seed), 30, seed);
      tpeSum += tpe;
      randomSum += random;
      tpeWins += tpe > random ? 1 : 0;
    }
    assertTrue(tpeWins >= 26, "TPE better on " + tpeWins + " of " + seeds + " seeds");
    assertTrue(tpeSum - randomSum > 0.004 * seeds, "mean best: TPE " + tpeSum / seeds + " vs random " + randomSum / seeds);
  }

  private static double noisyBest(SearchAlgorithm alg, int trials, long seed) {
    java.util.Random noise = new java.util.Random(1000 + seed);
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < trials; i++) {
      Map<String, Object> v = alg.next(history, i);
      double x = Math.log10((Double) v.get("lr"));
      int batch = ((Number) v.get("batch")).intValue();
      boolean frozen = v.get("freeze").equals("yes");
      double peakAt = -3.2 + 0.25 * Math.log(batch / 16.0) / Math.log(2) + (frozen ? 0.6 : 0);
      double peak = (frozen ? 0.778 : 0.805) - 0.008 * Math.log(batch / 16.0) / Math.log(2);
      double y = Math.max(0.1, peak - 0.1 * (x - peakAt) * (x - peakAt)) + 0.009 * noise.nextGaussian();
      history.add(new SearchAlgorithm.Observation(v, y));
      best = Math.max(best, y);
    }
    return best;
  }

  /** A resumed sweep whose space was edited: past values no longer offered count as unseen, not as errors. */
  @Test
  void tpeToleratesPastValuesTheSpaceNoLongerOffers() {
    SearchSpace edited = SearchSpaceTest.parse("""
        "x" { uniform = [0, 1] }
        "kind" { choice = [a, b] }
        """);
    List<SearchAlgorithm.Observation> history = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      history.add(new SearchAlgorithm.Observation(Map.of("x", i / 12.0, "kind", i % 2 == 0 ? "c" : "a"), i));
    }
    Map<String, Object> next = new TreeParzenEstimator(edited, 2, 5, 0.25, 24).next(history, 12);
    assertTrue(List.of("a", "b").contains(next.get("kind")), "proposed " + next);
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
