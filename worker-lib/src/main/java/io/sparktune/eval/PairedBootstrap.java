package io.sparktune.eval;

import io.sparktune.data.Splits;
import java.io.Serializable;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * Paired bootstrap of the difference of a metric between two classifiers scored on the same examples,
 * computed as a Poisson bootstrap so it runs distributed (Hanley and MacGibbon 2006; Chamandy et al.
 * 2012): in every replicate each example gets an independent Poisson(1) weight drawn from a generator
 * seeded by the example's origin, so the replicates do not depend on partitioning and partial results
 * merge by addition. Both models see the same weights in a replicate, which is what makes it paired.
 */
public final class PairedBootstrap implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double EXP_MINUS_ONE = Math.exp(-1);
  private static final double EPS = 1e-15;

  /** Metrics the bootstrap tracks, with the direction in which they improve. */
  public enum Metric {
    ACCURACY("accuracy", true), MACRO_F1("macro-f1", true), LOG_LOSS("log-loss", false);

    private final String key;
    private final boolean higherIsBetter;

    Metric(String key, boolean higherIsBetter) {
      this.key = key;
      this.higherIsBetter = higherIsBetter;
    }

    public String key() {
      return key;
    }

    public boolean higherIsBetter() {
      return higherIsBetter;
    }
  }

  /** A two-sided percentile interval of metric(B) - metric(A). */
  public record Interval(double low, double high) {
    public boolean excludesZero() {
      return low > 0 || high < 0;
    }
  }

  private final int replicates;
  private final int classes;
  private final long seed;
  private final double[] weight;
  private final double[][] correct = new double[2][];
  private final double[][] logLoss = new double[2][];
  /** [model][replicate * classes + class] */
  private final double[][] truePositive = new double[2][];
  private final double[][] falsePositive = new double[2][];
  private final double[][] falseNegative = new double[2][];

  public PairedBootstrap(int replicates, int classes, long seed) {
    this.replicates = replicates;
    this.classes = classes;
    this.seed = seed;
    this.weight = new double[replicates];
    for (int m = 0; m < 2; m++) {
      correct[m] = new double[replicates];
      logLoss[m] = new double[replicates];
      truePositive[m] = new double[replicates * classes];
      falsePositive[m] = new double[replicates * classes];
      falseNegative[m] = new double[replicates * classes];
    }
  }

  /**
   * Adds one example: its true class, each model's predicted class and each model's probability of the
   * true class.
   */
  public void add(String origin, int truth, int predictedA, double trueProbabilityA, int predictedB,
      double trueProbabilityB) {
    SplittableRandom rng = new SplittableRandom(Splits.hash(seed, origin));
    int[] predicted = {predictedA, predictedB};
    double[] loss = {-Math.log(Math.max(EPS, Math.min(1, trueProbabilityA))),
        -Math.log(Math.max(EPS, Math.min(1, trueProbabilityB)))};
    for (int r = 0; r < replicates; r++) {
      int w = poissonOne(rng);
      if (w == 0) {
        continue;
      }
      weight[r] += w;
      for (int m = 0; m < 2; m++) {
        logLoss[m][r] += w * loss[m];
        if (predicted[m] == truth) {
          correct[m][r] += w;
          truePositive[m][r * classes + truth] += w;
        } else {
          falsePositive[m][r * classes + predicted[m]] += w;
          falseNegative[m][r * classes + truth] += w;
        }
      }
    }
  }

  public PairedBootstrap merge(PairedBootstrap o) {
    if (o.replicates != replicates || o.classes != classes || o.seed != seed) {
      throw new IllegalArgumentException("Cannot merge bootstraps with different replicates, classes or seeds.");
    }
    add(weight, o.weight);
    for (int m = 0; m < 2; m++) {
      add(correct[m], o.correct[m]);
      add(logLoss[m], o.logLoss[m]);
      add(truePositive[m], o.truePositive[m]);
      add(falsePositive[m], o.falsePositive[m]);
      add(falseNegative[m], o.falseNegative[m]);
    }
    return this;
  }

  public int replicates() {
    return replicates;
  }

  /** metric(B) - metric(A) in every replicate that holds at least one example. */
  public double[] differences(Metric metric) {
    double[] d = new double[replicates];
    int n = 0;
    for (int r = 0; r < replicates; r++) {
      if (weight[r] > 0) {
        d[n++] = value(metric, 1, r) - value(metric, 0, r);
      }
    }
    return java.util.Arrays.copyOf(d, n);
  }

  /** The percentile interval of metric(B) - metric(A) at the given confidence level, e.g. 0.95. */
  public Interval interval(Metric metric, double confidence) {
    double[] d = differences(metric);
    if (d.length == 0) {
      return new Interval(Double.NaN, Double.NaN);
    }
    Percentile p = new Percentile();
    p.setData(d);
    double tail = (1 - confidence) / 2 * 100;
    return new Interval(p.evaluate(Math.max(tail, 1e-9)), p.evaluate(100 - tail));
  }

  private double value(Metric metric, int model, int r) {
    return switch (metric) {
      case ACCURACY -> correct[model][r] / weight[r];
      case LOG_LOSS -> logLoss[model][r] / weight[r];
      case MACRO_F1 -> macroF1(model, r);
    };
  }

  /** F1 averaged over the classes that occur (as truth or prediction) in the replicate. */
  private double macroF1(int model, int r) {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < classes; c++) {
      int i = r * classes + c;
      double denominator = 2 * truePositive[model][i] + falsePositive[model][i] + falseNegative[model][i];
      if (denominator > 0) {
        sum += 2 * truePositive[model][i] / denominator;
        present++;
      }
    }
    return present == 0 ? Double.NaN : sum / present;
  }

  /**
   * A Poisson(1) draw by Knuth's product of uniforms: two uniforms on average, and exact. Written here
   * rather than taken from commons-math because it runs once per example and replicate and must use the
   * example's own cheap generator.
   */
  private static int poissonOne(SplittableRandom rng) {
    int k = 0;
    double p = rng.nextDouble();
    while (p > EXP_MINUS_ONE) {
      k++;
      p *= rng.nextDouble();
    }
    return k;
  }

  private static void add(double[] into, double[] from) {
    for (int i = 0; i < into.length; i++) {
      into[i] += from[i];
    }
  }
}
