package io.sparktune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparktune.model.Network;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** What data-parallel workers exchange: parameters that can change and the updater state, nothing frozen. */
class ExchangedStateTest {

  private static Network network(boolean freezeFirst) {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2))
        .list()
        .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.RELU).build())
        .layer(new BatchNormalization.Builder().nOut(5).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
        .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(6))
        .build());
    net.init();
    if (freezeFirst) {
      net = new TransferLearning.Builder(net).setFeatureExtractor(0).build();
    }
    return new Network(net);
  }

  private static void train(Network net, int steps) {
    java.util.Random r = new java.util.Random(5);
    for (int i = 0; i < steps; i++) {
      float[][] x = new float[8][6];
      float[][] y = new float[8][3];
      for (int k = 0; k < 8; k++) {
        for (int j = 0; j < 6; j++) {
          x[k][j] = (float) r.nextGaussian();
        }
        y[k][r.nextInt(3)] = 1;
      }
      net.fit(new DataSet(Nd4j.create(x), Nd4j.create(y)));
    }
  }

  @Test
  void leavesFrozenLayersOutAndKeepsBatchNormStatistics() {
    Network all = network(false);
    Network frozen = network(true);
    long updater = all.updaterState().length();
    // dense 6x5+5, batch norm gamma, beta, mean, var 4x5, output 5x3+3
    assertEquals(35 + 20 + 18 + updater, ExchangedState.of(all, true).length());
    assertEquals(35 + 20 + 18, ExchangedState.of(all, false).length());
    assertEquals(20 + 18, ExchangedState.of(frozen, false).length(), "the frozen dense layer stays home");
  }

  @Test
  void scatterWritesBackWhatGatherRead() {
    Network a = network(false);
    Network b = network(false);
    train(a, 3);
    ExchangedState sa = ExchangedState.of(a, true);
    float[] state = sa.gather(new float[sa.length()]);
    ExchangedState sb = ExchangedState.of(b, true);
    assertFalse(java.util.Arrays.equals(state, sb.gather(new float[sb.length()])));
    sb.scatter(state);
    assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
    assertArrayEquals(a.updaterState().toFloatVector(), b.updaterState().toFloatVector());
  }

  /** The values of {@code net}'s flat parameter vector that {@code segments} address, in order. */
  private static float[] viaSegments(Network net, ExchangedState.Segments segments) {
    float[] flat = net.params().toFloatVector();
    float[] out = new float[segments.total()];
    for (int k = 0, at = 0; k < segments.starts().length; at += segments.lengths()[k], k++) {
      System.arraycopy(flat, segments.starts()[k], out, at, segments.lengths()[k]);
    }
    return out;
  }

  /** The segments address the changing parameters in the flattened vector: gathering through them is gather(). */
  @Test
  void parameterSegmentsAddressTheChangingParametersInTheFlatVector() {
    Network frozen = network(true);
    train(frozen, 2);
    ExchangedState s = ExchangedState.of(frozen, false);
    ExchangedState.Segments segments = s.parameterSegments(frozen.params());
    assertArrayEquals(s.gather(new float[s.length()]), viaSegments(frozen, segments));
    assertEquals(35, segments.starts()[0], "the first segment starts after the frozen dense layer's 35 parameters");
    // batch normalisation: gamma and beta in blocks, the running mean and variance exactly
    assertArrayEquals(new int[] {OneBitEncoder.BLOCK, OneBitEncoder.BLOCK, 1, 1, OneBitEncoder.BLOCK,
        OneBitEncoder.BLOCK}, segments.blockSizes());
  }

  /**
   * A ComputationGraph with batch normalisation and LoRA: the pre-trained weights inside the LoRA layer (no-op
   * updater) stay home, the factors, batch normalisation (running statistics exactly) and the head travel, and
   * the segments address them in the graph's flat vector.
   */
  @Test
  void graphWithLoraAndBatchNormExchangesOnlyWhatChanges() {
    Network graph = new Network(network(false).multiLayer().toComputationGraph());
    Network lora = io.sparktune.model.layers.Lora.apply(graph, new io.sparktune.model.layers.Lora.Spec(2, 4, 0,
        java.util.List.of(), java.util.Set.of(), 9));
    train(lora, 2);
    ExchangedState s = ExchangedState.of(lora, false);
    // LoRA factors of the dense layer 6x2 + 2x5 (its 6x5 weights and bias stay home), batch norm 4x5, output 5x3 + 3
    assertEquals(12 + 10 + 20 + 18, s.length());
    assertEquals(lora.trainableParams() + 10, s.length(), "trainable parameters plus the running mean and variance");
    ExchangedState.Segments segments = s.parameterSegments(lora.params());
    assertArrayEquals(s.gather(new float[s.length()]), viaSegments(lora, segments));
    assertEquals(2, java.util.Arrays.stream(segments.blockSizes()).filter(b -> b == 1).count(),
        "batch normalisation's running mean and variance go exactly");
    // a round trip through the updater state too
    ExchangedState withUpdater = ExchangedState.of(lora, true);
    float[] before = withUpdater.gather(new float[withUpdater.length()]);
    withUpdater.scatter(before);
    assertArrayEquals(before, withUpdater.gather(new float[withUpdater.length()]));
  }

  /**
   * Wrapper layers as Keras recurrent models import (LastTimeStep, Bidirectional) are not BaseLayers; their
   * parameters train and must travel like any other, and are slices of the flat vector (one-bit addresses them).
   */
  @Test
  void wrapperLayersTravelLikeAnyOther() {
    MultiLayerNetwork rnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2))
        .list()
        .layer(new org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional(
            new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nIn(3).nOut(4).build()))
        .layer(new org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep(
            new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nIn(8).nOut(5).build()))
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2).activation(Activation.SOFTMAX)
            .build())
        .build());
    rnn.init();
    Network net = new Network(rnn);
    ExchangedState s = ExchangedState.of(net, false);
    assertEquals(net.numParams(), s.length(), "every parameter trains, so every parameter travels");
    assertEquals(s.length(), s.parameterSegments(net.params()).total());
    assertArrayEquals(s.gather(new float[s.length()]), viaSegments(net, s.parameterSegments(net.params())));
  }
}
