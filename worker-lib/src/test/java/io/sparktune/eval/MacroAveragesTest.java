package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Macro averages over every class, checked against a reference computed independently from the (truth, prediction)
 * pairs, for 2, 3 and 10 classes, with classes never predicted and never present.
 */
class MacroAveragesTest {

  /** The reference: per class, counted straight from the pairs; scikit-learn's f1_score(average="macro"). */
  static double[] reference(int[] truth, int[] predicted, int classes) {
    double p = 0;
    double r = 0;
    double f = 0;
    int used = 0;
    for (int c = 0; c < classes; c++) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < truth.length; i++) {
        tp += truth[i] == c && predicted[i] == c ? 1 : 0;
        fp += truth[i] != c && predicted[i] == c ? 1 : 0;
        fn += truth[i] == c && predicted[i] != c ? 1 : 0;
      }
      if (tp + fp + fn == 0) {
        continue;
      }
      used++;
      double precision = tp + fp == 0 ? 0 : tp / (double) (tp + fp);
      double recall = tp + fn == 0 ? 0 : tp / (double) (tp + fn);
      p += precision;
      r += recall;
      f += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
    return new double[] {p / used, r / used, f / used};
  }

  /** DL4J's evaluation fed with the pairs, as sparktune's evaluators feed it. */
  static Evaluation evaluation(int[] truth, int[] predicted, int classes) {
    Evaluation e = new Evaluation(classes);
    INDArray labels = Nd4j.zeros(truth.length, classes);
    INDArray out = Nd4j.zeros(truth.length, classes);
    for (int i = 0; i < truth.length; i++) {
      labels.putScalar(i, truth[i], 1);
      out.putScalar(i, predicted[i], 1);
    }
    e.eval(labels, out);
    return e;
  }

  static void assertMatchesReference(int[] truth, int[] predicted, int classes) {
    MacroAverages m = MacroAverages.of(evaluation(truth, predicted, classes), classes);
    double[] ref = reference(truth, predicted, classes);
    assertEquals(ref[0], m.precision(), 1e-12, "macro precision");
    assertEquals(ref[1], m.recall(), 1e-12, "macro recall");
    assertEquals(ref[2], m.f1(), 1e-12, "macro F1");
  }

  @Test
  void twoClassesAverageBothNotThePositiveOne() {
    // 61 + 3 of class 0, 2 + 47 of class 1: per-class F1 0.9606 and 0.9495, DL4J's "macro" gives class 1's alone
    List<int[]> pairs = new ArrayList<>();
    for (int i = 0; i < 61; i++) pairs.add(new int[] {0, 0});
    for (int i = 0; i < 3; i++) pairs.add(new int[] {0, 1});
    for (int i = 0; i < 2; i++) pairs.add(new int[] {1, 0});
    for (int i = 0; i < 47; i++) pairs.add(new int[] {1, 1});
    int[] truth = pairs.stream().mapToInt(p -> p[0]).toArray();
    int[] predicted = pairs.stream().mapToInt(p -> p[1]).toArray();
    MacroAverages m = MacroAverages.of(evaluation(truth, predicted, 2), 2);
    double f0 = 2.0 * 61 / (64 + 63);
    double f1 = 2.0 * 47 / (49 + 50);
    assertEquals((f0 + f1) / 2, m.f1(), 1e-12, "the mean of both classes' F1");
    assertTrue(Math.abs(m.f1() - f1) > 1e-3, "not the positive class's F1 alone");
    assertMatchesReference(truth, predicted, 2);
  }

  @Test
  void aClassNeverPredictedCountsWithZero() {
    int[] truth = {0, 0, 1, 1, 2, 2, 2};
    int[] predicted = {0, 0, 1, 0, 1, 1, 0};
    MacroAverages m = MacroAverages.of(evaluation(truth, predicted, 3), 3);
    assertEquals(3, m.classesAveraged());
    assertEquals(1, m.neverPredicted());
    assertEquals((2.0 * 2 / 6 + 2.0 * 1 / 5 + 0) / 3, m.f1(), 1e-12, "class 0: 2 of 2 found, 4 predicted; class 1: 1 of 2, 3 predicted");
    assertMatchesReference(truth, predicted, 3);
  }

  @Test
  void aClassNeverPresentCountsOnlyWhenPredicted() {
    // class 2 is neither present nor predicted (nothing to measure); class 3 is predicted but never present
    int[] truth = {0, 0, 1, 1};
    int[] predicted = {0, 3, 1, 1};
    MacroAverages m = MacroAverages.of(evaluation(truth, predicted, 4), 4);
    assertEquals(3, m.classesAveraged());
    assertEquals(1, m.neverPresent());
    assertEquals((2.0 * 1 / 3 + 1.0 + 0) / 3, m.f1(), 1e-12);
    assertMatchesReference(truth, predicted, 4);
  }

  @Test
  void randomPredictionsOnTwoThreeAndTenClassesMatchTheReference() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int classes : new int[] {2, 3, 10}) {
      for (int trial = 0; trial < 20; trial++) {
        int n = 1 + rng.nextInt(200);
        int[] truth = new int[n];
        int[] predicted = new int[n];
        int skewed = rng.nextInt(classes); // a model that mostly predicts one class leaves others unpredicted
        for (int i = 0; i < n; i++) {
          truth[i] = rng.nextInt(classes);
          predicted[i] = rng.nextDouble() < 0.5 ? truth[i] : rng.nextDouble() < 0.7 ? skewed : rng.nextInt(classes);
        }
        assertMatchesReference(truth, predicted, classes);
      }
    }
  }
}
