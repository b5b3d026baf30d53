package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run saves and reports its best validated epoch's model, or the last one when training.keep-model = last. */
class KeepModelIT {
  @TempDir
  Path dir;

  /** An Adam rate far too high makes validation accuracy swing between epochs, so the last is not the best. */
  static final String[] SWINGING = {"training.epochs=4", "training.learning-rate=0.02", "data.max-train-examples=2000",
      "evaluation.worst-examples=0", "evaluation.feature-importance.enabled=false", "monitoring.dashboard.enabled=false"};

  @SuppressWarnings("unchecked")
  static double[] accuracies(FineTuneJob.Result r) {
    return ((List<Map<String, Object>>) r.metrics().get("history")).stream()
        .mapToDouble(h -> ((Number) h.get("validation-accuracy")).doubleValue()).toArray();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theBestValidatedEpochIsSavedUnlessTheLastIsAskedFor() {
    FineTuneJob.Result best = new FineTuneJob(FineTuneIT.quickstart(dir.resolve("best"), SWINGING), false, false).run();
    double[] acc = accuracies(best);
    int bestEpoch = 1;
    for (int e = 2; e <= acc.length; e++) {
      bestEpoch = acc[e - 1] > acc[bestEpoch - 1] ? e : bestEpoch;
    }
    assertTrue(bestEpoch < acc.length && acc[acc.length - 1] < acc[bestEpoch - 1],
        "the test's premise: with this rate and seed the last epoch validates worse than an earlier one "
            + java.util.Arrays.toString(acc));
    assertEquals(bestEpoch, ((Number) best.metrics().get("best-epoch")).intValue());
    Map<String, Object> saved = (Map<String, Object>) best.metrics().get("saved-model");
    assertEquals(bestEpoch, ((Number) saved.get("epoch")).intValue(), "the best epoch's model is saved");
    assertEquals(Boolean.TRUE, saved.get("best-validated"));
    assertEquals(acc[bestEpoch - 1], best.finalAccuracy(), 1e-12,
        "the final evaluation scores the best epoch's model on the same validation set");

    FineTuneJob.Result last = new FineTuneJob(FineTuneIT.quickstart(dir.resolve("last"),
        concat(SWINGING, "training.keep-model=last")), false, false).run();
    assertEquals(java.util.Arrays.toString(acc), java.util.Arrays.toString(accuracies(last)), "same seed, same run");
    assertEquals(acc[acc.length - 1], last.finalAccuracy(), 1e-12, "keep-model = last saves the last epoch's model");
    assertEquals(Boolean.FALSE, ((Map<String, Object>) last.metrics().get("saved-model")).get("best-validated"));
  }

  private static String[] concat(String[] a, String b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }
}
