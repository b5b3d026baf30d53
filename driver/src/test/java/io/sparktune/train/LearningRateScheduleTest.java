package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each schedule's rates against values worked out by hand (base 0.1, 5 epochs). */
class LearningRateScheduleTest {
  private static double at(String type, int epoch) {
    return new LearningRateSchedule(type, 1, 2, 0.5, 0.0).at(epoch, 5, 0.1);
  }

  @Test
  void constantStepAndCosine() {
    assertEquals(0.1, at("constant", 4), 1e-12);
    assertEquals(0.1, at("step", 2), 1e-12);
    assertEquals(0.05, at("step", 3), 1e-12);
    assertEquals(0.025, at("step", 5), 1e-12);
    assertEquals(0.1, at("cosine", 1), 1e-12);
    assertEquals(0.05, at("cosine", 3), 1e-12);
    assertEquals(0.0, at("cosine", 5), 1e-12);
  }

  @Test
  void warmupThenCosineAndOneCycle() {
    assertEquals(0.05, at("warmup-cosine", 1), 1e-12); // 1 of (1 + 1) warm-up steps
    assertEquals(0.1, at("warmup-cosine", 2), 1e-12);
    assertEquals(0.0, at("warmup-cosine", 5), 1e-12);
    // one-cycle over 5 epochs peaks at epoch round(1.5) = 2: 0.1/25, then 0.1, then cosine to 0
    assertEquals(0.004, at("one-cycle", 1), 1e-12);
    assertEquals(0.1, at("one-cycle", 2), 1e-12);
    assertEquals(0.0, at("one-cycle", 5), 1e-12);
  }
}
