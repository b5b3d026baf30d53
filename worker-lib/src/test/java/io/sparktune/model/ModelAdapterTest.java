package io.sparktune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class ModelAdapterTest {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  static Network kerasMlp() {
    return ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
  }

  @Test
  void importsTheKerasMlpAndFindsItsLayers() {
    Network net = kerasMlp();
    assertEquals(669_706, net.numParams());
    assertEquals(java.util.List.of("dense_1", "dropout_1", "dense_2", "dropout_2", "dense_3"), net.layerNames());
  }

  @Test
  void frozenLayersDoNotChangeWhileTheRestTrains() {
    Network adapted = ModelAdapter.adapt(kerasMlp(), new AdaptSpec("dense_2", 4, true, new Adam(1e-2), 7));
    assertEquals(4, adapted.numOutputs());
    assertEquals(512 * 4 + 4, adapted.trainableParams());
    INDArray frozenBefore = adapted.layers()[0].params().dup();
    INDArray headBefore = adapted.layers()[4].params().dup();
    DataSet ds = new DataSet(Nd4j.rand(16, 784), Nd4j.eye(4).repeat(0, 4).reshape(16, 4));
    for (int i = 0; i < 5; i++) {
      adapted.multiLayer().fit(ds);
    }
    assertEquals(frozenBefore, adapted.layers()[0].params(), "frozen layer parameters must be bit-identical");
    assertNotEquals(headBefore, adapted.layers()[4].params(), "the new head must train");
  }

  @Test
  void newHeadIsSeededReproducibly() {
    Network a = ModelAdapter.adapt(kerasMlp(), new AdaptSpec("", 10, true, new Adam(1e-3), 42));
    Network b = ModelAdapter.adapt(kerasMlp(), new AdaptSpec("", 10, true, new Adam(1e-3), 42));
    Network c = ModelAdapter.adapt(kerasMlp(), new AdaptSpec("", 10, true, new Adam(1e-3), 43));
    assertEquals(a.params(), b.params());
    assertNotEquals(a.params(), c.params());
  }

  @Test
  void unknownFreezeLayerIsAClearError() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> ModelAdapter.adapt(kerasMlp(), new AdaptSpec("dense_9", 10, true, new Adam(1e-3), 1)));
    assertTrue(e.getMessage().contains("dense_9") && e.getMessage().contains("dense_1"), e.getMessage());
  }

  @Test
  void loadsDl4jZipsOfBothKinds() {
    Network mnist = ModelLoader.load("src-test-data/models/dl4j-mnist-mlp/trained_mnist_model.zip", ModelFormat.AUTO, "", 1);
    assertEquals(79_510, mnist.numParams());
    Network graph = new Network(mnist.multiLayer().toComputationGraph());
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    graph.save(bytes, true, null);
    Network back = assertDoesNotThrowRestore(bytes.toByteArray());
    assertTrue(back.isGraph());
    assertEquals(graph.params(), back.params());
  }

  private static Network assertDoesNotThrowRestore(byte[] zip) {
    try {
      return Network.restore(zip, true);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void missingModelFileIsAClearError() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> ModelLoader.load("does/not/exist.zip", ModelFormat.AUTO, "", 1));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
