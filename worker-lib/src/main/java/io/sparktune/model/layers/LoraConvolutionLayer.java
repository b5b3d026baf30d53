package io.sparktune.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The running {@link LoraConvolution}: DL4J's own convolution (im2col or its CPU/GPU helpers) run with
 * the effective kernel {@code W' = W + s reshape(B A)}, {@code s = alpha / rank}. Backward, DL4J computes
 * the kernel gradient {@code G = dL/dW'} [out, in * kH * kW]; the chain rule through {@code W'} gives
 * {@code dB = s G A^T} and {@code dA = s B^T G}, and the frozen {@code W} and bias get a zero gradient.
 * Unlike the dense LoRA layer this one still computes the full kernel gradient (DL4J's convolution
 * backward has no way to skip it), so it saves updater state and trainable parameters, not arithmetic.
 */
public class LoraConvolutionLayer extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;

  public LoraConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private LoraConvolution lora() {
    return (LoraConvolution) conf().getLayer();
  }

  @Override
  protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray p = super.getParamWithNoise(param, training, workspaceMgr);
    if (!LoraConvolution.WEIGHT.equals(param)) {
      return p;
    }
    INDArray update = getParam(LoraConvolution.UP).mmul(getParam(LoraConvolution.DOWN)); // [out, in * kH * kW]
    return p.add(update.reshape('c', p.shape()).muli(lora().scale()));
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    Pair<Gradient, INDArray> out = super.backpropGradient(epsilon, workspaceMgr);
    INDArray kernelGrad = gradientViews.get(LoraConvolution.WEIGHT);
    INDArray g = kernelGrad.reshape('c', kernelGrad.size(0), lora().fanIn());
    double s = lora().scale();
    INDArray dA = gradientViews.get(LoraConvolution.DOWN);
    INDArray dB = gradientViews.get(LoraConvolution.UP);
    Nd4j.gemm(g, getParam(LoraConvolution.DOWN), dB, false, true, s, 0.0);
    Nd4j.gemm(getParam(LoraConvolution.UP), g, dA, true, false, s, 0.0);
    kernelGrad.assign(0);
    if (gradientViews.containsKey(LoraConvolution.BIAS)) {
      gradientViews.get(LoraConvolution.BIAS).assign(0);
    }
    Gradient grad = out.getFirst();
    grad.gradientForVariable().put(LoraConvolution.DOWN, dA);
    grad.gradientForVariable().put(LoraConvolution.UP, dB);
    return out;
  }
}
