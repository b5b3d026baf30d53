package io.sparktune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.checkpoint.CheckpointStore;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fine-tuning techniques on real distributed runs (parameter averaging, local[2]): the per-layer rates
 * the driver sets reach the workers, paused layers keep their pre-trained values, and L2-SP holds the
 * pre-trained layers near their starting point.
 */
class TechniquesIT {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  @TempDir
  Path dir;

  static Network pretrained() {
    return ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
  }

  static FineTuneJob.Result run(Path out, String... sets) {
    List<String> all = new java.util.ArrayList<>(List.of("data.max-train-examples=1500", "training.updater=sgd",
        "evaluation.worst-examples=0", "evaluation.feature-importance.enabled=false", "monitoring.dashboard.enabled=false"));
    all.addAll(List.of(sets));
    return new FineTuneJob(FineTuneIT.quickstart(out, all.toArray(String[]::new)), false, false).run();
  }

  /**
   * Gradual unfreezing with discriminative rates: layers join one per epoch from the top, each at half
   * the rate of the layer above. With SGD the update a worker applies is rate × gradient / batch, so the
   * ratio of the sampled update and gradient norms of two layers is the ratio of their rates.
   */
  @Test
  @SuppressWarnings("unchecked")
  void unfrozenLayersJoinFromTheTopAtTheirOwnRates() throws Exception {
    Path out = dir.resolve("unfreeze");
    run(out, "training.epochs=3", "training.learning-rate=0.05", "techniques.progressive-unfreezing.enabled=true",
        "techniques.layer-learning-rates.decay=2", "monitoring.layer-stats-every=1", "checkpoint.keep=3");
    List<Map<String, Object>> epochs = MetricsLog.read(Files.readString(out.resolve(MetricsLog.FILE))).stream()
        .filter(r -> r.get("type").equals("epoch")).toList();
    assertEquals(3, epochs.size());
    assertEquals(Map.of("dense_1", 0.0, "dense_2", 0.0, "sparktune-output", 0.05), epochs.get(0).get("layer-learning-rates"));
    assertEquals(Map.of("dense_1", 0.0, "dense_2", 0.025, "sparktune-output", 0.05), epochs.get(1).get("layer-learning-rates"));
    assertEquals(Map.of("dense_1", 0.0125, "dense_2", 0.025, "sparktune-output", 0.05), epochs.get(2).get("layer-learning-rates"));

    Map<String, Map<String, Object>> first = byLayer(epochs.get(0));
    for (String paused : List.of("dense_1", "dense_2")) {
      assertEquals("frozen", first.get(paused).get("status"), paused + " is paused in epoch 1");
      assertEquals(0.0, ((Number) first.get(paused).get("update-norm")).doubleValue(), 0.0);
    }
    Map<String, Map<String, Object>> third = byLayer(epochs.get(2));
    double head = stepPerGradient(third.get("sparktune-output"));
    assertEquals(0.5, stepPerGradient(third.get("dense_2")) / head, 0.05, "dense_2 learns at half the head's rate");
    assertEquals(0.25, stepPerGradient(third.get("dense_1")) / head, 0.025, "dense_1 at a quarter");

    Network start = pretrained();
    Network afterOne = checkpoint(out, 1);
    Network afterTwo = checkpoint(out, 2);
    assertEquals(start.layers()[0].params(), afterOne.layers()[0].params(), "dense_1 bit-identical after epoch 1");
    assertEquals(start.layers()[2].params(), afterOne.layers()[2].params(), "dense_2 bit-identical after epoch 1");
    assertEquals(start.layers()[0].params(), afterTwo.layers()[0].params(), "dense_1 bit-identical after epoch 2");
    assertNotEquals(start.layers()[2].params(), afterTwo.layers()[2].params(), "dense_2 trained in epoch 2");
  }

  /** L2-SP's pull toward the pre-trained weights works on the workers: the trunk moves much less. */
  @Test
  void l2SpKeepsThePretrainedLayersNearTheirStart() throws Exception {
    List<String> common = List.of("training.epochs=1", "training.learning-rate=0.05");
    Network plain = run(dir.resolve("plain"), common.toArray(String[]::new)).network();
    List<String> l2sp = new java.util.ArrayList<>(common);
    l2sp.addAll(List.of("techniques.regularization.type=l2-sp", "techniques.regularization.coefficient=2",
        "techniques.regularization.new-layer-coefficient=0"));
    FineTuneJob.Result regularised = run(dir.resolve("l2sp"), l2sp.toArray(String[]::new));
    assertEquals(List.of("l2-sp"), regularised.metrics().get("techniques"));
    Network start = pretrained();
    for (int layer : new int[] {0, 2}) {
      double free = distance(plain, start, layer);
      double pulled = distance(regularised.network(), start, layer);
      assertTrue(free > 0 && pulled < 0.6 * free, "layer " + layer + ": moved " + pulled + " with L2-SP, " + free
          + " without");
    }
    // one epoch of 1,500 examples at a high SGD rate: the head learns, if not to the end
    assertTrue(regularised.finalAccuracy() > 0.4, "the head still learns: " + regularised.finalAccuracy());
  }

  /**
   * LoRA through the distributed path: only the low-rank factors and the new head change, the pre-trained
   * weights stay bit-identical, and the merged model.zip (plain DL4J) computes what the LoRA network does.
   */
  @Test
  void loraTrainsTheFactorsOnlyAndSavesAMergedPlainModel() throws Exception {
    Path out = dir.resolve("lora");
    FineTuneJob.Result r = run(out, "training.epochs=1", "training.updater=adam", "training.learning-rate=0.005",
        "techniques.lora.enabled=true", "techniques.lora.rank=4", "techniques.lora.alpha=8");
    Network lora = Network.restore(Files.readAllBytes(out.resolve(RunDirectory.LORA_MODEL)), false);
    Network merged = Network.restore(Files.readAllBytes(out.resolve(RunDirectory.MODEL)), false);
    Network start = pretrained();
    for (int layer : new int[] {0, 2}) {
      assertTrue(lora.layers()[layer].conf().getLayer() instanceof io.sparktune.model.layers.LoraDense);
      assertEquals(start.layers()[layer].getParam("W"), lora.layers()[layer].getParam("W"), "W bit-identical");
      assertEquals(start.layers()[layer].getParam("b"), lora.layers()[layer].getParam("b"), "b bit-identical");
      assertTrue(lora.layers()[layer].getParam("B").amaxNumber().doubleValue() > 0, "B trained away from zero");
      assertEquals(org.deeplearning4j.nn.conf.layers.DenseLayer.class, merged.layers()[layer].conf().getLayer().getClass());
    }
    long trainable = ((Number) r.metrics().get("trainable-parameters")).longValue();
    assertEquals(4 * (784 + 512) + 4 * (512 + 512) + 512 * 10 + 10, trainable);
    var images = io.sparktune.bench.SingleProcessBaseline.read("src-test-data/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "src-test-data/fashion-mnist/t10k-labels-idx1-ubyte.gz", 10);
    INDArray x = new io.sparktune.data.BatchAssembler(32, 10, io.sparktune.data.FeatureLayout.flat(784),
        io.sparktune.data.Normalization.SCALE_0_1.build(null)).assemble(images.subList(0, 32)).getFeatures();
    assertTrue(lora.output(x).equalsWithEps(merged.output(x), 1e-5), "merged model equals the LoRA network");
    assertTrue(r.finalAccuracy() > r.baselineAccuracy() + 0.3, "LoRA learns: " + r.baselineAccuracy() + " -> "
        + r.finalAccuracy());
  }

  /** Bottleneck adapters through the distributed path: the pre-trained weights stay, the adapters learn. */
  @Test
  void adaptersTrainWhileThePretrainedWeightsStay() throws Exception {
    Path out = dir.resolve("adapters");
    FineTuneJob.Result r = run(out, "training.epochs=1", "training.updater=adam", "training.learning-rate=0.005",
        "techniques.adapters.enabled=true", "techniques.adapters.bottleneck=16");
    Network saved = Network.restore(Files.readAllBytes(out.resolve(RunDirectory.MODEL)), false);
    Network start = pretrained();
    for (int layer : new int[] {0, 2}) {
      assertTrue(saved.layers()[layer].conf().getLayer() instanceof io.sparktune.model.layers.AdapterDense);
      assertEquals(start.layers()[layer].getParam("W"), saved.layers()[layer].getParam("W"), "W bit-identical");
      assertTrue(saved.layers()[layer].getParam("Wu").amaxNumber().doubleValue() > 0, "the adapter trained");
    }
    assertTrue(r.finalAccuracy() > r.baselineAccuracy() + 0.3, "adapters learn: " + r.baselineAccuracy() + " -> "
        + r.finalAccuracy());
  }

  /** Augmentation and class weights through the distributed path (the frozen-feature cache steps aside). */
  @Test
  void augmentedClassWeightedTrainingLearns() throws Exception {
    Path out = dir.resolve("augmented");
    FineTuneJob.Result r = run(out, "training.epochs=1", "training.updater=adam", "training.learning-rate=0.002",
        "techniques.augmentation.enabled=true", "techniques.augmentation.flip=true", "techniques.augmentation.cutout=6",
        "techniques.class-weights=balanced", "model.adapt.freeze-up-to=dense_1");
    assertEquals(List.of("augmentation", "class-weights"), r.metrics().get("techniques"));
    assertTrue(!r.metrics().containsKey("feature-cache"), "no frozen-feature cache with augmentation");
    assertTrue(r.finalAccuracy() > r.baselineAccuracy() + 0.3, "it learns: " + r.baselineAccuracy() + " -> "
        + r.finalAccuracy());
  }

  /** Tabular noise and mixup through the distributed path on the real iris data. */
  @Test
  void tabularNoiseAndMixupTrainOnIris() throws Exception {
    Path out = dir.resolve("iris");
    FineTuneJob.Result r = new FineTuneJob(io.sparktune.config.FineTuneSettings.fromConfig(
        io.sparktune.config.ConfigLoader.load(new java.io.File("conf/examples/iris-csv.conf"), List.of(
            "spark.master=\"local[2]\"", "training.epochs=10", "techniques.augmentation.enabled=true",
            "techniques.augmentation.tabular-noise=0.1", "techniques.augmentation.mixup-alpha=0.2",
            "evaluation.linear-baseline.enabled=false", "evaluation.feature-importance.enabled=false",
            "monitoring.dashboard.enabled=false", "output.uri=\"" + out + "\""))), false, false).run();
    assertEquals(List.of("augmentation, mixup"), r.metrics().get("techniques"));
    assertTrue(r.finalAccuracy() >= 0.8, "iris still learns under noise and mixup: " + r.finalAccuracy());
  }

  private static double distance(Network a, Network b, int layer) {
    INDArray pa = a.layers()[layer].params();
    return pa.distance2(b.layers()[layer].params().castTo(pa.dataType()));
  }

  private static Network checkpoint(Path out, int epoch) throws Exception {
    return new CheckpointStore(out.resolve("checkpoints").toString(), 3)
        .load(new org.apache.hadoop.fs.Path(out.resolve("checkpoints").resolve(String.format("epoch-%05d", epoch)).toUri()))
        .network();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> byLayer(Map<String, Object> epoch) {
    Map<String, Map<String, Object>> m = new java.util.HashMap<>();
    for (Map<String, Object> l : (List<Map<String, Object>>) epoch.get("gradient-flow")) {
      m.put((String) l.get("layer"), l);
    }
    return m;
  }

  private static double stepPerGradient(Map<String, Object> layer) {
    return ((Number) layer.get("update-norm")).doubleValue() / ((Number) layer.get("gradient-norm")).doubleValue();
  }
}
