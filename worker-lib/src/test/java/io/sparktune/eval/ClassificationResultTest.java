package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClassificationResultTest {
  static final List<String> CLASSES = List.of("a", "b");
  static final float[][] PROBS = {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.6f, 0.4f}, {0.3f, 0.7f}};
  static final float[][] LABELS = {{1, 0}, {0, 1}, {0, 1}, {1, 0}};

  static INDArray rows(float[][] m, int from, int to) {
    return Nd4j.create(java.util.Arrays.copyOfRange(m, from, to));
  }

  @Test
  void logLossCalibrationAndAucMatchHandComputedValues() {
    ClassificationResult r = new ClassificationResult(CLASSES, 1);
    r.add(rows(LABELS, 0, 4), rows(PROBS, 0, 4));
    // -(ln 0.9 + ln 0.8 + ln 0.4 + ln 0.3) / 4
    assertEquals(0.612193, r.logLoss(), 1e-5);
    // four bins, one example each: (|1-0.9| + |1-0.8| + |0-0.6| + |0-0.7|) / 4
    assertEquals(0.4, r.expectedCalibrationError(), 1e-6);
    // class b scores 0.8 and 0.4 for its positives, 0.1 and 0.7 for negatives: 3 of 4 pairs ordered
    assertEquals(0.75, r.curves().rocAuc(1), 1e-6);
    // average precision of b: threshold 0.8 -> recall 1/2 at precision 1; 0.4 -> recall 1 at precision 2/3
    assertEquals(0.5 * 1 + 0.5 * 2.0 / 3, r.curves().prAuc(1), 1e-9);
    assertEquals(0.5, r.evaluation().accuracy(), 0.0);
  }

  @Test
  void tiedScoresGetHalfCredit() {
    ClassificationResult r = new ClassificationResult(CLASSES, 1);
    // class b: one positive and one negative with the same score, one clearly ranked pair
    r.add(Nd4j.create(new float[][] {{0, 1}, {1, 0}, {0, 1}, {1, 0}}),
        Nd4j.create(new float[][] {{0.5f, 0.5f}, {0.5f, 0.5f}, {0.1f, 0.9f}, {0.8f, 0.2f}}));
    // pairs (pos, neg): (0.5, 0.5) tie = 1/2, (0.5, 0.2) = 1, (0.9, 0.5) = 1, (0.9, 0.2) = 1 -> 3.5 / 4
    assertEquals(0.875, r.curves().rocAuc(1), 1e-9);
  }

  @Test
  void mergedPartsEqualOnePass() {
    ClassificationResult whole = new ClassificationResult(CLASSES, 1);
    whole.add(rows(LABELS, 0, 4), rows(PROBS, 0, 4));
    ClassificationResult a = new ClassificationResult(CLASSES, 1);
    a.add(rows(LABELS, 0, 1), rows(PROBS, 0, 1));
    ClassificationResult b = new ClassificationResult(CLASSES, 1);
    b.add(rows(LABELS, 1, 4), rows(PROBS, 1, 4));
    ClassificationResult merged = a.merge(b);
    assertEquals(whole.logLoss(), merged.logLoss(), 1e-12);
    assertEquals(whole.expectedCalibrationError(), merged.expectedCalibrationError(), 1e-12);
    assertEquals(whole.curves().macroRocAuc(), merged.curves().macroRocAuc(), 1e-12);
    assertEquals(whole.examples(), merged.examples());
  }

  @Test
  void topKIsReportedOnlyWhenKLeavesSomeClassesOut() {
    ClassificationResult two = new ClassificationResult(CLASSES, 2);
    two.add(rows(LABELS, 0, 4), rows(PROBS, 0, 4));
    assertTrue(!MetricsReport.toMap(two, CLASSES, 2).containsKey("top-2-accuracy"),
        "top-2 of two classes is 1 for every model: not reported");
    List<String> three = List.of("a", "b", "c");
    ClassificationResult r = new ClassificationResult(three, 2);
    r.add(Nd4j.create(new float[][] {{1, 0, 0}, {0, 0, 1}}), Nd4j.create(new float[][] {{0.3f, 0.5f, 0.2f}, {0.5f, 0.4f, 0.1f}}));
    // the first example is in its top 2 (0.5, 0.3), the second is not (its class scores 0.1)
    assertEquals(0.5, (Double) MetricsReport.toMap(r, three, 2).get("top-2-accuracy"), 1e-12);
  }
}
