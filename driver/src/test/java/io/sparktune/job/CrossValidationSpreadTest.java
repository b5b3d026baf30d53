package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cross-validation's 95% intervals stay inside each metric's range. */
class CrossValidationSpreadTest {

  @Test
  void anAccuracyIntervalNearOneEndsAtOne() {
    Map<String, Object> m = CrossValidationJob.spread("roc-auc-macro", List.of(0.9990, 1.0, 0.9960));
    assertEquals(1.0, (Double) m.get("ci95-high"), 0.0, "the t-interval reaches past 1 and is cut there");
    assertTrue((Double) m.get("ci95-low") < 0.9983);
  }

  @Test
  void aLossIntervalNearZeroEndsAtZero() {
    Map<String, Object> m = CrossValidationJob.spread("log-loss", List.of(0.001, 0.05, 0.002));
    assertEquals(0.0, (Double) m.get("ci95-low"), 0.0);
  }

  @Test
  void anR2IntervalIsOpenBelowAndEndsAtOne() {
    Map<String, Object> m = CrossValidationJob.spread("r2", List.of(-3.0, 0.99, 1.0));
    assertTrue((Double) m.get("ci95-low") < -3, "R2 has no lower bound");
    assertEquals(1.0, (Double) m.get("ci95-high"), 0.0);
  }
}
