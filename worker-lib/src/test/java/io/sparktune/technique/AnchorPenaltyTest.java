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
class AnchorPenaltyTest {
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
    List<AnchorPenalty.Segment> segments = AnchorPenalty.segments(net, alpha, beta, Set.of("sparktune-output"));
    // dense_1 is frozen: only dense_2 (W, b) is anchored and the new head (W, b) goes toward zero
    assertEquals(4, segments.size(), segments.toString());
    assertEquals(512 * 512 + 512, segments.stream().filter(s -> !s.towardZero()).mapToLong(AnchorPenalty.Segment::length).sum());
    assertEquals(512 * 10 + 10, segments.stream().filter(AnchorPenalty.Segment::towardZero).mapToLong(AnchorPenalty.Segment::length).sum());

    // an anchor that differs from the current parameters, as after some training
    INDArray anchor = net.params().dup().addi(Nd4j.randn(net.params().dataType(), net.params().shape()).muli(0.01));
    float[] anchorValues = anchor.toFloatVector();
    AnchorPenalty penalty = new AnchorPenalty(() -> new AnchorPenalty.Anchor(anchorValues, null), segments);

    INDArray plain = gradient(net, batch);
    net.multiLayer().setInput(batch.getFeatures());
    net.multiLayer().setLabels(batch.getLabels());
    net.multiLayer().computeGradientAndScore();
    penalty.onGradientCalculation(net.model());
    INDArray penalised = net.multiLayer().getGradientsViewArray().dup();

    INDArray expected = plain.dup();
    INDArray params = net.params();
    for (AnchorPenalty.Segment s : segments) {
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
    List<AnchorPenalty.Segment> segments = AnchorPenalty.segments(net, 1.0, 0.0, Set.of("sparktune-output"));
    assertTrue(segments.stream().noneMatch(AnchorPenalty.Segment::towardZero), "beta 0 adds no new-layer segments");
    INDArray plain = gradient(net, batch);
    net.multiLayer().computeGradientAndScore();
    new AnchorPenalty(() -> new AnchorPenalty.Anchor(anchor, null), segments).onGradientCalculation(net.model());
    assertEquals(plain, net.multiLayer().getGradientsViewArray(), "w = w0: the pull toward w0 is exactly zero");
  }

  /** EWC: the pull of each parameter is weighted by its own importance (the Fisher information). */
  @Test
  void perParameterImportanceWeightsThePull() throws Exception {
    Network net = adapted("");
    DataSet batch = RealDigits.minibatch(8);
    INDArray params = net.params();
    float[] anchor = params.dup().addi(Nd4j.randn(params.dataType(), params.shape()).muli(0.01)).toFloatVector();
    float[] importance = Nd4j.rand(params.dataType(), params.shape()).toFloatVector();
    List<AnchorPenalty.Segment> segments = AnchorPenalty.segments(net, 3.0, 0.0, Set.of());
    INDArray plain = gradient(net, batch);
    net.multiLayer().computeGradientAndScore();
    new AnchorPenalty(() -> new AnchorPenalty.Anchor(anchor, importance), segments).onGradientCalculation(net.model());
    INDArray penalised = net.multiLayer().getGradientsViewArray();
    for (long i = 0; i < params.length(); i += 1009) {
      double expected = plain.getDouble(0, i) + 8 * 3.0 * importance[(int) i] * (params.getDouble(0, i) - anchor[(int) i]);
      assertEquals(expected, penalised.getDouble(0, i), 1e-4 * Math.max(1, Math.abs(expected)), "parameter " + i);
    }
  }

  private static INDArray gradient(Network net, DataSet batch) {
    net.multiLayer().setInput(batch.getFeatures());
    net.multiLayer().setLabels(batch.getLabels());
    net.multiLayer().computeGradientAndScore();
    return net.multiLayer().getGradientsViewArray().dup();
  }
}
