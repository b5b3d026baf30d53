package io.sparktune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The few-shot experiment on real Fashion-MNIST (local[2]): stratified k-shot samples, both classifiers learn. */
class FewShotIT {
  @TempDir
  Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void kShotSamplesAreStratifiedAndBothClassifiersBeatChance() throws Exception {
    Map<String, Object> report = new FewShotBenchmark(new File("conf/examples/quickstart.conf"),
        List.of("spark.master=\"local[2]\"", "data.max-train-examples=800"), dir, "few-shot-it", List.of(42L, 42L),
        List.of(1, 5)).run();
    List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
    assertEquals(4, runs.size());
    for (Map<String, Object> r : runs) {
      int k = ((Number) r.get("k")).intValue();
      assertEquals(10 * k, ((Number) r.get("examples")).intValue(), "k examples of each of the 10 classes");
    }
    assertEquals(runs.get(2).get("prototype-accuracy"), runs.get(3).get("prototype-accuracy"),
        "the same seed draws the same sample");
    for (String classifier : List.of("prototype-accuracy", "linear-probe-accuracy")) {
      double fiveShot = ((Number) runs.get(2).get(classifier)).doubleValue();
      assertTrue(fiveShot > 0.3, classifier + " with 5 examples per class: " + fiveShot + " (chance 0.1)");
    }
    assertTrue(Files.readString(dir.resolve("few-shot-it.md")).contains("| 5 |"));
  }
}
