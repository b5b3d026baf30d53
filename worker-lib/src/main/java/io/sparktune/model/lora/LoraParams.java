package io.sparktune.model.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameter layout of a {@link LoraDense} layer in the network's flat parameter vector: W [nIn, nOut],
 * b [1, nOut], A [nIn, rank], B [rank, nOut] (matrices in 'f' order, as DL4J's dense layers). Fresh
 * values are zeros: sparktune copies W and b from the pre-trained layer and seeds A itself (see
 * {@link Lora}), so a LoRA layer never depends on DL4J's per-JVM weight initialisation.
 */
public final class LoraParams implements ParamInitializer {
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";
  public static final String DOWN = "A";
  public static final String UP = "B";
  static final LoraParams INSTANCE = new LoraParams();

  private LoraParams() {}

  private static LoraDense lora(Layer layer) {
    return (LoraDense) layer;
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    LoraDense l = lora(layer);
    return l.getNIn() * l.getNOut() + l.getNOut() + (long) l.getRank() * (l.getNIn() + l.getNOut());
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return List.of(WEIGHT, BIAS, DOWN, UP);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return List.of(WEIGHT, DOWN, UP);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return List.of(BIAS);
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKeys(layer).contains(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return BIAS.equals(key);
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
    Map<String, INDArray> views = views(lora(conf.getLayer()), paramsView);
    if (initializeParams) {
      views.values().forEach(v -> v.assign(0));
    }
    views.keySet().forEach(conf::addVariable);
    return views;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
    return views(lora(conf.getLayer()), gradientView);
  }

  private static Map<String, INDArray> views(LoraDense l, INDArray flat) {
    long nIn = l.getNIn();
    long nOut = l.getNOut();
    long r = l.getRank();
    if (flat.length() != nIn * nOut + nOut + r * (nIn + nOut)) {
      throw new IllegalStateException("LoRA layer " + l.getLayerName() + " expects " + (nIn * nOut + nOut + r * (nIn + nOut))
          + " parameters, got a view of " + flat.length());
    }
    Map<String, INDArray> m = new LinkedHashMap<>();
    long offset = 0;
    m.put(WEIGHT, slice(flat, offset, nIn * nOut).reshape('f', nIn, nOut));
    offset += nIn * nOut;
    m.put(BIAS, slice(flat, offset, nOut));
    offset += nOut;
    m.put(DOWN, slice(flat, offset, nIn * r).reshape('f', nIn, r));
    offset += nIn * r;
    m.put(UP, slice(flat, offset, r * nOut).reshape('f', r, nOut));
    return m;
  }

  private static INDArray slice(INDArray flat, long offset, long length) {
    return flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + length));
  }
}
