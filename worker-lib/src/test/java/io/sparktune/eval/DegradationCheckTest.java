package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One test per rule of the degradation gate. */
class DegradationCheckTest {
  private static final DegradationCheck.Gate GATE =
      new DegradationCheck.Gate(List.of("accuracy", "log-loss"), 0.005, "recall", 0.03, 50);

  private static Map<String, Object> metrics(double accuracy, double logLoss, double recallA, double recallB,
      long supportB) {
    return Map.of("accuracy", accuracy, "log-loss", logLoss, "per-class", List.of(
        Map.of("class", "a", "support", 100, "recall", recallA),
        Map.of("class", "b", "support", supportB, "recall", recallB)));
  }

  @Test
  void aDropWithinTheLimitIsNoDegradation() {
    DegradationCheck.Result r = DegradationCheck.check(metrics(0.90, 0.30, 0.9, 0.9, 100),
        metrics(0.896, 0.303, 0.88, 0.9, 100), GATE);
    assertFalse(r.degraded(), r.explain());
    assertEquals(4, r.findings().size());
  }

  @Test
  void anOverallDropBeyondTheLimitIsADegradation() {
    DegradationCheck.Result r = DegradationCheck.check(metrics(0.90, 0.30, 0.9, 0.9, 100),
        metrics(0.89, 0.30, 0.9, 0.9, 100), GATE);
    assertTrue(r.degraded());
    assertEquals("accuracy", r.degradations().get(0).metric());
    assertTrue(r.explain().contains("overall accuracy worsened from 0.9000 to 0.8900"), r.explain());
  }

  @Test
  void aRiseOfALowerIsBetterMetricIsADegradation() {
    DegradationCheck.Result r = DegradationCheck.check(metrics(0.90, 0.30, 0.9, 0.9, 100),
        metrics(0.90, 0.31, 0.9, 0.9, 100), GATE);
    assertEquals(List.of("log-loss"), r.degradations().stream().map(DegradationCheck.Finding::metric).toList());
  }

  @Test
  void oneClassDroppingIsADegradationEvenWhenOverallImproves() {
    DegradationCheck.Result r = DegradationCheck.check(metrics(0.90, 0.30, 0.9, 0.9, 100),
        metrics(0.95, 0.20, 0.99, 0.85, 100), GATE);
    assertEquals(List.of("class 'b'"), r.degradations().stream().map(DegradationCheck.Finding::scope).toList());
  }

  @Test
  void classesWithTooLittleSupportAreNotGated() {
    DegradationCheck.Result r = DegradationCheck.check(metrics(0.90, 0.30, 0.9, 0.9, 10),
        metrics(0.90, 0.30, 0.9, 0.5, 10), GATE);
    assertFalse(r.degraded(), r.explain());
  }

  @Test
  void anUndefinedCandidateMetricIsADegradation() {
    Map<String, Object> candidate = Map.of("accuracy", "NaN", "log-loss", 0.3, "per-class", List.of());
    DegradationCheck.Result r = DegradationCheck.check(Map.of("accuracy", 0.9, "log-loss", 0.3, "per-class", List.of()),
        candidate, GATE);
    assertTrue(r.degraded());
  }

  @Test
  void anUnknownMetricNamesTheAllowedOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DegradationCheck.check(
        Map.of(), Map.of(), new DegradationCheck.Gate(List.of("accuracy"), 0.01, "", 0, 0)));
    assertTrue(e.getMessage().contains("macro-f1"), e.getMessage());
  }
}
