package io.sparktune.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Re-sampling of imbalanced classes, drawn anew every epoch on the executors: each training example of
 * class c is used a random number of times whose mean is the class's rate, so every class contributes
 * as many examples per epoch in expectation.
 *
 * <ul>
 *   <li>{@code oversample}: rate {@code n_max / n_c} (the majority class once, a class ten times smaller
 *       ten times: whole copies plus one more with the fractional probability);
 *   <li>{@code undersample}: rate {@code n_min / n_c} (the minority class once, larger classes keep a
 *       random subset each epoch, a different one every epoch).
 * </ul>
 */
public final class ClassResampling implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final java.util.List<String> MODES = java.util.List.of("none", "oversample", "undersample");

  private final String mode;
  private final double[] rates;
  private final long expectedExamples;

  private ClassResampling(String mode, double[] rates, long[] counts) {
    this.mode = mode;
    this.rates = rates;
    double sum = 0;
    for (int c = 0; c < counts.length; c++) {
      sum += counts[c] * rates[c];
    }
    this.expectedExamples = Math.round(sum);
  }

  /** @param counts training examples per class (classes without examples are never drawn) */
  public static ClassResampling of(String mode, long[] counts) {
    long max = Arrays.stream(counts).max().orElse(0);
    long min = Arrays.stream(counts).filter(n -> n > 0).min().orElse(0);
    double[] rates = new double[counts.length];
    for (int c = 0; c < counts.length; c++) {
      rates[c] = counts[c] == 0 ? 0 : switch (mode) {
        case "oversample" -> max / (double) counts[c];
        case "undersample" -> min / (double) counts[c];
        default -> throw new IllegalArgumentException("re-sampling mode must be oversample or undersample: " + mode);
      };
    }
    return new ClassResampling(mode, rates, counts);
  }

  /** How many times an example of {@code label} is used this epoch: mean {@link #rate}, integer part always. */
  public int copies(int label, SplittableRandom rnd) {
    double r = rates[label];
    int whole = (int) Math.floor(r);
    return whole + (rnd.nextDouble() < r - whole ? 1 : 0);
  }

  public double rate(int label) {
    return rates[label];
  }

  /** Expected examples per epoch for the class counts this was made for. */
  public long expectedExamples() {
    return expectedExamples;
  }

  public String mode() {
    return mode;
  }
}
