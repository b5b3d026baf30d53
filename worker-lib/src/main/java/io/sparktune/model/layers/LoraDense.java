package io.sparktune.model.layers;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Configuration of a dense layer with a LoRA update (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large
 * Language Models"): {@code out = activation(x W + b + (alpha / rank) * dropout(x) A B)} where the
 * pre-trained {@code W} [nIn, nOut] and {@code b} stay frozen and only {@code A} [nIn, rank] and
 * {@code B} [rank, nOut] train. {@code B} starts at zero, so the layer starts as exactly the pre-trained
 * one; {@link Lora#merge} turns it into a plain DL4J dense layer for serving anywhere.
 */
public class LoraDense extends PartlyFrozenLayer {
  private static final long serialVersionUID = 1L;
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";
  public static final String DOWN = "A";
  public static final String UP = "B";

  private int rank;
  private double alpha;
  private double loraDropout;

  /** For JSON deserialisation. */
  public LoraDense() {}

  public int getRank() {
    return rank;
  }

  public void setRank(int rank) {
    this.rank = rank;
  }

  public double getAlpha() {
    return alpha;
  }

  public void setAlpha(double alpha) {
    this.alpha = alpha;
  }

  /** Probability that an input of the low-rank branch is dropped during training (0 = none). */
  public double getLoraDropout() {
    return loraDropout;
  }

  public void setLoraDropout(double loraDropout) {
    this.loraDropout = loraDropout;
  }

  /** The factor on the low-rank branch, alpha / rank. */
  public double scale() {
    return alpha / rank;
  }

  @Override
  public List<Param> params() {
    return List.of(Param.matrix(WEIGHT, getNIn(), getNOut(), false), Param.bias(BIAS, getNOut(), false),
        Param.matrix(DOWN, getNIn(), rank, true), Param.matrix(UP, rank, getNOut(), true));
  }

  @Override
  protected org.deeplearning4j.nn.layers.BaseLayer<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
    return new LoraDenseLayer(conf, dataType);
  }

  @Override
  public LoraDense clone() {
    return (LoraDense) super.clone();
  }
}
