package io.sparktune.technique;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.RealDigits;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** L2-SP's gradient on the Keras MNIST MLP and real digits, checked against the formula parameter by parameter. */
class L2SpPenaltyTest {
  static final String MLP = "src-test-data/models/keras-mnist-mlp/mnist_mlp_tf_keras_2_";

  static Network adapted(String freezeUpTo) {
    Network base = ModelLoader.load(MLP + "config.json", ModelFormat.AUTO, MLP + "weights.h5", 1);
    return ModelAdapter.adapt(base, new AdaptSpec(freezeUpTo, 10, true, new Sgd(0.01), 7));
  }

  @Test
  void addsAlphaTimesDistanceToPretrainedAndBetaTimesValueToNewLayers() throws Exception {
    Network net = adapted("dense_1");
    DataSet batch = RealDigits.minibatch(32);
    double alpha = 0.5;
    double beta = 0.25;
    List<L2SpPenalty.Segment> segments = L2SpPenalty.segments(net, alpha, beta, Set.of("sparktune-output"));
    // dense_1 is frozen: only dense_2 (W, b) is anchored and the new head (W, b) goes toward zero
    assertEquals(4, segments.size(), segments.toString());
    assertEquals(512 * 512 + 512, segments.stream().filter(s -> !s.towardZero()).mapToLong(L2SpPenalty.Segment::length).sum());
    assertEquals(512 * 10 + 10, segments.stream().filter(L2SpPenalty.Segment::towardZero).mapToLong(L2SpPenalty.Segment::length).sum());

    // an anchor that differs from the current parameters, as after some training
    INDArray anchor = net.params().dup().addi(Nd4j.randn(net.params().dataType(), net.params().shape()).muli(0.01));
    float[] anchorValues = anchor.toFloatVector();
    L2SpPenalty penalty = new L2SpPenalty(() -> anchorValues, segments);

    INDArray plain = gradient(net, batch);
    net.multiLayer().setInput(batch.getFeatures());
    net.multiLayer().setLabels(batch.getLabels());
    net.multiLayer().computeGradientAndScore();
    penalty.onGradientCalculation(net.model());
    INDArray penalised = net.multiLayer().getGradientsViewArray().dup();

    INDArray expected = plain.dup();
    INDArray params = net.params();
    for (L2SpPenalty.Segment s : segments) {
      for (long i = s.start(); i < s.start() + s.length(); i += 997) { // a spread of positions in each segment
        double w = params.getDouble(0, i);
        double w0 = s.towardZero() ? 0 : anchor.getDouble(0, i);
        expected.putScalar(0, i, plain.getDouble(0, i) + 32 * s.coefficient() * (w - w0));
        assertEquals(expected.getDouble(0, i), penalised.getDouble(0, i), 1e-4 * Math.max(1, Math.abs(expected.getDouble(0, i))),
            "parameter " + i);
      }
    }
    // frozen dense_1: untouched
    long frozen = net.layers()[0].numParams();
    assertEquals(plain.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, frozen)),
        penalised.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, frozen)));
  }

  @Test
  void atThePretrainedWeightsOnlyTheNewHeadIsPenalised() throws Exception {
    Network net = adapted("");
    DataSet batch = RealDigits.minibatch(16);
    float[] anchor = net.params().toFloatVector();
    List<L2SpPenalty.Segment> segments = L2SpPenalty.segments(net, 1.0, 0.0, Set.of("sparktune-output"));
    assertTrue(segments.stream().noneMatch(L2SpPenalty.Segment::towardZero), "beta 0 adds no new-layer segments");
    INDArray plain = gradient(net, batch);
    net.multiLayer().computeGradientAndScore();
    new L2SpPenalty(() -> anchor, segments).onGradientCalculation(net.model());
    assertEquals(plain, net.multiLayer().getGradientsViewArray(), "w = w0: the pull toward w0 is exactly zero");
  }

  private static INDArray gradient(Network net, DataSet batch) {
    net.multiLayer().setInput(batch.getFeatures());
    net.multiLayer().setLabels(batch.getLabels());
    net.multiLayer().computeGradientAndScore();
    return net.multiLayer().getGradientsViewArray().dup();
  }
}
