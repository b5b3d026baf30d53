package io.sparktune.technique;

import io.sparktune.model.Network;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * Weight regularisation of every trainable layer's weights with DL4J's own regularisers: {@code l2}
 * (coupled: the penalty's gradient passes through the updater, so Adam rescales it) or
 * {@code weight-decay} (decoupled, after the updater, scaled by the learning rate: AdamW, Loshchilov and
 * Hutter 2019). Biases are not regularised. It replaces whatever regularisation the pre-trained
 * configuration carried, and lives in the layer configurations (DL4J's updater reads it per parameter at
 * each step, so the updater needs no rebuilding), so saved models keep it.
 */
public final class WeightRegularization implements FineTuneTechnique {
  private final String type;
  private final double coefficient;

  public WeightRegularization(String type, double coefficient) {
    if (!type.equals("l2") && !type.equals("weight-decay")) {
      throw new IllegalArgumentException("Unknown weight regularisation " + type);
    }
    this.type = type;
    this.coefficient = coefficient;
  }

  @Override
  public String name() {
    return type;
  }

  @Override
  public Network adapt(Network net) {
    Regularization r = type.equals("l2") ? new L2Regularization(coefficient) : new WeightDecay(coefficient, true);
    for (Layer l : net.layers()) {
      if (net.tunable(l)) {
        ((BaseLayer) l.conf().getLayer()).setRegularization(List.of(r.clone()));
      }
    }
    return net;
  }
}
