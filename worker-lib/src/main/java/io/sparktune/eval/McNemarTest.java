package io.sparktune.eval;

import java.io.Serializable;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.special.Gamma;

/**
 * McNemar's test (McNemar 1947) of whether two classifiers scored on the same examples have the same
 * accuracy: only the discordant examples count, those one model gets right and the other wrong. With
 * fewer than 25 discordant examples the exact two-sided binomial test is used, otherwise the chi-square
 * statistic with continuity correction (Edwards 1948), as Dietterich (1998) recommends.
 *
 * @param onlyACorrect examples A classifies correctly and B does not
 * @param onlyBCorrect examples B classifies correctly and A does not
 * @param statistic the chi-square statistic, or the smaller discordant count for the exact test
 * @param pValue two-sided p-value
 * @param method "exact-binomial" or "chi-square-continuity-corrected"
 */
public record McNemarTest(long onlyACorrect, long onlyBCorrect, double statistic, double pValue, String method)
    implements Serializable {
  /** Below this many discordant examples the chi-square approximation is poor. */
  static final long EXACT_BELOW = 25;

  public static McNemarTest of(long onlyACorrect, long onlyBCorrect) {
    long n = onlyACorrect + onlyBCorrect;
    if (n == 0) {
      return new McNemarTest(0, 0, 0, 1, "exact-binomial");
    }
    if (n < EXACT_BELOW) {
      long smaller = Math.min(onlyACorrect, onlyBCorrect);
      double p = 2 * new BinomialDistribution(null, (int) n, 0.5).cumulativeProbability((int) smaller);
      return new McNemarTest(onlyACorrect, onlyBCorrect, smaller, Math.min(1, p), "exact-binomial");
    }
    double diff = Math.abs(onlyACorrect - onlyBCorrect) - 1.0;
    double chi2 = Math.max(0, diff) * Math.max(0, diff) / n;
    // the chi-square(1) upper tail, computed directly so that tiny p-values do not round to 0
    double p = Gamma.regularizedGammaQ(0.5, chi2 / 2);
    return new McNemarTest(onlyACorrect, onlyBCorrect, chi2, p, "chi-square-continuity-corrected");
  }
}
