package io.sparktune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScalingModelTest {

  private static List<Double> uniform(double lo, double hi, int k) {
    List<Double> q = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      q.add(lo + (hi - lo) * j / (k - 1));
    }
    return q;
  }

  /** The maximum of n uniform draws on [0, 1] has mean n / (n + 1). */
  @Test
  void expectedMaximumOfUniformDraws() {
    List<Double> q = uniform(0, 1, 101);
    for (int n : new int[] {1, 2, 4, 8, 16}) {
      assertEquals(n / (n + 1.0), ScalingModel.expectedMaximum(q, n), 1e-4, "n = " + n);
    }
  }

  /** Workers that always take the same time never wait for each other: only the hub and the network grow. */
  @Test
  void constantBusyTimesScaleOnlyByHubAndNetwork() {
    ScalingModel.Measured m = new ScalingModel.Measured(1.0, List.of(1.2, 1.2, 1.2), 0.01, 2, 1e6, 1e6);
    Map<Integer, Double> e = ScalingModel.efficiency(m, 10e9, List.of(2, 8));
    assertEquals(1.0 / (1.2 + 0.01 + 2 * 2e6 * 8 / 10e9), e.get(2), 1e-6);
    assertEquals(1.0 / (1.2 + 0.04 + 8 * 2e6 * 8 / 10e9), e.get(8), 1e-6);
  }

  /**
   * A spread of busy times costs more the more workers wait for the slowest, and a wider spread costs more:
   * what waiting adds comes from the measured tail, not from a linear rule.
   */
  @Test
  void waitingGrowsWithTheSpreadAndTheWorkerCount() {
    ScalingModel.Measured narrow = new ScalingModel.Measured(1.0, uniform(1.0, 1.2, 101), 0, 2, 0, 0);
    ScalingModel.Measured wide = new ScalingModel.Measured(1.0, uniform(0.8, 1.4, 101), 0, 2, 0, 0);
    Map<Integer, Double> n = ScalingModel.efficiency(narrow, 10e9, List.of(1, 2, 8, 16));
    Map<Integer, Double> w = ScalingModel.efficiency(wide, 10e9, List.of(1, 2, 8, 16));
    assertEquals(1.0 / 1.1, n.get(1), 1e-4, "one worker: the mean busy time");
    assertEquals(1.0 / (1.0 + 0.2 * 8 / 9), n.get(8), 1e-4);
    assertTrue(n.get(2) > n.get(8) && n.get(8) > n.get(16));
    assertTrue(w.get(8) < n.get(8));
  }

  @Test
  void readsItsInputsFromAnEpochBreakdown() {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("steps-per-worker", 100.0);
    b.put("rounds", 20);
    b.put("compute", 40.0);
    b.put("workers", 2);
    b.put("bytes-sent-per-worker-step", 1000.0);
    b.put("bytes-received-per-worker-step", 500.0);
    b.put("hub-seconds-per-round", 0.002);
    b.put("round-busy-quantiles-s", List.of(1.9, 2.0, 2.4));
    ScalingModel.Measured m = ScalingModel.Measured.fromBreakdown(b);
    assertEquals(2.0, m.computeSeconds(), 1e-12);
    assertEquals(5000.0, m.bytesSent(), 1e-9);
    assertEquals(2500.0, m.bytesReceived(), 1e-9);
    assertEquals(2, m.workers());
    assertEquals(0.002, m.hubSeconds(), 1e-12);
    b.remove("round-busy-quantiles-s");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ScalingModel.Measured.fromBreakdown(b));
    assertTrue(e.getMessage().contains("round-busy-quantiles-s"), e.getMessage());
  }
}
