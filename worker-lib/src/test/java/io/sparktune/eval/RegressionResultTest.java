package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktune.data.TargetScale;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Regression metrics against values worked out by hand, and exact merging. */
class RegressionResultTest {
  @Test
  void metricsInTargetUnits() {
    // y = 1, 2, 3, 4; predictions 1.5, 2, 2, 5: errors .5, 0, -1, 1
    RegressionResult r = new RegressionResult(TargetScale.of(0, 1));
    double[] y = {1, 2, 3, 4};
    double[] p = {1.5, 2, 2, 5};
    for (int i = 0; i < 4; i++) {
      r.add(y[i], p[i]);
    }
    assertEquals(2.25 / 4, r.mse(), 1e-12);
    assertEquals(2.5 / 4, r.mae(), 1e-12);
    assertEquals(1 - 2.25 / 5.0, r.r2(), 1e-12); // SST = 1.5^2 + .5^2 + .5^2 + 1.5^2 = 5
  }

  @Test
  void standardisedBatchesAreMappedBackAndPartitionsMerge() {
    TargetScale scale = TargetScale.of(100, 20);
    RegressionResult whole = new RegressionResult(scale);
    RegressionResult a = new RegressionResult(scale);
    RegressionResult b = new RegressionResult(scale);
    float[] z = {-1f, 0f, 0.5f, 2f};
    float[] zp = {-0.5f, 0f, 1f, 1.5f};
    whole.add(Nd4j.createFromArray(z).reshape(4, 1), Nd4j.createFromArray(zp).reshape(4, 1));
    a.add(Nd4j.createFromArray(z[0], z[1]).reshape(2, 1), Nd4j.createFromArray(zp[0], zp[1]).reshape(2, 1));
    b.add(Nd4j.createFromArray(z[2], z[3]).reshape(2, 1), Nd4j.createFromArray(zp[2], zp[3]).reshape(2, 1));
    a.merge(b);
    // errors in target units: 10, 0, 10, -10
    assertEquals(300.0 / 4, whole.mse(), 1e-9);
    assertEquals(30.0 / 4, whole.mae(), 1e-9);
    assertEquals(whole.mse(), a.mse(), 1e-9);
    assertEquals(whole.r2(), a.r2(), 1e-9);
    assertEquals(4, a.examples());
  }
}
