package io.sparktune.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.RealTexts;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.Record;
import io.sparktune.model.Network;
import io.sparktune.text.Tokenizer;
import io.sparktune.text.Vocabulary;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Prefix tuning on the pre-trained SpamAssassin LSTM with real mail, and its gradients. */
class PrefixTuningTest {
  static DataSet batch(Vocabulary v, List<String> texts, int length) {
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      records.add(new Record(v.encode(texts.get(i), length), i % 2, "text#" + i));
    }
    return new BatchAssembler(texts.size(), 2, FeatureLayout.sequence(length), null).assemble(records);
  }

  @Test
  void onlyThePrefixChangesInTheEmbeddingAndItIsSavedWithTheModel() throws Exception {
    Vocabulary v = RealTexts.vocabulary();
    Network net = PrefixTuning.apply(RealTexts.model(), new PrefixTuning.Spec(6));
    assertTrue(net.wantsTokenInput());
    INDArray prefix = net.layers()[0].getParam(PrefixEmbedding.PREFIX);
    assertArrayEquals(new long[] {6, 32}, prefix.shape());
    assertEquals(net.layers()[0].getParam(PrefixEmbedding.WEIGHT).getRow(2), prefix.getRow(0),
        "starts from the first real token's row");
    assertEquals(6 * 32, net.layers()[0].paramTable().entrySet().stream()
        .filter(p -> Network.trainsParam(net.layers()[0], p.getKey())).mapToLong(p -> p.getValue().length()).sum());

    DataSet mail = batch(v, RealTexts.texts(32), 64);
    INDArray rows = net.layers()[0].getParam(PrefixEmbedding.WEIGHT).dup();
    INDArray before = prefix.dup();
    for (int i = 0; i < 3; i++) {
      net.fit(mail);
    }
    assertEquals(rows, net.layers()[0].getParam(PrefixEmbedding.WEIGHT), "pre-trained rows bit-identical");
    assertNotEquals(before, net.layers()[0].getParam(PrefixEmbedding.PREFIX), "the prefix trains");

    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    net.save(zip, true, null);
    Network back = Network.restore(zip.toByteArray(), true);
    assertEquals(net.output(mail), back.output(mail), "saved and loaded");
    assertEquals(6, ((PrefixEmbedding) back.layers()[0].conf().getLayer()).getPrefixLength());
  }

  /** The mask hides padding: a padded text gives the output of the same tokens without padding. */
  @Test
  void paddingDoesNotChangeTheOutput() throws Exception {
    Vocabulary v = RealTexts.vocabulary();
    for (Network net : List.of(RealTexts.model(), PrefixTuning.apply(RealTexts.model(), new PrefixTuning.Spec(4)))) {
      float[] exact = v.encode(RealTexts.texts(1).get(0), 40);
      float[] padded = java.util.Arrays.copyOf(exact, 96);
      INDArray a = net.output(new BatchAssembler(1, 2, FeatureLayout.sequence(40), null)
          .assemble(List.of(new Record(exact, 0, "x"))));
      INDArray b = net.output(new BatchAssembler(1, 2, FeatureLayout.sequence(96), null)
          .assemble(List.of(new Record(padded, 0, "x"))));
      assertTrue(a.equalsWithEps(b, 1e-5), a + " vs " + b);
    }
  }

  /** Analytic prefix gradients (through LSTM and masked pooling) against finite differences, in double precision. */
  @Test
  void gradientsMatchFiniteDifferences() {
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      PrefixEmbedding prefix = new PrefixEmbedding();
      prefix.setNIn(12);
      prefix.setNOut(4);
      prefix.setPrefixLength(3);
      prefix.setHasBias(true);
      prefix.setActivationFn(new ActivationIdentity());
      MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
          .updater(new NoOp()).list()
          .layer(prefix)
          .layer(new LSTM.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
          .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
              .activation(Activation.SOFTMAX).build())
          .build();
      MultiLayerNetwork net = new MultiLayerNetwork(conf);
      net.init();
      for (String p : List.of(PrefixEmbedding.WEIGHT, PrefixEmbedding.BIAS, PrefixEmbedding.PREFIX)) {
        INDArray a = net.getLayer(0).getParam(p);
        a.assign(Nd4j.rand(DataType.DOUBLE, a.shape()).subi(0.5));
      }
      INDArray ids = Nd4j.createFromArray(new double[][] {{3, 7, 2, 0, 0}, {11, 5, 9, 4, 8}, {1, 0, 0, 0, 0}});
      INDArray mask = ids.neq(0).castTo(DataType.DOUBLE);
      INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 0}});
      INDArray grown = net.getLayer(0).feedForwardMaskArray(mask, org.deeplearning4j.nn.api.MaskState.Active, 3)
          .getFirst();
      assertEquals(Nd4j.createFromArray(new double[][] {{1, 1, 1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1, 1, 1},
          {1, 1, 1, 1, 0, 0, 0, 0}}), grown, "the prefix is always visible, padding stays hidden");
      assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(ids)
          .labels(labels).inputMask(mask).excludeParams(Set.of("0_W", "0_b"))), "gradient check");
    } finally {
      Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }
  }
}
