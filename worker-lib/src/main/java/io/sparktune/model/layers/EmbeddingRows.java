package io.sparktune.model.layers;

import io.sparktune.BadInputException;
import io.sparktune.model.Network;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Growing a text network's sequence embedding by new rows (new token ids) without touching the others. */
public final class EmbeddingRows {
  private EmbeddingRows() {}

  /**
   * A copy of {@code net} whose first layer, a sequence embedding, has {@code firstNewId + rows.length}
   * rows (or its old count, when larger): rows below {@code firstNewId} and every other parameter keep their
   * values, row {@code firstNewId + k} is {@code rows[k]}.
   */
  public static Network extend(Network net, int firstNewId, float[][] rows) {
    if (!(net.layers()[0].conf().getLayer() instanceof EmbeddingSequenceLayer e)) {
      throw new BadInputException("model.adapt.domain-vocabulary needs a text network whose first layer is a "
          + "sequence embedding (EmbeddingSequenceLayer); its first layer is "
          + net.layers()[0].conf().getLayer().getClass().getSimpleName() + ".");
    }
    long oldRows = e.getNIn();
    if (firstNewId > oldRows) {
      throw new BadInputException("The vocabulary has " + firstNewId + " ids but the embedding '" + e.getLayerName()
          + "' only " + oldRows + " rows.");
    }
    EmbeddingSequenceLayer grown = (EmbeddingSequenceLayer) e.clone();
    grown.setNIn(Math.max(oldRows, firstNewId + rows.length));
    Network out = LayerSwap.substitute(net, Map.of(0, grown));
    INDArray from = net.layers()[0].getParam("W");
    INDArray to = out.layers()[0].getParam("W");
    to.assign(0);
    for (int r = 0; r < oldRows; r++) {
      to.getRow(r).assign(from.getRow(r));
    }
    for (int k = 0; k < rows.length; k++) {
      to.getRow(firstNewId + k).assign(Nd4j.createFromArray(rows[k]).castTo(to.dataType()));
    }
    return out;
  }
}
