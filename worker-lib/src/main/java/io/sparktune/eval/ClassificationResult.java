package io.sparktune.eval;

import java.io.Serializable;
import java.util.List;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything sparktune measures about a classifier on a data set, as mergeable accumulators: DL4J's
 * {@link Evaluation} (counts, so exact), one-vs-rest ROC and precision-recall areas
 * ({@link OneVsRestCurves}: histogram counts, so partitions merge exactly), and log loss plus
 * top-label calibration bins for the expected calibration error (Guo et al. 2017).
 */
public final class ClassificationResult implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Equal-width confidence bins of the reliability curve. */
  public static final int CALIBRATION_BINS = 15;
  /** Probabilities are clipped to [EPS, 1] in the log loss, as scikit-learn does. */
  private static final double EPS = 1e-15;

  private final Evaluation evaluation;
  private final OneVsRestCurves curves;
  private final long[] binCount = new long[CALIBRATION_BINS];
  private final double[] binConfidence = new double[CALIBRATION_BINS];
  private final long[] binCorrect = new long[CALIBRATION_BINS];
  private double logLossSum;
  private long examples;

  public ClassificationResult(List<String> classNames, int topK) {
    this.evaluation = new Evaluation(classNames, Math.max(1, topK));
    this.curves = new OneVsRestCurves(classNames.size());
  }

  /** Adds a minibatch: one-hot labels and predicted class probabilities, both [n, classes]. */
  public void add(INDArray labels, INDArray probabilities) {
    evaluation.eval(labels, probabilities);
    float[][] p = probabilities.toFloatMatrix();
    float[][] y = labels.toFloatMatrix();
    for (int i = 0; i < p.length; i++) {
      int truth = argMax(y[i]);
      int predicted = argMax(p[i]);
      curves.add(truth, p[i]);
      logLossSum -= Math.log(Math.max(EPS, Math.min(1.0, p[i][truth])));
      double confidence = p[i][predicted];
      int bin = Math.min(CALIBRATION_BINS - 1, (int) (confidence * CALIBRATION_BINS));
      binCount[bin]++;
      binConfidence[bin] += confidence;
      if (predicted == truth) {
        binCorrect[bin]++;
      }
      examples++;
    }
  }

  public ClassificationResult merge(ClassificationResult o) {
    evaluation.merge(o.evaluation);
    curves.merge(o.curves);
    for (int b = 0; b < CALIBRATION_BINS; b++) {
      binCount[b] += o.binCount[b];
      binConfidence[b] += o.binConfidence[b];
      binCorrect[b] += o.binCorrect[b];
    }
    logLossSum += o.logLossSum;
    examples += o.examples;
    return this;
  }

  public Evaluation evaluation() {
    return evaluation;
  }

  public OneVsRestCurves curves() {
    return curves;
  }

  public long examples() {
    return examples;
  }

  /** Mean negative log-likelihood of the true class. */
  public double logLoss() {
    return examples == 0 ? Double.NaN : logLossSum / examples;
  }

  /** Expected calibration error: the count-weighted gap between confidence and accuracy over the bins. */
  public double expectedCalibrationError() {
    double ece = 0;
    for (int b = 0; b < CALIBRATION_BINS; b++) {
      if (binCount[b] > 0) {
        ece += Math.abs(binCorrect[b] - binConfidence[b]) / examples;
      }
    }
    return ece;
  }

  /** Reliability curve: per non-empty bin, {mean confidence, accuracy, count}. */
  public double[][] reliabilityCurve() {
    return java.util.stream.IntStream.range(0, CALIBRATION_BINS).filter(b -> binCount[b] > 0)
        .mapToObj(b -> new double[] {binConfidence[b] / binCount[b], binCorrect[b] / (double) binCount[b], binCount[b]})
        .toArray(double[][]::new);
  }

  static int argMax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
