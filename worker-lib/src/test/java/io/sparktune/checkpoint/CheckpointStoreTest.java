package io.sparktune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.model.ModelLoader;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointStoreTest {
  @TempDir
  Path dir;

  static Network trainedIris() {
    Network net = ModelLoader.load("src-test-data/models/dl4j-iris-mlp/trained_iris_model.zip", ModelFormat.AUTO, "", 1);
    net.multiLayer().fit(new DataSet(Nd4j.rand(8, 4), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1)));
    return net;
  }

  @Test
  void savedCheckpointLoadsWithParametersUpdaterStateAndCounters() throws Exception {
    Network net = trainedIris();
    CheckpointStore store = new CheckpointStore(dir.toString(), 2);
    store.save(3, net, new ImagePreProcessingScaler(0, 1), Map.of("step", 120, "history", java.util.List.of()));
    CheckpointStore.Loaded cp = store.loadLatest().orElseThrow();
    assertEquals(3, cp.epoch());
    assertEquals(120, ((Number) cp.manifest().get("step")).intValue());
    assertEquals(net.params(), cp.network().params());
    assertEquals(net.multiLayer().getUpdater().getStateViewArray(),
        cp.network().multiLayer().getUpdater().getStateViewArray());
    assertTrue(cp.normalizer() instanceof ImagePreProcessingScaler);
  }

  @Test
  void checkpointWithoutManifestOrWithCorruptModelIsNeverLoaded() throws Exception {
    Network net = trainedIris();
    CheckpointStore store = new CheckpointStore(dir.toString(), 5);
    store.save(1, net, null, Map.of());
    Network later = trainedIris();
    store.save(2, later, null, Map.of());
    store.save(3, later, null, Map.of());
    // epoch 3: crash before the manifest was written
    Files.delete(dir.resolve("epoch-00003/manifest.json"));
    // epoch 2: model file replaced after the commit by another, perfectly loadable model zip
    // (with its Hadoop .crc side file, so only sparktune's manifest check can notice)
    for (String f : new String[] {"model.zip", ".model.zip.crc"}) {
      Files.copy(dir.resolve("epoch-00001/" + f), dir.resolve("epoch-00002/" + f),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    CheckpointStore.Loaded cp = store.loadLatest().orElseThrow();
    assertEquals(1, cp.epoch(), "only the intact, manifested checkpoint may load");
    assertEquals(net.params(), cp.network().params());
  }

  @Test
  void damagedModelFileIsNeverLoaded() throws Exception {
    CheckpointStore store = new CheckpointStore(dir.toString(), 5);
    store.save(1, trainedIris(), null, Map.of());
    Path model = dir.resolve("epoch-00001/model.zip");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(model, bytes);
    // without Hadoop's local .crc side file (absent on S3 and others), only the manifest's SHA-256 catches it
    Files.deleteIfExists(dir.resolve("epoch-00001/.model.zip.crc"));
    assertTrue(store.loadLatest().isEmpty());
  }

  @Test
  void keepsOnlyTheNewestCompleteCheckpoints() {
    Network net = trainedIris();
    CheckpointStore store = new CheckpointStore(dir.toString(), 2);
    for (int e = 1; e <= 4; e++) {
      store.save(e, net, null, Map.of());
    }
    assertEquals(2, store.candidates().size());
    assertEquals("epoch-00004", store.candidates().get(0).getName());
  }
}
