package io.sparktune.eval;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import io.sparktune.model.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Permutation feature importance (Breiman 2001; Fisher et al. 2019) as a mergeable accumulator: for each
 * feature, the model is scored again with that feature's values shuffled among the examples, and the
 * drop in accuracy (and rise in log loss) is the feature's importance. Run distributed, the shuffle is
 * within each partition, with a generator seeded by the partition's first example, so every partition
 * breaks the feature's link to the label just as a global shuffle does.
 */
public final class PermutationImportance implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double EPS = 1e-15;

  private final int features;
  private final int repeats;
  private long examples;
  private double baseCorrect;
  private double baseLogLoss;
  /** [repeat * features + feature] */
  private final double[] correct;
  private final double[] logLoss;

  public PermutationImportance(int features, int repeats) {
    this.features = features;
    this.repeats = repeats;
    this.correct = new double[features * repeats];
    this.logLoss = new double[features * repeats];
  }

  /** Scores one partition's records (at most a few thousand: they are held in memory). */
  public PermutationImportance add(Network net, BatchAssembler assembler, List<Record> records, long seed) {
    if (records.isEmpty()) {
      return this;
    }
    examples += records.size();
    double[] base = score(net, assembler, records);
    baseCorrect += base[0];
    baseLogLoss += base[1];
    SplittableRandom rng = new SplittableRandom(Splits.hash(seed, records.get(0).origin()));
    for (int r = 0; r < repeats; r++) {
      for (int f = 0; f < features; f++) {
        int[] order = permutation(records.size(), rng);
        List<Record> shuffled = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
          Record rec = records.get(i);
          float[] x = rec.features().clone();
          x[f] = records.get(order[i]).features()[f];
          shuffled.add(rec.withFeatures(x));
        }
        double[] s = score(net, assembler, shuffled);
        correct[r * features + f] += s[0];
        logLoss[r * features + f] += s[1];
      }
    }
    return this;
  }

  public PermutationImportance merge(PermutationImportance o) {
    examples += o.examples;
    baseCorrect += o.baseCorrect;
    baseLogLoss += o.baseLogLoss;
    for (int i = 0; i < correct.length; i++) {
      correct[i] += o.correct[i];
      logLoss[i] += o.logLoss[i];
    }
    return this;
  }

  public long examples() {
    return examples;
  }

  public double baselineAccuracy() {
    return baseCorrect / examples;
  }

  /** Accuracy drop of feature f in each repeat (positive = the model relies on it). */
  public double[] accuracyDrops(int f) {
    double[] d = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      d[r] = (baseCorrect - correct[r * features + f]) / examples;
    }
    return d;
  }

  /** Log-loss rise of feature f, averaged over the repeats. */
  public double logLossRise(int f) {
    double sum = 0;
    for (int r = 0; r < repeats; r++) {
      sum += (logLoss[r * features + f] - baseLogLoss) / examples;
    }
    return sum / repeats;
  }

  /** {correct count, summed log loss} of the records. */
  private static double[] score(Network net, BatchAssembler assembler, List<Record> records) {
    double correct = 0;
    double loss = 0;
    for (var it = assembler.chunks(records.iterator()); it.hasNext(); ) {
      List<Record> chunk = it.next();
      DataSet ds = assembler.assemble(chunk);
      INDArray out = net.output(ds);
      float[][] p = out.toFloatMatrix();
      for (int i = 0; i < p.length; i++) {
        int truth = chunk.get(i).label();
        if (ClassificationResult.argMax(p[i]) == truth) {
          correct++;
        }
        loss -= Math.log(Math.max(EPS, Math.min(1, p[i][truth])));
      }
    }
    return new double[] {correct, loss};
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
