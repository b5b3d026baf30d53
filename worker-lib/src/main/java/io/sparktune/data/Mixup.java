package io.sparktune.data;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mixup (Zhang et al. 2018): every training minibatch is replaced by convex combinations of its examples
 * with a shuffled copy of itself, {@code x = l x_i + (1 - l) x_j} and the same for the (one-hot or
 * regression) labels, with {@code l ~ Beta(alpha, alpha)} drawn once per minibatch.
 *
 * @param alpha the Beta distribution's parameter; small values keep most mixes close to one example
 */
public record Mixup(double alpha) implements Serializable {
  /** The mixed minibatch; {@code rnd} decides the mixing weight and the pairing. */
  public DataSet apply(DataSet batch, SplittableRandom rnd) {
    int n = batch.numExamples();
    if (n < 2) {
      return batch;
    }
    double l = new BetaDistribution(new Well19937c(rnd.nextLong()), alpha, alpha).sample();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return new DataSet(mix(batch.getFeatures(), perm, l), mix(batch.getLabels(), perm, l));
  }

  private static INDArray mix(INDArray a, int[] perm, double l) {
    INDArray shuffled = Nd4j.pullRows(a.reshape(a.size(0), a.length() / a.size(0)), 1, perm).reshape(a.shape());
    return a.mul(l).addi(shuffled.muli(1 - l));
  }
}
