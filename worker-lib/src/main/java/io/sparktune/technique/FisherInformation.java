package io.sparktune.technique;

import io.sparktune.model.Network;
import java.io.Serializable;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The diagonal Fisher information of a classifier, {@code F_i = E_x E_{y ~ p(y|x)} [(d log p(y|x) / d w_i)^2]},
 * as elastic weight consolidation (Kirkpatrick et al. 2017) uses it: how much the old task's likelihood
 * depends on each parameter.
 *
 * <p>Estimated per example: the label is drawn from the network's own predicted distribution (the true
 * Fisher; the "empirical" Fisher, which uses the given label, is a different and worse-behaved quantity),
 * the gradient of that one example's log-likelihood is computed with a minibatch of one, and its square is
 * summed. Dropout is switched off for the pass (the Fisher of the deterministic network). Partial sums
 * from different examples merge exactly, so a distributed pass over partitions gives the same result as
 * one process. Layers with batch statistics (batch normalisation) see a batch of one: their Fisher is not
 * meaningful, which {@link #hasBatchNormalization} lets the caller report.
 */
public final class FisherInformation implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] sum;
  private long examples;

  public FisherInformation(long parameters) {
    this.sum = new double[Math.toIntExact(parameters)];
  }

  /**
   * Accumulates every example of {@code batches} (any minibatch size: each example is taken on its own)
   * on a copy of {@code net}; labels are drawn from {@code rnd}.
   */
  public static FisherInformation accumulate(Network net, Iterator<DataSet> batches, SplittableRandom rnd) {
    Network deterministic = withoutDropout(net);
    FisherInformation f = new FisherInformation(net.numParams());
    while (batches.hasNext()) {
      DataSet batch = batches.next();
      for (int i = 0; i < batch.numExamples(); i++) {
        f.add(deterministic, batch.get(i).getFeatures(), rnd);
      }
    }
    return f;
  }

  private void add(Network net, INDArray features, SplittableRandom rnd) {
    INDArray probabilities = net.output(features);
    int classes = (int) probabilities.length();
    double u = rnd.nextDouble();
    int y = classes - 1;
    double cumulative = 0;
    for (int c = 0; c < classes; c++) {
      cumulative += probabilities.getDouble(c);
      if (u < cumulative) {
        y = c;
        break;
      }
    }
    INDArray label = Nd4j.zeros(features.dataType(), 1, classes);
    label.putScalar(0, y, 1.0);
    INDArray g = gradient(net, features, label).castTo(DataType.DOUBLE);
    double[] values = g.data().asDouble();
    for (int i = 0; i < values.length; i++) {
      sum[i] += values[i] * values[i];
    }
    examples++;
  }

  /** The flat gradient of the loss of one example (DL4J's loss is -log p(y|x) for softmax + cross-entropy). */
  private static INDArray gradient(Network net, INDArray features, INDArray label) {
    if (net.isGraph()) {
      ComputationGraph g = net.graph();
      g.setInputs(features);
      g.setLabels(label);
      g.computeGradientAndScore();
      return g.getGradientsViewArray().dup();
    }
    MultiLayerNetwork m = net.multiLayer();
    m.setInput(features);
    m.setLabels(label);
    m.computeGradientAndScore();
    return m.getGradientsViewArray().dup();
  }

  /** A copy of the network with every layer's dropout switched off. */
  static Network withoutDropout(Network net) {
    Network copy = net.copy();
    if (copy.isGraph()) {
      for (GraphVertex v : copy.graph().getConfiguration().getVertices().values()) {
        if (v instanceof LayerVertex lv) {
          lv.getLayerConf().getLayer().setIDropout(null);
        }
      }
    } else {
      for (NeuralNetConfiguration c : copy.multiLayer().getLayerWiseConfigurations().getConfs()) {
        c.getLayer().setIDropout(null);
      }
    }
    return copy;
  }

  /** True when the network has batch normalisation, whose Fisher a minibatch of one cannot estimate. */
  public static boolean hasBatchNormalization(Network net) {
    for (org.deeplearning4j.nn.api.Layer l : net.layers()) {
      if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
        return true;
      }
    }
    return false;
  }

  /** Adds another partial sum into this one (exact). */
  public FisherInformation merge(FisherInformation other) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.sum[i];
    }
    examples += other.examples;
    return this;
  }

  public long examples() {
    return examples;
  }

  /** The estimate: the mean over the examples of the squared per-example gradients. */
  public float[] mean() {
    if (examples == 0) {
      throw new IllegalStateException("The Fisher information needs at least one example.");
    }
    float[] out = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = (float) (sum[i] / examples);
    }
    return out;
  }
}
