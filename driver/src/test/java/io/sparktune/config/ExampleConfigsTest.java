package io.sparktune.config;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every shipped config validates against reference.conf (a renamed key breaks this test). */
class ExampleConfigsTest {
  @Test
  void everyExampleAndBenchmarkConfigIsValid() {
    List<File> files = new java.util.ArrayList<>(List.of(new File("conf/examples").listFiles((d, n) -> n.endsWith(".conf"))));
    files.add(new File("bench/fashion-cnn.conf"));
    assertFalse(files.size() < 5, "expected the example configs");
    for (File f : files) {
      com.typesafe.config.Config c = ConfigLoader.load(f, List.of());
      if (c.getString("sparktune.retrain.registry-uri").isEmpty()) {
        FineTuneSettings.fromConfig(c);
      } else {
        new io.sparktune.retrain.RetrainJob(c); // validates the retrain section and the fine-tune it runs
      }
    }
  }
}
