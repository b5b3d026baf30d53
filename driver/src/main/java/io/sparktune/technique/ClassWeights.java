package io.sparktune.technique;

import io.sparktune.BadInputException;
import io.sparktune.model.Network;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Class weighting for imbalanced data: the output layer's cross-entropy weighs each class by
 * {@code N / (K * n_c)} ("balanced", as scikit-learn defines it), so every class contributes as much to
 * the loss as it would in balanced data. The weights live in the output layer's configuration.
 */
public final class ClassWeights implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(ClassWeights.class);

  private final double[] weights;

  /** @param counts training examples per class */
  public ClassWeights(long[] counts) {
    long total = Arrays.stream(counts).sum();
    weights = new double[counts.length];
    for (int c = 0; c < counts.length; c++) {
      weights[c] = counts[c] == 0 ? 1.0 : total / ((double) counts.length * counts[c]);
    }
  }

  public double[] weights() {
    return weights.clone();
  }

  @Override
  public String name() {
    return "class-weights";
  }

  @Override
  public Network adapt(Network net) {
    var layers = net.layers();
    var conf = layers[layers.length - 1].conf().getLayer();
    if (!(conf instanceof BaseOutputLayer out) || !(out.getLossFn() instanceof LossMCXENT)) {
      throw new BadInputException("techniques.class-weights = balanced needs a softmax cross-entropy output layer; "
          + "this network ends in " + conf.getClass().getSimpleName() + ".");
    }
    out.setLossFn(new LossMCXENT(Nd4j.createFromArray(weights).castTo(net.params().dataType()).reshape(1, weights.length)));
    log.info("Class weights (balanced): {}", Arrays.toString(Arrays.stream(weights)
        .mapToObj(w -> String.format("%.3f", w)).toArray()));
    return net;
  }
}
