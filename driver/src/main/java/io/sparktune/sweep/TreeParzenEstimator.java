package io.sparktune.sweep;

import io.sparktune.data.Splits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kégl 2011, "Algorithms for
 * hyper-parameter optimization"). After {@code startup} random trials, the scored trials are split into
 * the best fraction {@code gamma} ("good") and the rest; for each parameter, in condition order and only
 * where it is active, a density l(x) is fitted to its good values and g(x) to its other values, and of
 * {@code candidates} draws from l the one with the largest l(x) / g(x) is taken. Numeric keys are
 * modelled on the unit interval (log-scaled for log domains) by truncated Gaussian kernels, one per
 * observation with a bandwidth from its neighbours, plus a uniform prior component; choices by smoothed
 * category frequencies. A parameter that is inactive in a trial does not enter its densities.
 */
public final class TreeParzenEstimator implements SearchAlgorithm {
  private final SearchSpace space;
  private final long seed;
  private final int startup;
  private final double gamma;
  private final int candidates;

  public TreeParzenEstimator(SearchSpace space, long seed, int startup, double gamma, int candidates) {
    this.space = space;
    this.seed = seed;
    this.startup = startup;
    this.gamma = gamma;
    this.candidates = candidates;
  }

  @Override
  public Map<String, Object> next(List<Observation> history, int index) {
    SplittableRandom rnd = new SplittableRandom(Splits.mix(seed + 0x7BE_11L * (index + 1)));
    List<Observation> scored = history.stream().filter(o -> Double.isFinite(o.score()))
        .sorted(Comparator.comparingDouble(Observation::score).reversed()).toList();
    if (scored.size() < startup) {
      return space.sample(rnd);
    }
    int nGood = Math.max(1, (int) Math.ceil(gamma * scored.size()));
    List<Observation> good = scored.subList(0, nGood);
    List<Observation> bad = scored.subList(nGood, scored.size());
    Map<String, Object> values = new LinkedHashMap<>();
    for (Parameter p : space.parameters()) {
      if (p.activeIn(values)) {
        values.put(p.key(), choose(p, valuesOf(p, good), valuesOf(p, bad), rnd));
      }
    }
    return values;
  }

  private static List<Object> valuesOf(Parameter p, List<Observation> trials) {
    List<Object> out = new ArrayList<>();
    for (Observation o : trials) {
      Object v = o.values().get(p.key());
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  private Object choose(Parameter p, List<Object> good, List<Object> bad, SplittableRandom rnd) {
    if (p.domain() instanceof Domain.Choice c) {
      double[] l = categorical(c, good);
      double[] g = categorical(c, bad);
      int best = -1;
      double bestRatio = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < candidates; k++) {
        int i = draw(l, rnd);
        double ratio = Math.log(l[i]) - Math.log(g[i]);
        if (ratio > bestRatio) {
          bestRatio = ratio;
          best = i;
        }
      }
      return c.values().get(best);
    }
    Parzen l = new Parzen(units(p.domain(), good));
    Parzen g = new Parzen(units(p.domain(), bad));
    double bestU = 0.5;
    double bestRatio = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < candidates; k++) {
      double u = l.sample(rnd);
      double ratio = Math.log(l.density(u)) - Math.log(g.density(u));
      if (ratio > bestRatio) {
        bestRatio = ratio;
        bestU = u;
      }
    }
    return p.domain() instanceof Domain.Real r ? (Object) r.fromUnit(bestU) : (Object) ((Domain.Int) p.domain()).fromUnit(bestU);
  }

  /** Category probabilities: counts plus one pseudo-count each (the prior). */
  private static double[] categorical(Domain.Choice c, List<Object> seen) {
    double[] w = new double[c.values().size()];
    Arrays.fill(w, 1.0);
    for (Object v : seen) {
      for (int i = 0; i < w.length; i++) {
        if (SearchSpace.sameValue(v, c.values().get(i))) {
          w[i] += 1;
        }
      }
    }
    double sum = Arrays.stream(w).sum();
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }

  private static int draw(double[] p, SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double c = 0;
    for (int i = 0; i < p.length; i++) {
      c += p[i];
      if (u < c) {
        return i;
      }
    }
    return p.length - 1;
  }

  private static double[] units(Domain d, List<Object> values) {
    double[] u = new double[values.size()];
    for (int i = 0; i < u.length; i++) {
      double v = ((Number) values.get(i)).doubleValue();
      u[i] = d instanceof Domain.Real r ? r.toUnit(v) : ((Domain.Int) d).toUnit(Math.round(v));
    }
    return u;
  }

  /**
   * A mixture on [0, 1] of Gaussians truncated to the interval, one at each observation (bandwidth: the
   * larger gap to its neighbours, bounded), and one uniform prior component, all weighted equally.
   */
  static final class Parzen {
    private static final double MIN_BANDWIDTH = 0.01;
    private final double[] mu;
    private final double[] sigma;

    Parzen(double[] points) {
      mu = points.clone();
      Arrays.sort(mu);
      sigma = new double[mu.length];
      for (int i = 0; i < mu.length; i++) {
        double left = i == 0 ? mu[i] : mu[i] - mu[i - 1];
        double right = i == mu.length - 1 ? 1 - mu[i] : mu[i + 1] - mu[i];
        sigma[i] = Math.min(1.0, Math.max(Math.max(left, right), Math.max(MIN_BANDWIDTH, 1.0 / (1 + mu.length))));
      }
    }

    double density(double u) {
      double d = 1.0; // the uniform prior on [0, 1]
      for (int i = 0; i < mu.length; i++) {
        double mass = phi((1 - mu[i]) / sigma[i]) - phi(-mu[i] / sigma[i]);
        double z = (u - mu[i]) / sigma[i];
        d += Math.exp(-0.5 * z * z) / (Math.sqrt(2 * Math.PI) * sigma[i] * Math.max(mass, 1e-12));
      }
      return d / (mu.length + 1);
    }

    double sample(SplittableRandom rnd) {
      int k = rnd.nextInt(mu.length + 1);
      if (k == mu.length) {
        return rnd.nextDouble();
      }
      for (int tries = 0; tries < 100; tries++) {
        double u = mu[k] + sigma[k] * gaussian(rnd);
        if (u >= 0 && u <= 1) {
          return u;
        }
      }
      return Math.min(1, Math.max(0, mu[k]));
    }

    private static double gaussian(SplittableRandom rnd) {
      double u1 = Math.max(rnd.nextDouble(), 1e-300);
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /** The standard normal distribution function (erf by Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
    static double phi(double x) {
      double z = Math.abs(x) / Math.sqrt(2);
      double t = 1 / (1 + 0.3275911 * z);
      double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
          * Math.exp(-z * z);
      return 0.5 * (1 + (x >= 0 ? erf : -erf));
    }
  }
}
