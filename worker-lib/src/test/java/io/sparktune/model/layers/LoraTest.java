package io.sparktune.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import io.sparktune.RealDigits;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** LoRA on the Keras MNIST MLP with real digits: exact start, frozen base, merge equivalence, gradients. */
class LoraTest {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";
  static final Set<String> NEW = Set.of("sparktune-output");

  static Network adapted() {
    Network base = ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
    return ModelAdapter.adapt(base, new AdaptSpec("", 10, true, new Adam(1e-2), 7));
  }

  static Network withLora(Network net, int rank) {
    return Lora.apply(net, new Lora.Spec(rank, 2.0 * rank, 0.0, List.of(), NEW, 11));
  }

  @Test
  void startsAsExactlyThePretrainedNetworkWithOnlyTheFactorsAndHeadTrainable() throws Exception {
    Network plain = adapted();
    Network lora = withLora(plain, 4);
    DataSet digits = RealDigits.minibatch(64);
    assertEquals(plain.output(digits.getFeatures()), lora.output(digits.getFeatures()), "B = 0: identical outputs");
    assertTrue(lora.layers()[0].conf().getLayer() instanceof LoraDense && lora.layers()[2].conf().getLayer() instanceof LoraDense);
    assertFalse(lora.layers()[4].conf().getLayer() instanceof LoraDense, "the new head trains in full");
    long factors = 4 * (784 + 512) + 4 * (512 + 512);
    assertEquals(factors + 512 * 10 + 10, lora.trainableParams());
    assertTrue(lora.trainableParams() < 0.05 * lora.numParams(), "under 5% of the parameters train");
  }

  @Test
  void trainingChangesOnlyTheFactorsAndTheHeadAndMergeGivesTheSameOutputs() throws Exception {
    Network lora = withLora(adapted(), 4);
    DataSet digits = RealDigits.minibatch(128);
    INDArray w = lora.layers()[0].getParam("W").dup();
    INDArray b = lora.layers()[2].getParam("b").dup();
    INDArray up = lora.layers()[0].getParam("B").dup();
    INDArray head = lora.layers()[4].params().dup();
    for (int i = 0; i < 5; i++) {
      lora.multiLayer().fit(digits);
    }
    assertEquals(w, lora.layers()[0].getParam("W"), "pre-trained W bit-identical");
    assertEquals(b, lora.layers()[2].getParam("b"), "pre-trained b bit-identical");
    assertNotEquals(up, lora.layers()[0].getParam("B"), "B trains");
    assertNotEquals(head, lora.layers()[4].params(), "the head trains");

    Network merged = Lora.merge(lora);
    assertFalse(Lora.hasLora(merged));
    assertEquals(DenseLayer.class, merged.layers()[0].conf().getLayer().getClass());
    INDArray expected = lora.output(digits.getFeatures());
    INDArray actual = merged.output(digits.getFeatures());
    assertTrue(expected.equalsWithEps(actual, 1e-5), "merged outputs equal the LoRA network's: max difference "
        + expected.sub(actual).amaxNumber());
    assertNotEquals(adapted().layers()[0].getParam("W"), merged.layers()[0].getParam("W"), "the update is folded into W");
  }

  @Test
  void survivesSavingAndLoading() throws Exception {
    Network lora = withLora(adapted(), 2);
    lora.layers()[0].getParam("B").assign(0.01);
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    lora.save(zip, true, null);
    Network back = Network.restore(zip.toByteArray(), true);
    DataSet digits = RealDigits.minibatch(16);
    assertEquals(lora.output(digits.getFeatures()), back.output(digits.getFeatures()));
    assertEquals(2, ((LoraDense) back.layers()[0].conf().getLayer()).getRank());
  }

  @Test
  void unknownOrUnfitLayersAreAClearError() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> Lora.apply(adapted(), new Lora.Spec(4, 8, 0, List.of("dense_9"), NEW, 1)));
    assertTrue(e.getMessage().contains("[dense_9]") && e.getMessage().contains("dense_1"), e.getMessage());
  }

  /** Analytic gradients of A and B, and the gradient passed to the layer below, against finite differences. */
  @Test
  void gradientsMatchFiniteDifferences() throws Exception {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      LoraDense lora = new LoraDense();
      lora.setNIn(6);
      lora.setNOut(5);
      lora.setActivationFn(new ActivationTanH());
      lora.setRank(2);
      lora.setAlpha(3);
      MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
          .updater(new NoOp()).list()
          .layer(new DenseLayer.Builder().nIn(784).nOut(6).activation(Activation.TANH).build())
          .layer(lora)
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(10)
              .activation(Activation.SOFTMAX).build())
          .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      net.getLayer(1).getParam("A").assign(Nd4j.rand(DataType.DOUBLE, 6, 2).subi(0.5));
      net.getLayer(1).getParam("B").assign(Nd4j.rand(DataType.DOUBLE, 2, 5).subi(0.5));
      DataSet digits = RealDigits.minibatch(4);
      boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
          .input(digits.getFeatures().castTo(DataType.DOUBLE)).labels(digits.getLabels().castTo(DataType.DOUBLE))
          .excludeParams(Set.of("1_W", "1_b")).subset(true).maxPerParam(150));
      assertTrue(ok, "gradient check");
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }
}
