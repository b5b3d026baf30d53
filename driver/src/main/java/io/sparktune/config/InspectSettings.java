package io.sparktune.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sparktune.inspect}: what sparktune inspect measures besides counts and statistics.
 *
 * @param maxListed examples or groups listed per finding
 * @param outlierDistance RMS z-score above which an example counts as an outlier
 * @param validRange the valid feature range [low, high]; empty = [0, 255] for image formats, none otherwise
 * @param labelErrorFolds folds of out-of-sample predictions for confident learning, 0 = skip
 * @param learningCurveFractions shares of the training split to fine-tune on, empty = skip
 * @param learningCurveMinGain accuracy gain from the last doubling that still counts as "more data helps"
 */
public record InspectSettings(int maxListed, double outlierDistance, List<Double> validRange, int labelErrorFolds,
    List<Double> learningCurveFractions, double learningCurveMinGain) {

  public static InspectSettings fromConfig(Config resolved) {
    ConfigProblems p = new ConfigProblems(resolved);
    String b = ConfigLoader.ROOT + ".inspect.";
    List<Double> range = doubles(resolved, p, b + "valid-range");
    if (!range.isEmpty() && (range.size() != 2 || range.get(0) > range.get(1))) {
      p.add(b + "valid-range", "must be [] or [low, high] with low <= high.");
    }
    List<Double> fractions = doubles(resolved, p, b + "learning-curve.fractions");
    for (int i = 0; i < fractions.size(); i++) {
      if (!(fractions.get(i) > 0 && fractions.get(i) <= 1) || (i > 0 && fractions.get(i) <= fractions.get(i - 1))) {
        p.add(b + "learning-curve.fractions", "must be increasing shares in (0, 1], e.g. [0.1, 0.25, 0.5, 1].");
        break;
      }
    }
    int folds = p.intIn(b + "label-errors.folds", 0, 20);
    if (folds == 1) {
      p.add(b + "label-errors.folds", "is 1; out-of-sample predictions need at least 2 folds (0 = skip).");
    }
    InspectSettings s = new InspectSettings(p.intIn(b + "max-listed", 0, 10_000),
        p.doubleIn(b + "outlier-distance", 0, 1000, true), range, folds, fractions,
        p.doubleIn(b + "learning-curve.min-gain", 0, 1, false));
    p.throwIfAny();
    return s;
  }

  private static List<Double> doubles(Config c, ConfigProblems p, String key) {
    try {
      return new ArrayList<>(c.getDoubleList(key));
    } catch (com.typesafe.config.ConfigException e) {
      p.add(key, "must be a list of numbers.");
      return List.of();
    }
  }
}
