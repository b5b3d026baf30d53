package io.sparktune.eval;

import java.io.Serializable;

/**
 * One-vs-rest ROC-AUC and PR-AUC (average precision) per class from histograms of predicted
 * probabilities: integer counts in {@value #BINS} equal-width bins, so partitions merge exactly and a
 * pass costs O(examples x classes). Scores that fall in the same bin count as ties (half credit in the
 * ROC area), so areas are exact up to a score resolution of 1/{@value #BINS}.
 */
public final class OneVsRestCurves implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int BINS = 1000;

  private final long[][] positives;
  private final long[][] negatives;

  public OneVsRestCurves(int classes) {
    positives = new long[classes][BINS];
    negatives = new long[classes][BINS];
  }

  /** Adds one example: its true class and its predicted probability for every class. */
  void add(int truth, float[] probabilities) {
    for (int c = 0; c < probabilities.length; c++) {
      int bin = Math.min(BINS - 1, Math.max(0, (int) (probabilities[c] * BINS)));
      (c == truth ? positives : negatives)[c][bin]++;
    }
  }

  void merge(OneVsRestCurves o) {
    for (int c = 0; c < positives.length; c++) {
      for (int b = 0; b < BINS; b++) {
        positives[c][b] += o.positives[c][b];
        negatives[c][b] += o.negatives[c][b];
      }
    }
  }

  /** Area under the ROC curve of class c against the rest; NaN when c has no positives or no negatives. */
  public double rocAuc(int c) {
    long p = sum(positives[c]);
    long n = sum(negatives[c]);
    if (p == 0 || n == 0) {
      return Double.NaN;
    }
    double area = 0;
    long tp = 0;
    long fp = 0;
    for (int b = BINS - 1; b >= 0; b--) {
      long tp2 = tp + positives[c][b];
      long fp2 = fp + negatives[c][b];
      area += (fp2 - fp) * (tp + tp2) / 2.0;
      tp = tp2;
      fp = fp2;
    }
    return area / ((double) p * n);
  }

  /** Average precision of class c: precision at each threshold weighted by the recall it adds. */
  public double prAuc(int c) {
    long p = sum(positives[c]);
    if (p == 0) {
      return Double.NaN;
    }
    double ap = 0;
    long tp = 0;
    long fp = 0;
    for (int b = BINS - 1; b >= 0; b--) {
      tp += positives[c][b];
      fp += negatives[c][b];
      if (positives[c][b] > 0) {
        ap += positives[c][b] / (double) p * tp / (tp + fp);
      }
    }
    return ap;
  }

  /** Unweighted mean over the classes where the area is defined. */
  public double macroRocAuc() {
    return mean(true);
  }

  public double macroPrAuc() {
    return mean(false);
  }

  private double mean(boolean roc) {
    double s = 0;
    int k = 0;
    for (int c = 0; c < positives.length; c++) {
      double v = roc ? rocAuc(c) : prAuc(c);
      if (!Double.isNaN(v)) {
        s += v;
        k++;
      }
    }
    return k == 0 ? Double.NaN : s / k;
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long v : a) {
      s += v;
    }
    return s;
  }
}
