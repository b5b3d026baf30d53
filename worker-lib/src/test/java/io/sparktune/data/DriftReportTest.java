package io.sparktune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PSI, KS, class prior, unknown tokens and embedding shift on data whose shift is known. */
class DriftReportTest {
  static DataProfile gaussian(DataProfile empty, int n, double mean, double spread, long seed, double spamShare) {
    Random r = new Random(seed);
    for (int i = 0; i < n; i++) {
      float x = (float) (mean + spread * r.nextGaussian());
      float y = (float) r.nextGaussian();
      empty.add(new Record(new float[] {x, y}, r.nextDouble() < spamShare ? 1 : 0, "row " + i));
      empty.addEmbeddings(new float[][] {{x, y, (float) r.nextGaussian()}});
    }
    return empty;
  }

  static DataProfile reference() {
    return gaussian(DataProfile.features(new double[] {-4, -4}, new double[] {4, 4}, 2), 20_000, 0, 1, 1, 0.3);
  }

  @Test
  void theSameDistributionShowsNoDrift() {
    DataProfile ref = reference();
    DriftReport d = DriftReport.compare(ref, gaussian(ref.emptyLike(), 20_000, 0, 1, 2, 0.3), List.of("x", "y"),
        List.of("ham", "spam"));
    assertTrue(d.maxFeaturePsi() < 0.01, "PSI " + d.maxFeaturePsi());
    assertTrue(d.classPsi() < 0.01, "class PSI " + d.classPsi());
    assertTrue(d.embeddingShift() < 0.05, "embedding shift " + d.embeddingShift());
  }

  @Test
  void aShiftedFeatureIsNamedWithItsPsiAndKs() {
    DataProfile ref = reference();
    DriftReport d = DriftReport.compare(ref, gaussian(ref.emptyLike(), 20_000, 1, 1, 3, 0.3), List.of("x", "y"),
        List.of("ham", "spam"));
    // a one-standard-deviation shift of a normal: KS = 2 Phi(0.5) - 1 = 0.383, PSI about 1
    assertTrue(d.maxFeaturePsi() > 0.5, "PSI " + d.maxFeaturePsi());
    @SuppressWarnings("unchecked")
    Map<String, Object> top = ((List<Map<String, Object>>) d.details().get("most-shifted-features")).get(0);
    assertEquals("x", top.get("feature"));
    assertEquals(0.383, (double) top.get("ks"), 0.03);
    assertTrue(d.embeddingShift() > 0.4, "embedding shift " + d.embeddingShift());
  }

  @Test
  void aChangedClassPriorIsMeasured() {
    DataProfile ref = reference();
    DriftReport d = DriftReport.compare(ref, gaussian(ref.emptyLike(), 20_000, 0, 1, 4, 0.6), List.of("x", "y"),
        List.of("ham", "spam"));
    // PSI of (0.7, 0.3) -> (0.4, 0.6): (0.4-0.7) ln(0.4/0.7) + (0.6-0.3) ln(0.6/0.3) = 0.376
    assertEquals(0.376, d.classPsi(), 0.03);
    assertTrue(d.maxFeaturePsi() < 0.01);
  }

  @Test
  void moreUnknownTokensAreMeasuredAndTheProfileSurvivesJson() {
    DataProfile ref = DataProfile.tokens(8, 2);
    DataProfile cur = ref.emptyLike();
    ref.add(new Record(new float[] {5, 6, 1, 7, 0, 0, 0, 0}, 0, "a")); // 1 of 4 tokens unknown
    cur.add(new Record(new float[] {1, 1, 5, 0, 0, 0, 0, 0}, 0, "b")); // 2 of 3
    DataProfile back = DataProfile.fromMap(ref.toMap());
    DriftReport d = DriftReport.compare(back, cur, List.of(), List.of("ham", "spam"));
    assertEquals(2 / 3.0 - 1 / 4.0, d.unknownTokenIncrease(), 1e-9);
    assertEquals(0, d.maxFeaturePsi());
  }

  @Test
  void profilesMergeAcrossPartitionsAsIfReadInOne() {
    DataProfile ref = reference();
    DataProfile a = gaussian(ref.emptyLike(), 500, 0, 1, 5, 0.3);
    DataProfile b = gaussian(ref.emptyLike(), 500, 0, 1, 6, 0.3);
    DataProfile both = gaussian(gaussian(ref.emptyLike(), 500, 0, 1, 5, 0.3), 500, 0, 1, 6, 0.3);
    DataProfile merged = a.merge(b);
    assertEquals(withoutEmbedding(both), withoutEmbedding(merged));
    assertEquals(both.toMap(), DataProfile.fromMap(both.toMap()).toMap());
    // embedding sums are floating point: merged in another order they agree to rounding
    assertEquals(0, DriftReport.embeddingShift(both, merged), 1e-9);
  }

  static Map<String, Object> withoutEmbedding(DataProfile p) {
    Map<String, Object> m = new java.util.LinkedHashMap<>(p.toMap());
    m.remove("embedding");
    return m;
  }
}
