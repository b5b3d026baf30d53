package io.sparktune.model.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J parameter initialiser for every {@link ParamLayout} layer: views into the flat parameter (or
 * gradient) vector in the order of {@link ParamLayout#params()}, each in its own shape and order (dense
 * matrices in 'f' order as DL4J's dense layers, convolution kernels in 'c' order as DL4J's). Fresh values are zeros: sparktune copies the pre-trained parameters in and seeds the
 * added ones itself, so these layers never depend on DL4J's per-JVM weight initialisation.
 */
public final class LayoutParams implements ParamInitializer {
  static final LayoutParams INSTANCE = new LayoutParams();

  private LayoutParams() {}

  private static List<ParamLayout.Param> params(Layer layer) {
    return ((ParamLayout) layer).params();
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    return params(layer).stream().mapToLong(ParamLayout.Param::length).sum();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return params(layer).stream().map(ParamLayout.Param::name).toList();
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return params(layer).stream().filter(p -> !p.bias()).map(ParamLayout.Param::name).toList();
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return params(layer).stream().filter(ParamLayout.Param::bias).map(ParamLayout.Param::name).toList();
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKeys(layer).contains(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return biasKeys(layer).contains(key);
  }

  /** Wires a new running layer of a {@link ParamLayout} configuration to its parameters, as DL4J's layers do. */
  static org.deeplearning4j.nn.api.Layer wire(org.deeplearning4j.nn.layers.BaseLayer<?> layer, NeuralNetConfiguration conf,
      java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners, int layerIndex, INDArray paramsView,
      boolean initializeParams) {
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    layer.setParamTable(INSTANCE.init(conf, paramsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    Map<String, INDArray> views = views(conf.getLayer(), paramsView);
    if (initializeParams) {
      views.values().forEach(v -> v.assign(0));
    }
    views.keySet().forEach(conf::addVariable);
    return views;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
    return views(conf.getLayer(), gradientView);
  }

  private static Map<String, INDArray> views(Layer layer, INDArray flat) {
    long total = numParamsOf(layer);
    if (flat.length() != total) {
      throw new IllegalStateException("Layer " + layer.getLayerName() + " expects " + total
          + " parameters, got a view of " + flat.length());
    }
    Map<String, INDArray> m = new LinkedHashMap<>();
    long offset = 0;
    for (ParamLayout.Param p : params(layer)) {
      long n = p.length();
      INDArray row = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + n));
      m.put(p.name(), p.shape().length == 2 && p.shape()[0] == 1 ? row : row.reshape(p.order(), p.shape()));
      offset += n;
    }
    return m;
  }

  private static long numParamsOf(Layer layer) {
    return INSTANCE.numParams(layer);
  }
}
