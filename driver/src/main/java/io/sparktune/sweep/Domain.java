package io.sparktune.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The values one searched config key can take. Continuous and integer domains map to the unit interval
 * ({@link #toUnit}, {@link #fromUnit}; logarithmically for the log domains), which is where TPE fits its
 * densities; a choice is categorical.
 */
public sealed interface Domain {

  /** A uniformly random value. */
  Object sample(SplittableRandom rnd);

  /** The values a grid search tries: every choice, or {@code points} evenly spaced values (log-spaced for log domains). */
  List<Object> grid(int points);

  /** One of a list of values (numbers, strings, booleans). */
  record Choice(List<Object> values) implements Domain {
    @Override
    public Object sample(SplittableRandom rnd) {
      return values.get(rnd.nextInt(values.size()));
    }

    @Override
    public List<Object> grid(int points) {
      return values;
    }
  }

  /** A real number in [min, max], uniform on a linear or logarithmic scale. */
  record Real(double min, double max, boolean log) implements Domain {
    @Override
    public Object sample(SplittableRandom rnd) {
      return fromUnit(rnd.nextDouble());
    }

    @Override
    public List<Object> grid(int points) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < points; i++) {
        out.add(fromUnit(points == 1 ? 0.5 : i / (double) (points - 1)));
      }
      return out;
    }

    public double toUnit(double v) {
      return log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
    }

    public double fromUnit(double u) {
      double c = Math.min(1, Math.max(0, u));
      return log ? Math.exp(Math.log(min) + c * (Math.log(max) - Math.log(min))) : min + c * (max - min);
    }
  }

  /** An integer in [min, max], uniform on a linear or logarithmic scale. */
  record Int(long min, long max, boolean log) implements Domain {
    private Real real() {
      return log ? new Real(min - 0.5 > 0 ? min - 0.5 : min, max + 0.5, true) : new Real(min - 0.5, max + 0.5, false);
    }

    @Override
    public Object sample(SplittableRandom rnd) {
      return fromUnit(rnd.nextDouble());
    }

    @Override
    public List<Object> grid(int points) {
      List<Object> out = new ArrayList<>();
      for (Object v : new Real(min, max, log).grid(Math.min(points, (int) Math.min(Integer.MAX_VALUE, max - min + 1)))) {
        long r = Math.round((Double) v);
        if (!out.contains(r)) {
          out.add(r);
        }
      }
      return out;
    }

    public double toUnit(long v) {
      return real().toUnit(v);
    }

    public long fromUnit(double u) {
      return Math.max(min, Math.min(max, Math.round(real().fromUnit(u))));
    }
  }
}
