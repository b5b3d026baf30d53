package io.sparktune.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.data.Record;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of sparktune inspect: statistics, content keys, confident labels, the learning-curve verdict. */
class InspectPartsTest {
  static Record r(int label, float... x) {
    return new Record(x, label, "t:" + label + ":" + x[0]);
  }

  @Test
  @SuppressWarnings("unchecked")
  void qualityCountsMissingConstantAndOutOfRangeAndMergesExactly() {
    List<Record> rs = List.of(r(0, 1, 5, 0), r(1, 2, 5, Float.NaN), r(1, 3, 5, 300), r(1, 4, 5, 7));
    DataQuality whole = new DataQuality(3, 0, 255);
    rs.forEach(whole::add);
    DataQuality a = new DataQuality(3, 0, 255).add(rs.get(0)).add(rs.get(1));
    DataQuality b = new DataQuality(3, 0, 255).add(rs.get(2)).add(rs.get(3));
    Map<String, Object> m = whole.toMap(List.of("x", "y", "z"), List.of("f1", "f2", "f3"));
    assertEquals(m.toString(), a.merge(b).toMap(List.of("x", "y", "z"), List.of("f1", "f2", "f3")).toString());
    assertEquals(4L, m.get("examples"));
    assertEquals(List.of("f2"), m.get("constant-features"));
    assertEquals(1L, m.get("examples-with-missing-values"));
    assertEquals(1L, m.get("examples-out-of-range"));
    assertEquals(List.of("z"), m.get("empty-classes"));
    assertEquals(null, m.get("imbalance-ratio"), "an empty class makes the ratio undefined");
    assertEquals(2.5, whole.mean(0), 1e-12);
    assertEquals(Math.sqrt(1.25), whole.std(0), 1e-12);
    assertEquals(7 / 3.0 + 100, whole.mean(2), 1e-9, "NaN left out of the mean");
    Map<String, Object> y = (Map<String, Object>) ((Map<String, Object>) m.get("classes")).get("y");
    assertEquals(3L, y.get("examples"));
  }

  @Test
  void contentKeysAreEqualForEqualFeaturesOnly() {
    assertEquals(Duplicates.contentKey(new float[] {1, 2, 3}), Duplicates.contentKey(new float[] {1, 2, 3}));
    assertNotEquals(Duplicates.contentKey(new float[] {1, 2, 3}), Duplicates.contentKey(new float[] {1, 3, 2}));
    assertNotEquals(Duplicates.contentKey(new float[] {1, 2}), Duplicates.contentKey(new float[] {1, 2, 0}));
  }

  @Test
  void confidentLabelIsTheMostProbableClassAboveItsThreshold() {
    double[] t = {0.8, 0.3, 0.5};
    assertEquals(1, ConfidentLearning.confidentLabel(new float[] {0.6f, 0.35f, 0.05f}, t), "0 is below its 0.8");
    assertEquals(0, ConfidentLearning.confidentLabel(new float[] {0.85f, 0.1f, 0.05f}, t));
    assertEquals(-1, ConfidentLearning.confidentLabel(new float[] {0.7f, 0.1f, 0.2f}, t), "none reaches its own");
    assertEquals(2, ConfidentLearning.confidentLabel(new float[] {0.0f, 0.45f, 0.55f}, t), "largest of the eligible");
  }

  @Test
  void thresholdsAreTheMeanSelfConfidencePerGivenClass() {
    ConfidentLearning.ThresholdParts p = new ConfidentLearning.ThresholdParts(3)
        .add(new ConfidentLearning.Scored("a", 0, new float[] {0.9f, 0.1f, 0f}))
        .add(new ConfidentLearning.Scored("b", 0, new float[] {0.5f, 0.5f, 0f}))
        .merge(new ConfidentLearning.ThresholdParts(3).add(new ConfidentLearning.Scored("c", 1, new float[] {0.2f, 0.8f, 0f})));
    double[] t = p.thresholds();
    assertEquals(0.7, t[0], 1e-6);
    assertEquals(0.8, t[1], 1e-6);
    assertTrue(Double.isNaN(t[2]));
  }

  @Test
  void learningCurveVerdictUsesTheGainPerDoublingOfTheLastStep() {
    List<Map<String, Object>> rising = List.of(Map.of("share", 0.25, "accuracy", 0.70), Map.of("share", 0.5, "accuracy", 0.76),
        Map.of("share", 1.0, "accuracy", 0.80));
    Map<String, Object> v = LearningCurve.verdict(rising, "accuracy", 0.01);
    assertEquals(true, v.get("more-data-helps"));
    assertEquals(0.04, (Double) v.get("gain-per-doubling"), 1e-9);
    List<Map<String, Object>> flat = List.of(Map.of("share", 0.1, "accuracy", 0.90), Map.of("share", 0.4, "accuracy", 0.91));
    Map<String, Object> f = LearningCurve.verdict(flat, "accuracy", 0.01);
    assertEquals(0.005, (Double) f.get("gain-per-doubling"), 1e-9, "0.01 over two doublings");
    assertFalse((Boolean) f.get("more-data-helps"));
  }
}
