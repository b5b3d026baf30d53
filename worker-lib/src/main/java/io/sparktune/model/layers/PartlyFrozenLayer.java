package io.sparktune.model.layers;

import java.util.Collection;
import java.util.List;
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
 * Configuration of a feed-forward layer that holds frozen pre-trained parameters and trainable added
 * ones, laid out by {@link #params()}. Frozen parameters get DL4J's no-op updater and no
 * regularisation, and the layer gives them a zero gradient, so they never change and hold no updater
 * state.
 *
 * <p>Implementations use plain getters and setters (no builder): DL4J stores layer configurations as
 * JSON with the class name, so a saved network with these layers loads wherever sparktune's worker
 * library is on the classpath.
 */
public abstract class PartlyFrozenLayer extends FeedForwardLayer implements ParamLayout {
  private static final long serialVersionUID = 1L;

  /** The parameters in the order they lie in the network's flat parameter vector. */
  @Override
  public abstract List<Param> params();

  /** The running layer. */
  protected abstract org.deeplearning4j.nn.layers.BaseLayer<?> createLayer(NeuralNetConfiguration conf,
      DataType dataType);

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
    return LayoutParams.wire(createLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return LayoutParams.INSTANCE;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType out = getOutputType(-1, inputType);
    long all = params().stream().mapToLong(Param::length).sum();
    long trainable = params().stream().filter(Param::trainable).mapToLong(Param::length).sum();
    return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, out)
        .standardMemory(all, getIUpdater().stateSize(trainable))
        .workingMemory(0, 0, 0, inputType.arrayElementsPerExample() + 2 * out.arrayElementsPerExample())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public PartlyFrozenLayer clone() {
    return (PartlyFrozenLayer) super.clone();
  }
}
