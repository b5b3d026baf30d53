package io.sparktune.model.lora;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Configuration of a dense layer with a LoRA update (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large
 * Language Models"): {@code out = activation(x W + b + (alpha / rank) * dropout(x) A B)} where the
 * pre-trained {@code W} [nIn, nOut] and {@code b} stay frozen and only {@code A} [nIn, rank] and
 * {@code B} [rank, nOut] train. {@code B} starts at zero, so the layer starts as exactly the pre-trained
 * one. Frozen parameters get DL4J's no-op updater, no regularisation and a zero gradient, so they never
 * change and hold no updater state.
 *
 * <p>Plain getters and setters (no builder) because DL4J stores layer configurations as JSON with the
 * class name; a model with LoRA layers loads wherever sparktune's worker library is on the classpath,
 * and {@link Lora#merge} turns it into a plain DL4J network for serving anywhere.
 */
public class LoraDense extends FeedForwardLayer {
  private static final long serialVersionUID = 1L;

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

  static boolean frozen(String param) {
    return param.equals(LoraParams.WEIGHT) || param.equals(LoraParams.BIAS);
  }

  @Override
  public IUpdater getUpdaterByParam(String paramName) {
    return frozen(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
  }

  @Override
  public List<Regularization> getRegularizationByParam(String paramName) {
    return frozen(paramName) ? List.of() : super.getRegularizationByParam(paramName);
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray paramsView, boolean initializeParams, DataType networkDataType) {
    LoraDenseLayer layer = new LoraDenseLayer(conf, networkDataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(table);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return LoraParams.INSTANCE;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType out = getOutputType(-1, inputType);
    long params = initializer().numParams(this);
    long trainable = (getNIn() + getNOut()) * (long) rank;
    return new LayerMemoryReport.Builder(getLayerName(), LoraDense.class, inputType, out)
        .standardMemory(params, getIUpdater().stateSize(trainable))
        .workingMemory(0, 0, 0, inputType.arrayElementsPerExample() + out.arrayElementsPerExample() + rank)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public LoraDense clone() {
    return (LoraDense) super.clone();
  }
}
