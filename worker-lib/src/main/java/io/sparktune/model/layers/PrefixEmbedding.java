package io.sparktune.model.layers;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Configuration of prefix tuning (Li & Liang 2021; the "prompt tuning" of Lester et al. 2021 for a
 * recurrent network): a sequence embedding whose pre-trained rows {@code W} [vocabulary, dim] (and bias,
 * if the embedding had one) stay frozen, followed by {@code prefixLength} trainable vectors of the same
 * width that are put in front of every sequence. For token ids {@code [n, T]} the output is
 * {@code [n, dim, prefixLength + T]}: the prefix, then the embedded tokens; the features mask grows by
 * {@code prefixLength} ones in front, so the prefix is seen even in short, padded sequences. Every other
 * layer of the network keeps its pre-trained weights, so only the prefix (and a new head, if any) learns.
 */
public class PrefixEmbedding extends PartlyFrozenLayer {
  private static final long serialVersionUID = 1L;
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";
  public static final String PREFIX = "prefix";

  private int prefixLength;
  private boolean hasBias;

  /** For JSON deserialisation. */
  public PrefixEmbedding() {}

  public int getPrefixLength() {
    return prefixLength;
  }

  public void setPrefixLength(int prefixLength) {
    this.prefixLength = prefixLength;
  }

  /** Whether the pre-trained embedding adds a bias to every row. */
  public boolean isHasBias() {
    return hasBias;
  }

  public void setHasBias(boolean hasBias) {
    this.hasBias = hasBias;
  }

  @Override
  public List<Param> params() {
    List<Param> p = new ArrayList<>();
    p.add(Param.matrix(WEIGHT, getNIn(), getNOut(), false));
    if (hasBias) {
      p.add(Param.bias(BIAS, getNOut(), false));
    }
    p.add(Param.tensor(PREFIX, true, prefixLength, getNOut()));
    return p;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    long length = inputType instanceof InputType.InputTypeRecurrent r && r.getTimeSeriesLength() > 0
        ? r.getTimeSeriesLength() + prefixLength : -1;
    return InputType.recurrent(getNOut(), length);
  }

  /** The vocabulary size is the layer's own (its rows), never taken from the input type. */
  @Override
  public void setNIn(InputType inputType, boolean override) {}

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  protected org.deeplearning4j.nn.layers.BaseLayer<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
    return new PrefixEmbeddingLayer(conf, dataType);
  }

  @Override
  public PrefixEmbedding clone() {
    return (PrefixEmbedding) super.clone();
  }
}
