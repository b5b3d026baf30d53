package io.sparktune.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far new data has moved from the data a model was trained on, from their two {@link DataProfile}s:
 * per feature the population stability index (PSI, on about ten bins of equal reference mass) and the
 * Kolmogorov–Smirnov statistic (largest gap between the two CDFs on the profile's bins); the class prior's
 * PSI and total-variation distance; for token sequences the share of unknown tokens and the KS statistic
 * of the lengths; and the shift of the model's embedding: the root mean square, over its dimensions, of
 * the mean's change in reference standard deviations. PSI reads as usual: below 0.1 stable, 0.1–0.25
 * moderate, above 0.25 a major shift.
 *
 * @param maxFeaturePsi the largest per-feature PSI (0 for token sequences)
 * @param classPsi PSI of the class prior
 * @param embeddingShift RMS standardised shift of the embedding mean (NaN without embeddings)
 * @param unknownTokenIncrease share of unknown tokens, new minus reference (0 for feature vectors)
 * @param details everything, for reports
 */
public record DriftReport(double maxFeaturePsi, double classPsi, double embeddingShift, double unknownTokenIncrease,
    Map<String, Object> details) {
  private static final double EPS = 1e-4;
  private static final int TOP = 10;

  public static DriftReport compare(DataProfile ref, DataProfile cur, List<String> featureNames,
      List<String> classes) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("reference-examples", ref.count);
    d.put("new-examples", cur.count);
    double maxPsi = 0;
    double unknownIncrease = 0;
    if (ref.sequence) {
      double refRate = ref.tokens == 0 ? 0 : ref.unknownTokens / (double) ref.tokens;
      double curRate = cur.tokens == 0 ? 0 : cur.unknownTokens / (double) cur.tokens;
      unknownIncrease = curRate - refRate;
      d.put("unknown-token-share", Map.of("reference", refRate, "new", curRate));
      d.put("length-ks", ks(ref.lengths, cur.lengths));
      d.put("length-psi", psi(ref.lengths, cur.lengths));
    } else {
      List<Map<String, Object>> features = new ArrayList<>();
      int over = 0;
      double sum = 0;
      for (int f = 0; f < ref.bins.length; f++) {
        double p = psi(ref.bins[f], cur.bins[f]);
        maxPsi = Math.max(maxPsi, p);
        sum += p;
        over += p > 0.25 ? 1 : 0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("feature", f < featureNames.size() ? featureNames.get(f) : "feature " + f);
        m.put("psi", p);
        m.put("ks", ks(ref.bins[f], cur.bins[f]));
        features.add(m);
      }
      features.sort(Comparator.comparingDouble((Map<String, Object> m) -> -(double) m.get("psi")));
      d.put("features", ref.bins.length);
      d.put("max-feature-psi", maxPsi);
      d.put("mean-feature-psi", ref.bins.length == 0 ? 0 : sum / ref.bins.length);
      d.put("features-with-psi-above-0.25", over);
      d.put("most-shifted-features", features.subList(0, Math.min(TOP, features.size())));
    }
    double classPsi = psiExact(ref.classCounts, cur.classCounts);
    Map<String, Object> prior = new LinkedHashMap<>();
    prior.put("psi", classPsi);
    prior.put("total-variation", totalVariation(ref.classCounts, cur.classCounts));
    Map<String, Object> shares = new LinkedHashMap<>();
    for (int c = 0; c < ref.classCounts.length; c++) {
      shares.put(c < classes.size() ? classes.get(c) : "class " + c, Map.of(
          "reference", share(ref.classCounts, c), "new", share(cur.classCounts, c)));
    }
    prior.put("shares", shares);
    d.put("class-prior", prior);
    double shift = embeddingShift(ref, cur);
    if (!Double.isNaN(shift)) {
      d.put("embedding-shift", shift);
    }
    return new DriftReport(maxPsi, classPsi, shift, unknownIncrease, d);
  }

  /** PSI with reference bins merged into groups of at least a tenth of the reference mass. */
  static double psi(long[] ref, long[] cur) {
    double[] r = shares(ref);
    double[] c = shares(cur);
    if (r == null || c == null) {
      return 0;
    }
    double psi = 0;
    double groupR = 0;
    double groupC = 0;
    for (int b = 0; b < r.length; b++) {
      groupR += r[b];
      groupC += c[b];
      if (groupR >= 0.1 || b == r.length - 1) {
        psi += term(groupR, groupC);
        groupR = 0;
        groupC = 0;
      }
    }
    return psi;
  }

  /** PSI over categories as they are (classes). */
  static double psiExact(long[] ref, long[] cur) {
    double[] r = shares(ref);
    double[] c = shares(cur);
    if (r == null || c == null) {
      return 0;
    }
    double psi = 0;
    for (int i = 0; i < r.length; i++) {
      psi += term(r[i], c[i]);
    }
    return psi;
  }

  private static double term(double r, double c) {
    r = Math.max(r, EPS);
    c = Math.max(c, EPS);
    return (c - r) * Math.log(c / r);
  }

  /** The largest gap between the two cumulative distributions over the bins. */
  static double ks(long[] ref, long[] cur) {
    double[] r = shares(ref);
    double[] c = shares(cur);
    if (r == null || c == null) {
      return 0;
    }
    double cumR = 0;
    double cumC = 0;
    double max = 0;
    for (int b = 0; b < r.length; b++) {
      cumR += r[b];
      cumC += c[b];
      max = Math.max(max, Math.abs(cumR - cumC));
    }
    return max;
  }

  /** Each count's share of the total, or null when there is nothing. */
  private static double[] shares(long[] counts) {
    long total = sum(counts);
    if (total == 0) {
      return null;
    }
    double[] s = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      s[i] = counts[i] / (double) total;
    }
    return s;
  }

  private static double totalVariation(long[] ref, long[] cur) {
    double tv = 0;
    for (int i = 0; i < ref.length; i++) {
      tv += Math.abs(share(ref, i) - share(cur, i));
    }
    return tv / 2;
  }

  private static double share(long[] counts, int i) {
    long total = sum(counts);
    return total == 0 ? 0 : counts[i] / (double) total;
  }

  static double embeddingShift(DataProfile ref, DataProfile cur) {
    if (ref.embeddingSum == null || cur.embeddingSum == null || ref.embedded < 2 || cur.embedded == 0
        || ref.embeddingSum.length != cur.embeddingSum.length) {
      return Double.NaN;
    }
    int n = ref.embeddingSum.length;
    // a dimension that hardly varies in the reference (a dead unit) would turn noise into a huge z-shift
    double meanVar = 0;
    double[] var = new double[n];
    for (int i = 0; i < n; i++) {
      double mean = ref.embeddingSum[i] / ref.embedded;
      var[i] = Math.max(0, ref.embeddingSumSq[i] / ref.embedded - mean * mean);
      meanVar += var[i] / n;
    }
    double floor = Math.max(1e-12, 0.01 * meanVar);
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double diff = cur.embeddingSum[i] / cur.embedded - ref.embeddingSum[i] / ref.embedded;
      sq += diff * diff / Math.max(var[i], floor);
    }
    return Math.sqrt(sq / n);
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long v : a) {
      s += v;
    }
    return s;
  }
}
