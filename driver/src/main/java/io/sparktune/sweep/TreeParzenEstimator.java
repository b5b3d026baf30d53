package io.sparktune.sweep;

import io.sparktune.data.Splits;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kégl 2011, "Algorithms for
 * hyper-parameter optimization"), in its multivariate form (one kernel per trial over all keys together,
 * as in BOHB, Falkner et al. 2018, and Optuna's multivariate TPE). After {@code startup} random trials, the
 * scored trials are split into the best fraction {@code gamma} ("good") and the rest; a density l(x) is
 * fitted to the good configurations and g(x) to the others, and of {@code candidates} draws from l the one
 * with the largest l(x) / g(x) is proposed.
 *
 * <p>Each density is a mixture of one kernel per trial and a uniform prior component of weight
 * {@link #PRIOR_WEIGHT}. A trial's kernel is a product over keys: numeric keys on the unit interval
 * (log-scaled for log domains), a Gaussian truncated to it with Scott's-rule bandwidth
 * {@code 0.2 n^(-1/(d+4))}; choices put {@code 1 + w/k} of {@code 1 + w} on the trial's value and
 * {@code w/k} on each other value ({@code w} the prior weight, {@code k} the values). Because whole
 * configurations are modelled, keys that interact (the best learning rate depends on the batch size) are
 * proposed together, and because a choice's kernel keeps mass on every value, a category that did well
 * early does not capture every later proposal, which is how the per-key estimator lost to random search
 * on the quickstart sweep (README, Hyperparameter sweeps). A key that is inactive in a trial (its
 * condition unmet) takes the prior's factor in that trial's kernel.
 */
public final class TreeParzenEstimator implements SearchAlgorithm {
  /** The uniform prior component's weight, in trials. */
  static final double PRIOR_WEIGHT = 1.0;
  private static final double MIN_BANDWIDTH = 0.02;

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
    int nGood = Math.min(scored.size(), Math.max(1, (int) Math.ceil(gamma * scored.size())));
    Density good = new Density(space, scored.subList(0, nGood));
    Density rest = new Density(space, scored.subList(nGood, scored.size()));
    Map<String, Object> best = null;
    double bestRatio = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < candidates; k++) {
      Map<String, Object> x = good.sample(rnd);
      double ratio = Math.log(good.at(x)) - Math.log(rest.at(x));
      if (best == null || ratio > bestRatio) {
        bestRatio = ratio;
        best = x;
      }
    }
    return best;
  }

  /** A Parzen density over whole configurations: one product kernel per trial plus the uniform prior. */
  static final class Density {
    private final SearchSpace space;
    private final List<Map<String, Object>> centres;
    private final double bandwidth;

    Density(SearchSpace space, List<Observation> trials) {
      this.space = space;
      this.centres = trials.stream().map(Observation::values).toList();
      int d = space.parameters().size();
      this.bandwidth = Math.max(MIN_BANDWIDTH, 0.2 * Math.pow(Math.max(1, centres.size()), -1.0 / (d + 4)));
    }

    /** A configuration drawn from the mixture: a trial's kernel (or the prior), then each active key from it. */
    Map<String, Object> sample(SplittableRandom rnd) {
      double pick = rnd.nextDouble() * (centres.size() + PRIOR_WEIGHT);
      Map<String, Object> centre = pick < centres.size() ? centres.get((int) pick) : Map.of();
      Map<String, Object> values = new LinkedHashMap<>();
      for (Parameter p : space.parameters()) {
        if (!p.activeIn(values)) {
          continue;
        }
        Object c = centre.get(p.key());
        if (c == null || !known(p, c)) {
          values.put(p.key(), p.domain().sample(rnd));
        } else if (p.domain() instanceof Domain.Choice choice) {
          values.put(p.key(), choice.values().get(draw(choiceKernel(choice, c), rnd)));
        } else {
          values.put(p.key(), fromUnit(p.domain(), truncatedGaussian(toUnit(p.domain(), c), rnd)));
        }
      }
      return values;
    }

    /** The density at {@code x} (over its active keys). */
    double at(Map<String, Object> x) {
      double sum = PRIOR_WEIGHT * priorAt(x);
      for (Map<String, Object> centre : centres) {
        double k = 1;
        for (Parameter p : space.parameters()) {
          Object v = x.get(p.key());
          if (v == null) {
            continue;
          }
          Object c = centre.get(p.key());
          if (c == null || !known(p, c)) {
            k *= prior(p);
          } else if (p.domain() instanceof Domain.Choice choice) {
            k *= choiceKernel(choice, c)[indexOf(choice, v)];
          } else {
            k *= gaussianAt(toUnit(p.domain(), v), toUnit(p.domain(), c));
          }
        }
        sum += k;
      }
      return sum / (centres.size() + PRIOR_WEIGHT);
    }

    private double priorAt(Map<String, Object> x) {
      double d = 1;
      for (Parameter p : space.parameters()) {
        if (x.get(p.key()) != null) {
          d *= prior(p);
        }
      }
      return d;
    }

    /** False for a past trial's value that the (since edited) space no longer offers: it counts as unseen. */
    private static boolean known(Parameter p, Object value) {
      return !(p.domain() instanceof Domain.Choice c) || indexOf(c, value) >= 0;
    }

    private static double prior(Parameter p) {
      return p.domain() instanceof Domain.Choice c ? 1.0 / c.values().size() : 1.0;
    }

    /** The Gaussian of the bandwidth at {@code mu}, truncated to [0, 1] (renormalised), at {@code u}. */
    private double gaussianAt(double u, double mu) {
      double mass = phi((1 - mu) / bandwidth) - phi(-mu / bandwidth);
      double z = (u - mu) / bandwidth;
      return Math.exp(-0.5 * z * z) / (Math.sqrt(2 * Math.PI) * bandwidth * Math.max(mass, 1e-12));
    }

    private double truncatedGaussian(double mu, SplittableRandom rnd) {
      for (int tries = 0; tries < 100; tries++) {
        double u = mu + bandwidth * gaussian(rnd);
        if (u >= 0 && u <= 1) {
          return u;
        }
      }
      return Math.min(1, Math.max(0, mu));
    }
  }

  /** A choice's kernel around {@code observed}: 1 + w/k on it and w/k on every value, normalised. */
  static double[] choiceKernel(Domain.Choice c, Object observed) {
    int k = c.values().size();
    double[] w = new double[k];
    Arrays.fill(w, PRIOR_WEIGHT / k / (1 + PRIOR_WEIGHT));
    w[indexOf(c, observed)] += 1 / (1 + PRIOR_WEIGHT);
    return w;
  }

  /** The index of {@code v} among the choices, or -1. */
  private static int indexOf(Domain.Choice c, Object v) {
    for (int i = 0; i < c.values().size(); i++) {
      if (SearchSpace.sameValue(v, c.values().get(i))) {
        return i;
      }
    }
    return -1;
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

  private static double toUnit(Domain d, Object v) {
    double x = ((Number) v).doubleValue();
    return d instanceof Domain.Real r ? r.toUnit(x) : ((Domain.Int) d).toUnit(Math.round(x));
  }

  private static Object fromUnit(Domain d, double u) {
    return d instanceof Domain.Real r ? (Object) r.fromUnit(u) : (Object) ((Domain.Int) d).fromUnit(u);
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
