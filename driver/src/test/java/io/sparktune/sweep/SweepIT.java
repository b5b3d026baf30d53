package io.sparktune.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.ChildSparktune;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.io.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sweeps over the quickstart fine-tune on local[2]: grid with ASHA and a failing trial; kill and resume. */
class SweepIT {
  static final List<String> SMALL = List.of("spark.master=\"local[2]\"", "data.max-train-examples=1200",
      "evaluation.linear-baseline.enabled=false");

  @TempDir
  Path dir;

  /** The quickstart (no search space of its own) with the given sweep settings. */
  static FineTuneSettings settings(Path out, String... sets) {
    List<String> all = new ArrayList<>(SMALL);
    all.add("output.uri=\"" + out + "\"");
    all.addAll(List.of(sets));
    return FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/quickstart.conf"), all));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> trials(Path out) throws Exception {
    Map<String, Map<String, Object>> byName = new java.util.TreeMap<>();
    for (Object t : (List<Object>) Json.readMap(Files.readString(out.resolve("trials.json"))).get("trials")) {
      Map<String, Object> m = (Map<String, Object>) t;
      byName.put((String) m.get("name"), m);
    }
    return byName;
  }

  /**
   * A grid of 3 frozen depths (one naming a layer the model does not have) x 2 learning rates with ASHA
   * (rung at epoch 1 of 3): the two failing trials are recorded and the sweep goes on, trials pause at
   * the rung unless among the best third there, and the best trial's configuration is a valid fine-tune.
   */
  @Test
  void gridWithAshaRecordsFailuresPausesWeakTrialsAndWritesTheBest() throws Exception {
    Path out = dir.resolve("grid");
    SweepResults r = new SweepJob(settings(out, "training.epochs=3", "sweep.algorithm=grid",
        "sweep.early-stopping.type=asha", "sweep.early-stopping.min-epochs=1", "sweep.early-stopping.reduction-factor=3", "sweep.max-trials=100",
        "sweep.space={\"model.adapt.freeze-up-to\" { choice = [dense_1, no_such_layer, \"\"] }, "
            + "\"training.learning-rate\" { choice = [0.001, 0.003] }}"), false, false).run();
    Map<String, Map<String, Object>> trials = trials(out);
    assertEquals(6, trials.size(), trials.keySet().toString());
    long failed = trials.values().stream().filter(t -> t.get("status").equals("failed")).count();
    assertEquals(2, failed, "the two trials with an unknown layer fail");
    trials.values().stream().filter(t -> t.get("status").equals("failed")).forEach(t ->
        assertTrue(((String) t.get("error")).contains("no_such_layer"), t.toString()));
    List<Map<String, Object>> scored = trials.values().stream().filter(t -> !t.get("status").equals("failed")).toList();
    long paused = scored.stream().filter(t -> t.get("status").equals("paused")).count();
    long completed = scored.stream().filter(t -> t.get("status").equals("completed")).count();
    assertTrue(completed >= 1 && paused >= 1 && completed + paused == 4, trials.toString());
    scored.stream().filter(t -> t.get("status").equals("paused"))
        .forEach(t -> assertEquals(1, ((Number) t.get("epochs")).intValue(), "paused at the rung: " + t));
    long epochs = scored.stream().mapToLong(t -> ((Number) t.get("epochs")).longValue()).sum();
    assertTrue(epochs < 4 * 3, "ASHA trains fewer epochs than the full grid: " + epochs);

    Map<String, Object> best = Json.readMap(Files.readString(out.resolve("best-trial.json")));
    assertEquals(r.best().name(), best.get("trial"));
    assertEquals("completed", best.get("status"), "the best is a trial that trained all its epochs: " + best);
    assertTrue(Files.exists(Path.of((String) best.get("model"))), "the best model is kept: " + best);
    FineTuneSettings bestConfig = FineTuneSettings.fromConfig(ConfigLoader.load(out.resolve("best-config.conf").toFile(),
        List.of()));
    assertEquals(((Map<?, ?>) best.get("values")).get("model.adapt.freeze-up-to"), bestConfig.model().freezeUpTo());
    assertEquals(3, bestConfig.training().epochs());
    assertTrue(Files.readString(out.resolve("trials.md")).contains("| 1 | " + r.best().name() + " | completed | 3 |"));

    // the report page in headless Chromium: parallel coordinates, one scatter per key, the per-epoch curves
    int[] check = io.sparktune.HeadlessChromium.renderCheck(
        io.sparktune.HeadlessChromium.renderedDom(out.resolve("sweep.html").toUri().toString()));
    assertEquals(4, check[0], "charts on the sweep page");
    assertEquals(check[0], check[1], "every chart drew its marks");
  }

  /**
   * Two trials at once, one diverging (SGD at rate 10: NaN loss): the divergence watchdog ends it, it is
   * recorded as failed with the cause, and the sweep goes on; the other trial completes. (Whether the
   * other trial is training at the moment of the cancel depends on timing, so this does not prove that
   * only the diverging trial's job group is cancelled.)
   */
  @Test
  void aDivergingTrialIsRecordedAsFailedAndTheSweepGoesOn() throws Exception {
    Path out = dir.resolve("diverging");
    new SweepJob(settings(out, "training.epochs=1", "training.updater=sgd", "sweep.algorithm=grid",
        "sweep.early-stopping.type=none", "sweep.concurrent-trials=2",
        "sweep.space={\"training.learning-rate\" { choice = [10.0, 0.05] }}"), false, false).run();
    Map<String, Map<String, Object>> trials = trials(out);
    assertEquals("failed", trials.get("trial-000").get("status"), trials.toString());
    assertTrue(((String) trials.get("trial-000").get("error")).contains("diverged"), trials.toString());
    assertEquals("completed", trials.get("trial-001").get("status"), trials.toString());
    assertEquals(1, ((Number) trials.get("trial-001").get("epochs")).intValue());
  }

  /**
   * A sweep killed (SIGKILL) during its second trial resumes: the finished first trial is kept, not run
   * again; the interrupted one continues from its checkpoint; the remaining trial runs.
   */
  @Test
  void aKilledSweepResumesWithoutRedoingFinishedTrials() throws Exception {
    Path out = dir.resolve("killed");
    List<String> args = new ArrayList<>(List.of("sweep", "--config", "conf/examples/sweep-quickstart.conf",
        "--output", out.toString()));
    for (String s : List.of(SMALL.get(0), SMALL.get(1), SMALL.get(2), "training.epochs=2", "sweep.algorithm=random",
        "sweep.early-stopping.type=none", "sweep.max-trials=3", "sweep.concurrent-trials=1")) {
      args.addAll(List.of("--set", s));
    }
    Process p = ChildSparktune.start(dir.resolve("killed.log"), args.toArray(String[]::new));
    Path secondCheckpoint = out.resolve("trials/trial-001/checkpoints/epoch-00001/manifest.json");
    long deadline = System.currentTimeMillis() + 300_000;
    // the save is logged once its manifest (written last) is complete; a kill while the manifest file exists but
    // is still being written leaves a checkpoint that resume rightly skips, and epoch 1 would be trained again
    String saved = "Checkpoint saved: file:" + out.resolve("trials/trial-001/checkpoints/epoch-00001");
    while (!Files.readString(dir.resolve("killed.log")).contains(saved) && p.isAlive()
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(secondCheckpoint), "the child sweep reaches its second trial: "
        + Files.readString(dir.resolve("killed.log")));
    p.destroyForcibly().waitFor();
    assertFalse(Files.exists(out.resolve("trials.json")), "the killed sweep did not finish");

    FineTuneSettings s = FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/sweep-quickstart.conf"),
        List.of(SMALL.get(0), SMALL.get(1), SMALL.get(2), "training.epochs=2", "sweep.algorithm=random",
            "sweep.early-stopping.type=none", "sweep.max-trials=3", "sweep.concurrent-trials=1",
            "output.uri=\"" + out + "\"")));
    new SweepJob(s, true, false).run();
    Map<String, Map<String, Object>> trials = trials(out);
    assertEquals(List.of("trial-000", "trial-001", "trial-002"), List.copyOf(trials.keySet()));
    assertEquals(1, ((Number) trials.get("trial-000").get("runs")).intValue(), "the finished trial is not run again");
    assertEquals(2, ((Number) trials.get("trial-001").get("runs")).intValue(), "the interrupted trial ran on: "
        + trials.get("trial-001"));
    for (Map<String, Object> t : trials.values()) {
      assertEquals("completed", t.get("status"), t.toString());
      assertEquals(2, ((Number) t.get("epochs")).intValue(), t.toString());
    }
    assertTrue(Files.readString(out.resolve("trials/trial-001/run-2/metrics.jsonl")).contains("\"epoch\":2"),
        "the second run of trial-001 trained only epoch 2, from the checkpoint of epoch 1");
    assertFalse(Files.readString(out.resolve("trials/trial-001/run-2/metrics.jsonl")).contains("\"epoch\":1,"),
        "epoch 1 was not trained again");
  }
}
