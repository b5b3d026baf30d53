package io.sparktune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import io.sparktune.retrain.RetrainJob;
import java.io.File;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retrain section's rules, one assertion each, and data.train-uri as a list. */
class RetrainSettingsTest {
  static final File RETRAIN = new File("conf/examples/retrain-spam.conf");

  static String error(String... sets) {
    return assertThrows(BadInputException.class, () -> new RetrainJob(ConfigLoader.load(RETRAIN, List.of(sets))))
        .getMessage();
  }

  @Test
  void exampleIsValid() {
    RetrainSettings r = RetrainSettings.fromConfig(ConfigLoader.load(RETRAIN, List.of()));
    assertEquals("spam-filter", r.modelName());
    assertEquals("new", r.dataWindow());
    assertEquals(Duration.ofSeconds(30), r.lockHeartbeat());
  }

  @Test
  void refusesTheModelItSetsItself() {
    String msg = error("model.uri=other.zip");
    assertTrue(msg.contains("sparktune.model.uri") && msg.contains("set by sparktune retrain"), msg);
  }

  @Test
  void refusesTheTrainingDataItSetsItself() {
    String msg = error("data.train-uri=some/dir");
    assertTrue(msg.contains("sparktune.data.train-uri") && msg.contains("set by sparktune retrain"), msg);
  }

  @Test
  void refusesIdx() {
    String msg = error("data.format=idx", "data.normalization=scale-0-1");
    assertTrue(msg.contains("sparktune.data.format") && msg.contains("partitions of csv, text or image-folder"), msg);
  }

  @Test
  void refusesAStaleTimeShorterThanThreeHeartbeats() {
    String msg = error("retrain.lock.heartbeat=30s", "retrain.lock.stale-after=60s");
    assertTrue(msg.contains("sparktune.retrain.lock.stale-after") && msg.contains("three heartbeats"), msg);
  }

  @Test
  void refusesTheSameAliasForCandidateAndProduction() {
    String msg = error("retrain.candidate-alias=production");
    assertTrue(msg.contains("sparktune.retrain.candidate-alias"), msg);
  }

  @Test
  void refusesAGrowingVocabulary() {
    String msg = error("model.adapt.domain-vocabulary.max-new-tokens=100");
    assertTrue(msg.contains("sparktune.model.adapt.domain-vocabulary.max-new-tokens"), msg);
  }

  @Test
  void driftLimitsMustNotBeNegative() {
    String msg = error("retrain.drift.max-class-psi=-0.1");
    assertTrue(msg.contains("sparktune.retrain.drift.max-class-psi"), msg);
  }

  @Test
  void driftLimitsNameWhatExceededThemAndZeroMeansNoLimit() {
    RetrainSettings.DriftLimits limits = new RetrainSettings.DriftLimits(0.25, 0, 0.5, 0);
    io.sparktune.data.DriftReport d = new io.sparktune.data.DriftReport(0.3, 9, 0.4, 0.9, java.util.Map.of());
    List<String> exceeded = limits.exceeded(d);
    assertEquals(1, exceeded.size(), "" + exceeded);
    assertTrue(exceeded.get(0).contains("per-feature PSI is 0.3000") && exceeded.get(0).contains("max-feature-psi"),
        exceeded.get(0));
  }

  @Test
  void requiresTheHoldout() {
    String msg = error("retrain.holdout-uri=\"\"");
    assertTrue(msg.contains("sparktune.retrain.holdout-uri") && msg.contains("required"), msg);
  }

  @Test
  void namesTheAllowedDataWindows() {
    String msg = error("retrain.data-window=last-week");
    assertTrue(msg.contains("sparktune.retrain.data-window") && msg.contains("new, all"), msg);
  }

  @Test
  void trainUriMayBeAListForCsv() {
    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/iris-csv.conf"),
        List.of("data.train-uri=[\"a.csv\", \"b.csv\"]")));
    assertEquals(List.of("a.csv", "b.csv"), s.data().trainUris());
    assertEquals("a.csv, b.csv", s.data().trainDataText());
  }

  @Test
  void trainUriListIsRefusedForIdx() {
    String msg = assertThrows(BadInputException.class, () -> FineTuneSettings.fromConfig(ConfigLoader.load(
        new File("conf/examples/quickstart.conf"), List.of("data.train-uri=[\"a\", \"b\"]")))).getMessage();
    assertTrue(msg.contains("sparktune.data.train-uri") && msg.contains("format idx reads one images file"), msg);
  }

  @Test
  void emptyTrainUriListIsRefused() {
    String msg = assertThrows(BadInputException.class, () -> FineTuneSettings.fromConfig(ConfigLoader.load(
        new File("conf/examples/iris-csv.conf"), List.of("data.train-uri=[]")))).getMessage();
    assertTrue(msg.contains("sparktune.data.train-uri") && msg.contains("empty list"), msg);
  }
}
