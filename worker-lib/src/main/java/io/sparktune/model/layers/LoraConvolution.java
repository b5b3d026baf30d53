package io.sparktune.model.layers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Configuration of a 2-D convolution with a LoRA update: the kernel is {@code W + (alpha / rank) *
 * reshape(B A)}, the pre-trained {@code W} [out, in, kH, kW] and bias frozen, {@code A} [rank, in * kH *
 * kW] and {@code B} [out, rank] trained; {@code B} starts at zero, so the layer starts as the pre-trained
 * one. The low-rank update is the composition of a kH x kW convolution with {@code rank} filters and a
 * 1 x 1 convolution to {@code out} channels, as LoRA for convolutions is usually written. It keeps every
 * setting of DL4J's convolution (mode, stride, padding, dilation, data format), whose implementation it
 * reuses; {@link Lora#merge} turns it back into a plain {@link ConvolutionLayer}.
 */
public class LoraConvolution extends ConvolutionLayer implements ParamLayout {
  private static final long serialVersionUID = 1L;
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";
  public static final String DOWN = "A";
  public static final String UP = "B";

  private int rank;
  private double alpha;

  /** For JSON deserialisation. */
  public LoraConvolution() {}

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

  /** The factor on the low-rank update, alpha / rank. */
  public double scale() {
    return alpha / rank;
  }

  /** Inputs of one output unit: in * kH * kW. */
  public long fanIn() {
    return getNIn() * (long) getKernelSize()[0] * getKernelSize()[1];
  }

  @Override
  public List<Param> params() {
    List<Param> p = new ArrayList<>();
    if (hasBias()) {
      p.add(Param.bias(BIAS, getNOut(), false));
    }
    p.add(Param.tensor(WEIGHT, false, getNOut(), getNIn(), getKernelSize()[0], getKernelSize()[1]));
    p.add(Param.tensor(DOWN, true, rank, fanIn()));
    p.add(Param.tensor(UP, true, getNOut(), rank));
    return p;
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
    return LayoutParams.wire(new LoraConvolutionLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView, initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return LayoutParams.INSTANCE;
  }

  @Override
  public LoraConvolution clone() {
    return (LoraConvolution) super.clone();
  }
}
