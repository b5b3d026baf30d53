package io.sparktune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** McNemar's test and the paired Poisson bootstrap against values worked out by hand. */
class ComparisonStatisticsTest {
  @Test
  void mcNemarExactBelow25DiscordantExamples() {
    // n = 12 discordant, 2 of them favour B: p = 2 * P(X <= 2 | Bin(12, 1/2)) = 2 * 79 / 4096
    McNemarTest t = McNemarTest.of(10, 2);
    assertEquals("exact-binomial", t.method());
    assertEquals(158.0 / 4096, t.pValue(), 1e-12);
  }

  @Test
  void mcNemarChiSquareWithContinuityCorrection() {
    // chi2 = (|40 - 20| - 1)^2 / 60; p = erfc(sqrt(chi2 / 2)) = 0.014171388...
    McNemarTest t = McNemarTest.of(40, 20);
    assertEquals(361.0 / 60, t.statistic(), 1e-12);
    assertEquals(0.01417138825401233, t.pValue(), 1e-10);
    assertEquals(t.pValue(), McNemarTest.of(20, 40).pValue(), 0.0);
  }

  @Test
  void mcNemarWithoutDiscordantExamplesFindsNoDifference() {
    assertEquals(1.0, McNemarTest.of(0, 0).pValue(), 0.0);
    assertEquals(1.0, McNemarTest.of(3, 3).pValue(), 0.0);
  }

  @Test
  void identicalModelsDifferByExactlyZeroInEveryReplicate() {
    PairedBootstrap b = new PairedBootstrap(200, 3, 7);
    Random r = new Random(1);
    for (int i = 0; i < 500; i++) {
      int truth = r.nextInt(3);
      int predicted = r.nextInt(3);
      double p = r.nextDouble();
      b.add("ex-" + i, truth, predicted, p, predicted, p);
    }
    for (PairedBootstrap.Metric m : PairedBootstrap.Metric.values()) {
      assertEquals(0.0, b.interval(m, 0.95).low(), 0.0, m.key());
      assertEquals(0.0, b.interval(m, 0.95).high(), 0.0, m.key());
      assertFalse(b.interval(m, 0.95).excludesZero());
    }
  }

  @Test
  void partitionsMergeIntoTheSameReplicates() {
    PairedBootstrap whole = new PairedBootstrap(300, 4, 11);
    PairedBootstrap first = new PairedBootstrap(300, 4, 11);
    PairedBootstrap second = new PairedBootstrap(300, 4, 11);
    Random r = new Random(2);
    for (int i = 0; i < 800; i++) {
      int truth = r.nextInt(4);
      int a = r.nextInt(4);
      int b = r.nextDouble() < 0.7 ? truth : r.nextInt(4);
      double pa = r.nextDouble();
      double pb = r.nextDouble();
      whole.add("ex-" + i, truth, a, pa, b, pb);
      (i % 3 == 0 ? first : second).add("ex-" + i, truth, a, pa, b, pb);
    }
    PairedBootstrap merged = second.merge(first);
    assertArrayEquals(whole.differences(PairedBootstrap.Metric.ACCURACY),
        merged.differences(PairedBootstrap.Metric.ACCURACY), 1e-15);
    assertArrayEquals(whole.differences(PairedBootstrap.Metric.MACRO_F1),
        merged.differences(PairedBootstrap.Metric.MACRO_F1), 1e-12);
    assertArrayEquals(whole.differences(PairedBootstrap.Metric.LOG_LOSS),
        merged.differences(PairedBootstrap.Metric.LOG_LOSS), 1e-9);
  }

  /**
   * Two strongly correlated classifiers: the paired standard error of the accuracy difference,
   * sqrt(((n01 + n10) / n - d^2) / n), is far below the unpaired one, so a bootstrap that did not use the
   * same weights for both models would miss it by a wide margin.
   */
  @Test
  void bootstrapSpreadMatchesThePairedStandardError() {
    int n = 4000;
    PairedBootstrap b = new PairedBootstrap(2000, 2, 3);
    Random r = new Random(3);
    long onlyA = 0;
    long onlyB = 0;
    for (int i = 0; i < n; i++) {
      int truth = r.nextInt(2);
      boolean aRight = r.nextDouble() < 0.8;
      boolean bRight = aRight ? r.nextDouble() < 0.97 : r.nextDouble() < 0.3;
      onlyA += aRight && !bRight ? 1 : 0;
      onlyB += bRight && !aRight ? 1 : 0;
      b.add("ex-" + i, truth, aRight ? truth : 1 - truth, 0.9, bRight ? truth : 1 - truth, 0.9);
    }
    double d = (onlyB - onlyA) / (double) n;
    double pairedSe = Math.sqrt(((onlyA + onlyB) / (double) n - d * d) / n);
    double unpairedSe = Math.sqrt(0.8 * 0.2 / n + 0.836 * 0.164 / n);
    double[] diffs = b.differences(PairedBootstrap.Metric.ACCURACY);
    double mean = java.util.Arrays.stream(diffs).average().orElseThrow();
    double sd = Math.sqrt(java.util.Arrays.stream(diffs).map(x -> (x - mean) * (x - mean)).sum() / (diffs.length - 1));
    assertTrue(pairedSe < 0.7 * unpairedSe, "the test needs correlated models");
    assertEquals(pairedSe, sd, 0.1 * pairedSe);
    assertEquals(d, mean, 0.2 * pairedSe);
    PairedBootstrap.Interval ci = b.interval(PairedBootstrap.Metric.ACCURACY, 0.95);
    assertEquals(d - 1.96 * pairedSe, ci.low(), 0.25 * pairedSe);
    assertEquals(d + 1.96 * pairedSe, ci.high(), 0.25 * pairedSe);
  }
}
