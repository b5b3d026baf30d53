package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real fine-tuning on real data (Keras MNIST MLP -> Fashion-MNIST subset) on Spark local[2]. */
class FineTuneIT {
  @TempDir
  Path dir;

  static FineTuneSettings quickstart(Path out, String... sets) {
    List<String> all = new ArrayList<>(List.of("spark.master=\"local[2]\"", "data.max-train-examples=3000",
        "training.epochs=2", "evaluation.head-only-baseline=false", "evaluation.linear-baseline.enabled=false",
        "output.uri=\"" + out + "\""));
    all.addAll(List.of(sets));
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"), all));
  }

  @SuppressWarnings("unchecked")
  static void assertLearned(FineTuneJob.Result r, Path out) {
    assertTrue(r.baselineAccuracy() < 0.2, "the new head starts at chance: " + r.baselineAccuracy());
    assertTrue(r.finalAccuracy() > 0.70, "fine-tuning must learn Fashion-MNIST: " + r.finalAccuracy());
    for (String f : List.of("model.zip", "normalizer.bin", "metrics.json", "provenance.json", "config.conf",
        "model-info.json", "_COMPLETE")) {
      assertTrue(Files.exists(out.resolve(f)), f + " must be written");
    }
    assertEquals(2, ((List<Object>) r.metrics().get("history")).size());
  }

  @Test
  @SuppressWarnings("unchecked")
  void parameterAveragingFineTunesBeyondTheHeadOnlyBaseline() {
    Path out = dir.resolve("pa");
    FineTuneJob.Result r = new FineTuneJob(quickstart(out, "evaluation.head-only-baseline=true",
        "evaluation.linear-baseline.enabled=true"), false, false).run();
    assertLearned(r, out);
    // MLlib logistic regression on the same 3000 real images is a real (and strong) baseline
    Map<String, Object> linear = (Map<String, Object>) r.metrics().get("linear-baseline");
    double linearAccuracy = ((Number) linear.get("accuracy")).doubleValue();
    assertTrue(linearAccuracy > 0.6 && linearAccuracy < 1.0, "logistic regression learns Fashion-MNIST: " + linearAccuracy);
    assertEquals(((Number) r.metrics().get("validation-examples")).longValue(),
        ((Number) linear.get("examples")).longValue(), "scored on the same validation examples");
    double headOnly = ((Number) ((Map<String, Object>) r.metrics().get("head-only")).get("accuracy")).doubleValue();
    assertTrue(headOnly > 0.5, "the head-only baseline learns too: " + headOnly);
    assertTrue(r.finalAccuracy() > headOnly, "fine-tuning the trunk beats fitting only the head: "
        + r.finalAccuracy() + " vs " + headOnly);
  }

  @Test
  @SuppressWarnings("unchecked")
  void earlyStoppingStopsAndKeepsTheBestEpoch() {
    Path out = dir.resolve("early");
    // no later epoch can beat the first by a whole accuracy point of 1.0: stop after patience = 1 epoch
    FineTuneJob.Result r = new FineTuneJob(quickstart(out, "training.epochs=4", "training.early-stopping.patience=1",
        "training.early-stopping.min-delta=1.0", "data.max-train-examples=1000"), false, false).run();
    List<Map<String, Object>> history = (List<Map<String, Object>>) r.metrics().get("history");
    assertEquals(2, history.size(), "stopped after epoch 2 of 4");
    assertEquals(1, ((Number) r.metrics().get("best-epoch")).intValue());
    double first = ((Number) history.get(0).get("validation-accuracy")).doubleValue();
    assertEquals(first, r.finalAccuracy(), 1e-12, "the final model is the best (epoch 1) model");
  }

  /**
   * DL4J's SharedTrainingMaster sometimes never finishes a task (its SharedTrainingWrapper waits forever in
   * BlockingObserver.waitTillDone; KNOWN-FACTS.md): then the stall watchdog must end the run with that
   * cause and nothing marked complete. A run that finishes must have learned.
   */
  @Test
  void dl4jGradientSharingFineTunesOrFailsLoudly() {
    Path out = dir.resolve("gs");
    FineTuneJob job = new FineTuneJob(quickstart(out, "training.strategy=gradient-sharing",
        "training.gradient-sharing.implementation=dl4j", "training.stall-timeout=90s"), false, false);
    FineTuneJob.Result r;
    try {
      r = job.run();
    } catch (RuntimeException e) {
      String messages = "";
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages += t.getMessage() + "\n";
      }
      assertTrue(messages.contains("made no progress"), messages);
      assertTrue(!Files.exists(out.resolve("_COMPLETE")), "a failed run is never marked complete");
      return;
    }
    assertLearned(r, out);
  }

  /**
   * sparktune's gradient sharing (the default implementation, one-bit encoding) through the whole job: it
   * learns, and a learning-rate schedule (refused for DL4J's gradient sharing, whose workers keep their
   * models across epochs) is accepted.
   */
  @Test
  void sparktuneGradientSharingFineTunes() {
    Path out = dir.resolve("gs-sparktune");
    FineTuneJob.Result r = new FineTuneJob(quickstart(out, "training.strategy=gradient-sharing",
        "training.lr-schedule.type=cosine"), false, false).run();
    assertLearned(r, out);
  }

  @Test
  void resumeAfterAKilledRunEndsWithTheSameQuality() throws Exception {
    Path killed = dir.resolve("killed");
    Process p = io.sparktune.ChildSparktune.start(dir.resolve("killed.log"), "finetune",
        "--config", "conf/examples/quickstart.conf", "--set", "spark.master=\"local[2]\"",
        "--set", "data.max-train-examples=3000", "--set", "training.epochs=3",
        "--set", "evaluation.linear-baseline.enabled=false", "--output", killed.toString());
    Path firstCheckpoint = killed.resolve("checkpoints/epoch-00001/manifest.json");
    long deadline = System.currentTimeMillis() + 240_000;
    while (!Files.exists(firstCheckpoint) && p.isAlive() && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(Files.exists(firstCheckpoint), "the child run must write its first checkpoint: "
        + Files.readString(dir.resolve("killed.log")));
    p.destroyForcibly().waitFor();
    assertTrue(!Files.exists(killed.resolve("_COMPLETE")), "the killed run must not be complete");

    FineTuneJob.Result resumed = new FineTuneJob(quickstart(killed, "training.epochs=3"), true, false).run();
    FineTuneJob.Result straight = new FineTuneJob(quickstart(dir.resolve("straight"), "training.epochs=3"), false, false).run();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> history = (List<Map<String, Object>>) resumed.metrics().get("history");
    assertEquals(3, history.size(), "the resumed run keeps the killed run's epoch history");
    assertEquals(1, ((Number) history.get(0).get("epoch")).intValue());
    assertTrue(Math.abs(resumed.finalAccuracy() - straight.finalAccuracy()) < 0.03,
        "resumed " + resumed.finalAccuracy() + " vs uninterrupted " + straight.finalAccuracy());
  }
}
