package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.RealDigits;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Mixup on real digits and tabular noise: what they produce is what they promise. */
class MixupAndNoiseTest {
  @Test
  void everyMixedExampleIsOneConvexCombinationOfTwoOriginals() throws Exception {
    DataSet batch = RealDigits.minibatch(32);
    DataSet mixed = new Mixup(0.4).apply(batch, new SplittableRandom(5));
    INDArray x = batch.getFeatures();
    INDArray y = batch.getLabels();
    double l = Double.NaN;
    for (int i = 0; i < 32 && Double.isNaN(l); i++) { // the weight, from a row that mixes two classes
      INDArray row = mixed.getLabels().getRow(i);
      if (row.maxNumber().doubleValue() < 1 - 1e-6) {
        l = y.getRow(i).mul(row).sumNumber().doubleValue();
      }
    }
    assertTrue(!Double.isNaN(l) && l > 0 && l < 1, "some rows mix two classes: weight " + l);
    for (int i = 0; i < 32; i++) {
      assertEquals(1.0, mixed.getLabels().getRow(i).sumNumber().doubleValue(), 1e-5, "label row " + i + " sums to 1");
      boolean found = false;
      for (int j = 0; j < 32 && !found; j++) {
        INDArray expected = x.getRow(i).mul(l).addi(x.getRow(j).mul(1 - l));
        INDArray expectedLabel = y.getRow(i).mul(l).addi(y.getRow(j).mul(1 - l));
        found = expected.equalsWithEps(mixed.getFeatures().getRow(i), 1e-5)
            && expectedLabel.equalsWithEps(mixed.getLabels().getRow(i), 1e-5);
      }
      assertTrue(found, "row " + i + " is " + l + " x_i + " + (1 - l) + " x_j for some j");
    }
  }

  @Test
  void tabularNoiseIsScaledToEachFeaturesSpread() {
    TabularNoise noise = new TabularNoise(new float[] {1f, 10f}, 0.1);
    Record r = new Record(new float[] {5f, 50f}, 0, "iris.csv:2");
    SplittableRandom rnd = new SplittableRandom(1);
    double[] sq = new double[2];
    int n = 20_000;
    for (int k = 0; k < n; k++) {
      float[] x = noise.apply(r, rnd).features();
      sq[0] += (x[0] - 5) * (x[0] - 5);
      sq[1] += (x[1] - 50) * (x[1] - 50);
    }
    assertEquals(0.1, Math.sqrt(sq[0] / n), 0.005);
    assertEquals(1.0, Math.sqrt(sq[1] / n), 0.05);
    assertEquals(5f, r.features()[0], "the original example is left alone");
  }
}
