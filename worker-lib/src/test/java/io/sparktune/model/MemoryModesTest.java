package io.sparktune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** training.memory's modes reach the configuration that travels to the workers, and training is unchanged by them. */
class MemoryModesTest {
  static Network network() {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2))
        .list()
        .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
            .activation(Activation.SOFTMAX).build())
        .build());
    net.init();
    return new Network(net);
  }

  static DataSet batch() {
    Nd4j.getRandom().setSeed(9);
    DataSet d = new DataSet(Nd4j.rand(16, 6), Nd4j.zeros(16, 3));
    for (int i = 0; i < 16; i++) {
      d.getLabels().putScalar(i, i % 3, 1.0);
    }
    return d;
  }

  @Test
  void modesTravelWithTheModelAndDoNotChangeTheArithmetic() throws Exception {
    Network plain = network();
    Network lean = network();
    lean.setMemoryModes(WorkspaceMode.NONE, CacheMode.HOST);
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    lean.save(zip, true, null);
    Network restored = Network.restore(zip.toByteArray(), true);
    assertEquals(WorkspaceMode.NONE, restored.multiLayer().getLayerWiseConfigurations().getTrainingWorkspaceMode());
    assertEquals(WorkspaceMode.NONE, restored.multiLayer().getLayerWiseConfigurations().getInferenceWorkspaceMode());
    assertEquals(CacheMode.HOST, restored.multiLayer().getLayerWiseConfigurations().getCacheMode());
    assertEquals(WorkspaceMode.ENABLED, plain.multiLayer().getLayerWiseConfigurations().getTrainingWorkspaceMode());
    DataSet b = batch();
    for (int i = 0; i < 5; i++) {
      plain.fit(b);
      restored.fit(b);
    }
    assertArrayEquals(plain.params().toFloatVector(), restored.params().toFloatVector(), 1e-6f);
  }
}
