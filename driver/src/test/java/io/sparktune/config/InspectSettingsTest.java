package io.sparktune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/** sparktune.inspect's defaults and the errors its bad values give, naming the key. */
class InspectSettingsTest {
  static final File IRIS = new File("conf/examples/iris-csv.conf");

  static InspectSettings load(String... sets) {
    return InspectSettings.fromConfig(ConfigLoader.load(IRIS, List.of(sets)));
  }

  static String error(String... sets) {
    return assertThrows(BadInputException.class, () -> load(sets)).getMessage();
  }

  @Test
  void defaults() {
    InspectSettings s = load();
    assertEquals(3, s.labelErrorFolds());
    assertEquals(List.of(0.1, 0.25, 0.5, 1.0), s.learningCurveFractions());
    assertEquals(List.of(), s.validRange());
  }

  @Test
  void refusesBadValuesNamingTheKey() {
    String folds = error("inspect.label-errors.folds=1");
    assertTrue(folds.contains("sparktune.inspect.label-errors.folds") && folds.contains("at least 2"), folds);
    String fractions = error("inspect.learning-curve.fractions=[0.5, 0.25]");
    assertTrue(fractions.contains("sparktune.inspect.learning-curve.fractions") && fractions.contains("increasing"),
        fractions);
    String range = error("inspect.valid-range=[5]");
    assertTrue(range.contains("sparktune.inspect.valid-range"), range);
    String unknown = assertThrows(BadInputException.class,
        () -> FineTuneSettings.fromConfig(ConfigLoader.load(IRIS, List.of("inspect.folds=3")))).getMessage();
    assertTrue(unknown.contains("inspect.folds"), unknown);
  }

  @Test
  void trainFractionMustBeAShare() {
    String msg = assertThrows(BadInputException.class,
        () -> FineTuneSettings.fromConfig(ConfigLoader.load(IRIS, List.of("data.train-fraction=0")))).getMessage();
    assertTrue(msg.contains("sparktune.data.train-fraction"), msg);
  }
}
