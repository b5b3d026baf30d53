package io.sparktune.model.layers;

import io.sparktune.BadInputException;
import io.sparktune.model.Network;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Puts a trainable prefix in front of a text network's embedded sequences ({@link PrefixEmbedding}). */
public final class PrefixTuning {
  private PrefixTuning() {}

  /** @param length prefix vectors put in front of every sequence */
  public record Spec(int length) {}

  /**
   * The network with its first layer, a sequence embedding, made a frozen embedding with a trainable
   * prefix. The prefix starts as copies of the rows of the first real tokens, ids 2, 3, ... (cycling if the
   * prefix is longer than the vocabulary): real-word initialisation trains better than random vectors of
   * the wrong scale (Li & Liang 2021, section 7.2), and a vocabulary built by frequency puts its commonest
   * tokens first, which disturb the pre-trained network least.
   */
  public static Network apply(Network net, Spec spec) {
    Layer first = net.layers()[0].conf().getLayer();
    if (!(first instanceof EmbeddingSequenceLayer e)) {
      throw new BadInputException("techniques.prefix-tuning needs a text network whose first layer is a sequence "
          + "embedding (EmbeddingSequenceLayer); '" + first.getLayerName() + "' is a "
          + first.getClass().getSimpleName() + ".");
    }
    if (e.getNIn() < 3) {
      throw new BadInputException("techniques.prefix-tuning: the embedding '" + e.getLayerName() + "' has only "
          + e.getNIn() + " rows, no real token to start the prefix from.");
    }
    PrefixEmbedding p = new PrefixEmbedding();
    LayerSwap.copyCommon(e, p);
    p.setHasBias(e.hasBias());
    p.setPrefixLength(spec.length());
    Network out = LayerSwap.substitute(net, Map.of(0, p));
    INDArray weights = out.layers()[0].getParam(PrefixEmbedding.WEIGHT);
    INDArray prefix = out.layers()[0].getParam(PrefixEmbedding.PREFIX);
    for (int i = 0; i < spec.length(); i++) {
      // ids 0 and 1 are padding and unknown
      prefix.getRow(i).assign(weights.getRow(2 + i % (weights.size(0) - 2)));
    }
    return out;
  }
}
