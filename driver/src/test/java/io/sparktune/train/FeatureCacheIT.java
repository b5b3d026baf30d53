package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.job.FineTuneJob;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frozen-feature caching on the DL4J MNIST MLP with its hidden layer frozen, fine-tuned to real
 * Fashion-MNIST: the trunk stays bit-identical, the head trained on cached features gives the full
 * network the accuracy it showed on the features, and the result matches training without the cache.
 */
class FeatureCacheIT {
  static final String MODEL = "src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip";

  @TempDir
  Path dir;

  private FineTuneJob.Result run(Path out, String... sets) {
    List<String> all = new ArrayList<>(List.of("spark.master=\"local[2]\"", "data.max-train-examples=2000",
        "training.epochs=2", "evaluation.linear-baseline.enabled=false", "evaluation.feature-importance.enabled=false",
        "evaluation.worst-examples=0", "output.uri=\"" + out + "\""));
    all.addAll(List.of(sets));
    return new FineTuneJob(FineTuneSettings.fromConfig(ConfigLoader.load(new File("conf/examples/mnist-dl4j-zip.conf"),
        all)), false, false).run();
  }

  @Test
  @SuppressWarnings("unchecked")
  void cachedTrainingKeepsTheTrunkAndMatchesUncachedTraining() throws Exception {
    Path cachedOut = dir.resolve("cached");
    FineTuneJob.Result cached = run(cachedOut);
    Map<String, Object> info = (Map<String, Object>) cached.metrics().get("feature-cache");
    assertEquals(1, ((Number) info.get("frozen-layers")).intValue());

    // the frozen trunk is exactly the pre-trained one
    Network pretrained = ModelLoader.load(MODEL, ModelFormat.AUTO, "", 1);
    Network saved = ModelLoader.load(cachedOut.resolve("model.zip").toString(), ModelFormat.AUTO, "", 1);
    assertArrayEquals(pretrained.layers()[0].params().toFloatVector(), saved.layers()[0].params().toFloatVector());
    assertFalse(java.util.Arrays.equals(pretrained.layers()[1].params().toFloatVector(),
        saved.layers()[1].params().toFloatVector()), "the head trained");

    // the head's last validation on cached features is the full network's accuracy on the raw images
    List<Map<String, Object>> history = (List<Map<String, Object>>) cached.metrics().get("history");
    double onFeatures = ((Number) history.get(history.size() - 1).get("validation-accuracy")).doubleValue();
    long n = ((Number) cached.metrics().get("validation-examples")).longValue();
    assertEquals(onFeatures, cached.finalAccuracy(), 1.0 / n + 1e-12);
    assertTrue(cached.finalAccuracy() > 0.5, "the head learns Fashion-MNIST: " + cached.finalAccuracy());

    // the same through a cache on a Hadoop URI (object files), with the head-only baseline cached too
    FineTuneJob.Result onDisk = run(dir.resolve("on-disk"), "model.adapt.feature-cache-uri=\"" + dir.resolve("features")
        + "\"", "evaluation.head-only-baseline=true");
    assertTrue(Files.isDirectory(dir.resolve("features/train")), "features written to the cache URI");
    assertEquals(cached.finalAccuracy(), onDisk.finalAccuracy(), 0.02);
    assertTrue(onDisk.metrics().containsKey("head-only"));

    FineTuneJob.Result plain = run(dir.resolve("plain"), "model.adapt.cache-frozen-features=false");
    assertFalse(plain.metrics().containsKey("feature-cache"));
    assertEquals(plain.finalAccuracy(), cached.finalAccuracy(), 0.02,
        "cached " + cached.finalAccuracy() + " vs uncached " + plain.finalAccuracy());
  }

  /** A small head on cached features trained in one process on the driver (training.strategy = single-node). */
  @Test
  void singleNodeTrainsTheHeadOnCachedFeatures() {
    FineTuneJob.Result r = run(dir.resolve("single"), "training.strategy=single-node");
    assertTrue(r.metrics().containsKey("feature-cache"));
    assertTrue(r.finalAccuracy() > 0.5, "the head learns Fashion-MNIST: " + r.finalAccuracy());
    assertTrue(r.finalAccuracy() > r.baselineAccuracy() + 0.3, "training moved the head: " + r.finalAccuracy());
  }
}
