package io.sparktune.job;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.DataPipeline;
import io.sparktune.data.PreparedData;
import io.sparktune.model.Network;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Prepared data shared by the fine-tunes of one application (a sweep's trials): read, split and
 * normalised once per distinct data configuration, seed and model input, cached on the executors, and
 * released together at the end instead of by each run.
 */
public final class SharedData implements AutoCloseable {
  private final Map<String, PreparedData> prepared = new HashMap<>();

  /** @param vocabulary a text model's vocabulary (part of the key: it decides the token ids), else null */
  synchronized PreparedData get(JavaSparkContext sc, FineTuneSettings s, Network model,
      io.sparktune.text.Vocabulary vocabulary) {
    String key = s.resolved().getConfig(ConfigLoader.ROOT + ".data").root().render() + "|" + s.seed() + "|"
        + s.model().uri() + "|" + s.model().weightsUri() + "|"
        + (vocabulary == null ? "" : vocabulary.format().hashCode() + ":" + vocabulary.size());
    return prepared.computeIfAbsent(key, k -> DataPipeline.prepare(sc, s.data(), s.seed(), model, List.of(), null,
        vocabulary));
  }

  @Override
  public synchronized void close() {
    prepared.values().forEach(d -> {
      d.train().unpersist();
      d.validation().unpersist();
    });
    prepared.clear();
  }
}
