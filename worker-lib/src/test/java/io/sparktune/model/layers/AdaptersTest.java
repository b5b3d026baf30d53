package io.sparktune.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.RealDigits;
import io.sparktune.model.Network;
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
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Bottleneck adapters on the Keras MNIST MLP with real digits: exact start, frozen base, gradients. */
class AdaptersTest {
  static Network withAdapters(Network net, int bottleneck) {
    return Adapters.apply(net, new Adapters.Spec(bottleneck, "RELU", List.of(), LoraTest.NEW, 5));
  }

  @Test
  void startsAsThePretrainedNetworkAndTrainsOnlyTheAdaptersAndTheHead() throws Exception {
    Network plain = LoraTest.adapted();
    Network net = withAdapters(plain, 16);
    DataSet digits = RealDigits.minibatch(128);
    assertEquals(plain.output(digits.getFeatures()), net.output(digits.getFeatures()), "Wu = 0: identical outputs");
    long adapters = 2 * (512 * 16 + 16 + 16 * 512 + 512);
    assertEquals(adapters + 512 * 10 + 10, net.trainableParams());
    INDArray w = net.layers()[0].getParam("W").dup();
    INDArray up = net.layers()[2].getParam(AdapterDense.UP).dup();
    for (int i = 0; i < 5; i++) {
      net.multiLayer().fit(digits);
    }
    assertEquals(w, net.layers()[0].getParam("W"), "pre-trained W bit-identical");
    assertNotEquals(up, net.layers()[2].getParam(AdapterDense.UP), "the adapter trains");

    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    net.save(zip, true, null);
    Network back = Network.restore(zip.toByteArray(), true);
    assertEquals(net.output(digits.getFeatures()), back.output(digits.getFeatures()), "saved and loaded");
    assertEquals(16, ((AdapterDense) back.layers()[2].conf().getLayer()).getBottleneck());
  }

  /** Analytic gradients of the adapter, and the gradient passed to the layer below, against finite differences. */
  @Test
  void gradientsMatchFiniteDifferences() throws Exception {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      AdapterDense adapter = new AdapterDense();
      adapter.setNIn(6);
      adapter.setNOut(5);
      adapter.setActivationFn(new ActivationTanH());
      adapter.setBottleneck(3);
      adapter.setAdapterActivation("TANH");
      MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
          .updater(new NoOp()).list()
          .layer(new DenseLayer.Builder().nIn(784).nOut(6).activation(Activation.TANH).build())
          .layer(adapter)
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(10)
              .activation(Activation.SOFTMAX).build())
          .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      net.getLayer(1).getParam("W").assign(Nd4j.rand(DataType.DOUBLE, 6, 5).subi(0.5));
      for (String p : List.of(AdapterDense.DOWN, AdapterDense.DOWN_BIAS, AdapterDense.UP, AdapterDense.UP_BIAS)) {
        INDArray v = net.getLayer(1).getParam(p);
        v.assign(Nd4j.rand(DataType.DOUBLE, v.shape()).subi(0.5));
      }
      DataSet digits = RealDigits.minibatch(4);
      assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
          .input(digits.getFeatures().castTo(DataType.DOUBLE)).labels(digits.getLabels().castTo(DataType.DOUBLE))
          .excludeParams(Set.of("1_W", "1_b")).subset(true).maxPerParam(150)), "gradient check");
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }
}
