package io.sparktune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidationTest {
  static final File QUICKSTART = new File("conf/examples/quickstart.conf");

  @TempDir
  Path dir;

  static FineTuneSettings settings(File f, String... sets) {
    return FineTuneSettings.fromConfig(ConfigLoader.load(f, List.of(sets)));
  }

  static String error(File f, String... sets) {
    return assertThrows(BadInputException.class, () -> settings(f, sets)).getMessage();
  }

  @Test
  void quickstartIsValid() {
    FineTuneSettings s = settings(QUICKSTART);
    assertEquals("parameter-averaging", s.training().strategy());
    assertEquals(10, s.data().classes().size());
  }

  @Test
  void setOverridesWinWithOrWithoutPrefix() {
    FineTuneSettings s = settings(QUICKSTART, "training.epochs=7", "sparktune.training.learning-rate=0.01");
    assertEquals(7, s.training().epochs());
    assertEquals(0.01, s.training().learningRate());
  }

  @Test
  void unknownKeySuggestsTheNearestAndNamesFileAndLine() throws Exception {
    Path f = dir.resolve("typo.conf");
    Files.writeString(f, "sparktune {\n  training {\n    epoch = 3\n  }\n}\n");
    String msg = error(f.toFile(), "model.uri=m.zip", "data.format=idx");
    assertTrue(msg.contains("sparktune.training.epoch") && msg.contains("Did you mean sparktune.training.epochs")
        && msg.contains("typo.conf:3"), msg);
  }

  @Test
  void wrongTypeNamesTheKey() {
    String msg = error(QUICKSTART, "training.epochs=many");
    assertTrue(msg.contains("sparktune.training.epochs"), msg);
  }

  @Test
  void outOfRangeNamesKeyValueAndAllowedRange() {
    String msg = error(QUICKSTART, "training.epochs=0");
    assertTrue(msg.contains("sparktune.training.epochs = 0") && msg.contains("between 1 and 10000")
        && msg.contains("--set"), msg);
  }

  @Test
  void wrongChoiceListsTheAllowedValues() {
    String msg = error(QUICKSTART, "training.strategy=allreduce");
    assertTrue(msg.contains("parameter-averaging, gradient-sharing"), msg);
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String msg = error(QUICKSTART, "training.epochs=0", "training.learning-rate=-1", "data.format=parquet",
        "training.bogus=1");
    assertTrue(msg.startsWith("The configuration has 4 problems"), msg);
  }

  @Test
  void missingRequiredKeysAreNamed() {
    String msg = error(null);
    assertTrue(msg.contains("sparktune.model.uri") && msg.contains("sparktune.data.format")
        && msg.contains("sparktune.data.train-uri"), msg);
  }

  @Test
  void missingConfigFileIsAClearError() {
    String msg = error(new File("no-such.conf"));
    assertTrue(msg.contains("no-such.conf") && msg.contains("does not exist"), msg);
  }

  @Test
  void unknownGatedMetricNamesTheAllowedOnes() {
    String msg = error(QUICKSTART, "comparison.degradation.metrics=[accuracy, acuracy]");
    assertTrue(msg.contains("sparktune.comparison.degradation.metrics") && msg.contains("'acuracy'")
        && msg.contains("macro-f1"), msg);
  }

  @Test
  void unknownPerClassMetricNamesTheAllowedOnes() {
    String msg = error(QUICKSTART, "comparison.degradation.per-class-metric=accuracy");
    assertTrue(msg.contains("sparktune.comparison.degradation.per-class-metric") && msg.contains("recall"), msg);
  }

  @Test
  void regressionNeedsCsv() {
    String msg = error(QUICKSTART, "data.task=regression");
    assertTrue(msg.contains("sparktune.data.task") && msg.contains("data.format = csv"), msg);
  }

  @Test
  void progressiveUnfreezingIsRefusedWithDl4jGradientSharing() {
    String msg = error(QUICKSTART, "techniques.progressive-unfreezing.enabled=true", "training.strategy=gradient-sharing",
        "training.gradient-sharing.implementation=dl4j");
    assertTrue(msg.contains("sparktune.techniques.progressive-unfreezing.enabled") && msg.contains("parameter-averaging"),
        msg);
  }

  @Test
  void layerMultipliersMustBeNumbersInRange() {
    String msg = error(QUICKSTART, "techniques.layer-learning-rates.multipliers.dense_1=-1",
        "techniques.layer-learning-rates.multipliers.dense_2=fast");
    assertTrue(msg.contains("multipliers.\"dense_1\" = -1") && msg.contains("[0, 100]") && msg.contains("dense_2"), msg);
  }

  @Test
  void unknownRegularizationNamesTheAllowedOnes() {
    String msg = error(QUICKSTART, "techniques.regularization.type=l1");
    assertTrue(msg.contains("sparktune.techniques.regularization.type") && msg.contains("l2-sp"), msg);
  }

  @Test
  void layerMultipliersAreReadByName() {
    FineTuneSettings s = settings(QUICKSTART, "techniques.layer-learning-rates.multipliers.dense_1=0.1");
    assertEquals(java.util.Map.of("dense_1", 0.1), s.techniques().lrMultipliers());
    assertTrue(settings(QUICKSTART).techniques().none());
  }

  @Test
  void ewcAndReplayNeedTheOldTasksData() {
    String msg = error(QUICKSTART, "techniques.continual.ewc.lambda=100", "techniques.continual.replay.examples=-1");
    assertTrue(msg.contains("sparktune.techniques.continual.old-data-uri") && msg.contains("old task"), msg);
    assertTrue(msg.contains("sparktune.techniques.continual.replay.examples"), msg);
    String idx = error(QUICKSTART, "techniques.continual.old-data-uri=digits.idx");
    assertTrue(idx.contains("sparktune.techniques.continual.old-labels-uri"), idx);
  }

  @Test
  void precisionNamesTheAllowedTypes() {
    String msg = error(QUICKSTART, "training.precision=fp8");
    assertTrue(msg.contains("sparktune.training.precision") && msg.contains("bfloat16"), msg);
    assertEquals("float16", settings(QUICKSTART, "training.precision=float16").training().precision());
  }

  @Test
  void loraAndAdaptersTogetherAreRefused() {
    String msg = error(QUICKSTART, "techniques.lora.enabled=true", "techniques.adapters.enabled=true");
    assertTrue(msg.contains("sparktune.techniques.adapters.enabled") && msg.contains("choose one"), msg);
  }

  @Test
  void unknownAdapterActivationNamesTheAllowedOnes() {
    String msg = error(QUICKSTART, "techniques.adapters.activation=swish");
    assertTrue(msg.contains("sparktune.techniques.adapters.activation") && msg.contains("gelu"), msg);
  }
}
