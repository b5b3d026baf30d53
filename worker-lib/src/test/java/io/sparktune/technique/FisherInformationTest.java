package io.sparktune.technique;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.RealDigits;
import io.sparktune.model.AdaptSpec;
import io.sparktune.model.ModelAdapter;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/** EWC's Fisher information on the Keras MNIST MLP (its own digit head kept) and real digits. */
class FisherInformationTest {
  static Network mnistMlp() {
    String mlp = AnchorPenaltyTest.MLP;
    Network base = ModelLoader.load(mlp + "config.json", ModelFormat.AUTO, mlp + "weights.h5", 1);
    return ModelAdapter.adapt(base, new AdaptSpec("", 10, false, new Adam(1e-3), 7));
  }

  @Test
  void everyExampleCountsOnItsOwnWhateverTheMinibatchSize() throws Exception {
    Network net = mnistMlp();
    DataSet all = RealDigits.minibatch(24);
    FisherInformation whole = FisherInformation.accumulate(net, List.of(all).iterator(), new SplittableRandom(5));
    List<DataSet> fours = new ArrayList<>();
    for (int i = 0; i < 24; i += 4) {
      fours.add((DataSet) all.getRange(i, i + 4));
    }
    FisherInformation split = FisherInformation.accumulate(net, fours.iterator(), new SplittableRandom(5));
    assertEquals(24, whole.examples());
    assertArrayEquals(whole.mean(), split.mean(), 1e-9f);

    // partial sums from two "partitions" merge into the mean over all their examples
    FisherInformation first = FisherInformation.accumulate(net, fours.subList(0, 3).iterator(), new SplittableRandom(5));
    FisherInformation rest = FisherInformation.accumulate(net, fours.subList(3, 6).iterator(), new SplittableRandom(9));
    float[] a = first.mean();
    float[] b = rest.mean();
    float[] merged = first.merge(rest).mean();
    for (int i = 0; i < merged.length; i += 101) {
      assertEquals((a[i] + b[i]) / 2, merged[i], 1e-6f * Math.max(1, Math.abs(merged[i])));
    }
  }

  /**
   * The true Fisher draws labels from the network's prediction, so the given labels do not matter: with
   * every label moved to the next class (an "empirical" Fisher would then see large gradients) the
   * estimate is the same, bit for bit.
   */
  @Test
  void theGivenLabelsDoNotMatter() throws Exception {
    Network net = mnistMlp();
    DataSet digits = RealDigits.minibatch(32);
    DataSet wrong = new DataSet(digits.getFeatures(), org.nd4j.linalg.factory.Nd4j.concat(1,
        digits.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 10)),
        digits.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1))));
    assertTrue(!wrong.getLabels().equals(digits.getLabels()));
    assertArrayEquals(FisherInformation.accumulate(net, List.of(digits).iterator(), new SplittableRandom(3)).mean(),
        FisherInformation.accumulate(net, List.of(wrong).iterator(), new SplittableRandom(3)).mean());
  }

  /** The Fisher of the deterministic network: dropout (here 50% on the hidden layers) is off for the pass. */
  @Test
  void dropoutIsOffForThePass() throws Exception {
    Network net = mnistMlp();
    for (org.deeplearning4j.nn.conf.NeuralNetConfiguration c : net.multiLayer().getLayerWiseConfigurations().getConfs()) {
      if (c.getLayer() instanceof org.deeplearning4j.nn.conf.layers.DropoutLayer) {
        c.getLayer().setIDropout(new org.deeplearning4j.nn.conf.dropout.Dropout(0.5));
      }
    }
    DataSet digits = RealDigits.minibatch(16);
    assertArrayEquals(FisherInformation.accumulate(net, List.of(digits).iterator(), new SplittableRandom(3)).mean(),
        FisherInformation.accumulate(net, List.of(digits).iterator(), new SplittableRandom(3)).mean());
    assertTrue(net.multiLayer().getLayerWiseConfigurations().getConf(1).getLayer().getIDropout() != null,
        "the caller's network keeps its dropout");
  }

  /**
   * For a softmax output the gradient of -log p(y|x) with respect to the output bias is p - onehot(y);
   * with y drawn from p its expected square is p_c (1 - p_c). The estimate over real digits must match.
   */
  @Test
  void outputBiasFisherMatchesTheSoftmaxClosedForm() throws Exception {
    Network net = mnistMlp();
    DataSet digits = RealDigits.minibatch(400);
    float[] fisher = FisherInformation.accumulate(net, List.of(digits).iterator(), new SplittableRandom(11)).mean();
    Layer head = net.layers()[net.layers().length - 1];
    INDArray bias = head.getParam("b");
    long offset = bias.offset() - net.params().offset();
    INDArray p = net.output(digits.getFeatures());
    double[] expected = p.mul(p.rsub(1)).mean(0).toDoubleVector();
    double sumExpected = 0;
    double sumEstimate = 0;
    for (int c = 0; c < 10; c++) {
      sumExpected += expected[c];
      sumEstimate += fisher[(int) (offset + c)];
    }
    assertTrue(sumExpected > 0.005, "the pre-trained MLP is not perfectly confident on real digits: " + sumExpected);
    assertEquals(sumExpected, sumEstimate, 0.3 * sumExpected, "Fisher of the output bias vs sum_c E[p_c (1 - p_c)]");
    for (float f : fisher) {
      assertTrue(f >= 0 && Float.isFinite(f));
    }
  }
}
