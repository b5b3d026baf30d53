package io.sparktune.eval;

import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Macro-averaged precision, recall and F1 over every class that occurs as truth or as prediction (scikit-learn's
 * convention, and the paired bootstrap's): a class that occurs but is never predicted counts with precision 0 and
 * F1 0, one predicted but never present with recall 0 and F1 0; a class absent from both has nothing to measure.
 *
 * <p>Why not DL4J's {@code Evaluation.f1(EvaluationAveraging.Macro)}: on two classes it returns the F1 of the
 * positive class alone (0.9600 for per-class 0.9672 / 0.9600), and on more it silently leaves out classes that are
 * never predicted (0.5303 where the mean over all ten was 0.4773).
 *
 * @param classesAveraged classes that occur as truth or prediction
 * @param neverPredicted classes present in the truth but never predicted (counted with F1 0)
 * @param neverPresent classes predicted but absent from the truth (counted with F1 0)
 */
public record MacroAverages(double precision, double recall, double f1, int classesAveraged, int neverPredicted,
    int neverPresent) {

  /** From a confusion matrix, rows actual and columns predicted. */
  public static MacroAverages of(long[][] counts) {
    int n = counts.length;
    double p = 0;
    double r = 0;
    double f = 0;
    int averaged = 0;
    int neverPredicted = 0;
    int neverPresent = 0;
    for (int c = 0; c < n; c++) {
      long tp = counts[c][c];
      long actual = 0;
      long predicted = 0;
      for (int k = 0; k < n; k++) {
        actual += counts[c][k];
        predicted += counts[k][c];
      }
      if (actual == 0 && predicted == 0) {
        continue;
      }
      averaged++;
      neverPredicted += actual > 0 && predicted == 0 ? 1 : 0;
      neverPresent += actual == 0 ? 1 : 0;
      p += predicted == 0 ? 0 : tp / (double) predicted;
      r += actual == 0 ? 0 : tp / (double) actual;
      f += 2.0 * tp / (actual + predicted);
    }
    return averaged == 0 ? new MacroAverages(Double.NaN, Double.NaN, Double.NaN, 0, 0, 0)
        : new MacroAverages(p / averaged, r / averaged, f / averaged, averaged, neverPredicted, neverPresent);
  }

  /** From DL4J's accumulated evaluation over {@code classes} classes. */
  public static MacroAverages of(Evaluation e, int classes) {
    ConfusionMatrix<Integer> cm = e.getConfusion();
    long[][] counts = new long[classes][classes];
    for (int a = 0; a < classes; a++) {
      for (int p = 0; p < classes; p++) {
        counts[a][p] = cm == null ? 0 : cm.getCount(a, p);
      }
    }
    return of(counts);
  }
}
