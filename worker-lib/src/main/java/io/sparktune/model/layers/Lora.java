package io.sparktune.model.layers;

import io.sparktune.model.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Puts LoRA updates on a network's dense and convolution layers and folds them back. {@link #apply}
 * replaces each chosen {@link DenseLayer} by a {@link LoraDense} and each {@link ConvolutionLayer} by a
 * {@link LoraConvolution}, with the same weights, a seeded {@code A} and a zero {@code B} (so the network
 * computes exactly what it did); {@link #merge} replaces each LoRA layer by the plain layer with the
 * low-rank update folded into its weights, which any DL4J can load and serve.
 */
public final class Lora {
  private Lora() {}

  /**
   * What to put LoRA on.
   *
   * @param rank the rank r of A [nIn, r] and B [r, nOut] (convolutions: A [r, in kH kW], B [out, r])
   * @param alpha the branch is scaled by alpha / rank
   * @param dropout dropout probability on the branch input while training (dense layers)
   * @param layers names of the dense and convolution layers to adapt; empty = every such layer not in
   *     {@code exclude}
   * @param exclude layers never adapted (new layers, which train in full)
   * @param seed seeds A
   */
  public record Spec(int rank, double alpha, double dropout, List<String> layers, Set<String> exclude, long seed) {}

  /**
   * The network with LoRA on the chosen dense and convolution layers; throws BadInputException naming the
   * layers when none fit.
   */
  public static Network apply(Network net, Spec spec) {
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i : LayerSwap.layersOfKind(net, spec.layers(), spec.exclude(), "techniques.lora.layers",
        Map.of("dense", DenseLayer.class, "convolution", ConvolutionLayer.class))) {
      Layer conf = net.layers()[i].conf().getLayer();
      replace.put(i, conf instanceof ConvolutionLayer c ? lora(c, spec) : lora(LayerSwap.plainDense(conf, "LoRA"), spec));
    }
    Network out = LayerSwap.substitute(net, replace);
    SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0x10_7A_5EEDL);
    // A from U(-1/sqrt(fan-in), 1/sqrt(fan-in)), as common LoRA implementations initialise it; B stays zero
    for (int i : replace.keySet()) {
      INDArray a = out.layers()[i].getParam(LoraDense.DOWN);
      if (replace.get(i) instanceof LoraConvolution c) {
        LayerSwap.seedUniform(a.reshape('c', c.fanIn(), c.getRank()), rnd); // same values, [fan-in, rank] view
      } else {
        LayerSwap.seedUniform(a, rnd);
      }
    }
    return out;
  }

  /**
   * The network with every LoRA layer folded into a plain DL4J layer: dense W + (alpha / rank) A B,
   * convolution W + (alpha / rank) reshape(B A).
   */
  public static Network merge(Network net) {
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i = 0; i < net.layers().length; i++) {
      Layer conf = net.layers()[i].conf().getLayer();
      if (conf instanceof LoraDense l) {
        replace.put(i, dense(l));
      } else if (conf instanceof LoraConvolution c) {
        replace.put(i, convolution(c));
      }
    }
    if (replace.isEmpty()) {
      return net;
    }
    Network out = LayerSwap.substitute(net, replace);
    for (Map.Entry<Integer, Layer> e : replace.entrySet()) {
      org.deeplearning4j.nn.api.Layer lora = net.layers()[e.getKey()];
      INDArray w = lora.getParam(LoraDense.WEIGHT);
      INDArray merged;
      if (lora.conf().getLayer() instanceof LoraConvolution c) {
        INDArray update = lora.getParam(LoraConvolution.UP).mmul(lora.getParam(LoraConvolution.DOWN));
        merged = w.add(update.reshape('c', w.shape()).muli(c.scale()));
      } else {
        double s = ((LoraDense) lora.conf().getLayer()).scale();
        merged = w.add(lora.getParam(LoraDense.DOWN).mmul(lora.getParam(LoraDense.UP)).muli(s));
      }
      out.layers()[e.getKey()].getParam("W").assign(merged);
    }
    return out;
  }

  public static boolean hasLora(Network net) {
    for (org.deeplearning4j.nn.api.Layer l : net.layers()) {
      if (l.conf().getLayer() instanceof LoraDense || l.conf().getLayer() instanceof LoraConvolution) {
        return true;
      }
    }
    return false;
  }

  private static LoraConvolution lora(ConvolutionLayer from, Spec spec) {
    LoraConvolution l = new LoraConvolution();
    copyConvolution(from, l);
    l.setRank(spec.rank());
    l.setAlpha(spec.alpha());
    return l;
  }

  private static ConvolutionLayer convolution(LoraConvolution l) {
    ConvolutionLayer c = new ConvolutionLayer.Builder().kernelSize(l.getKernelSize()).build();
    copyConvolution(l, c);
    return c;
  }

  /** Every setting of a convolution, so the LoRA layer computes exactly what the plain one does. */
  private static void copyConvolution(ConvolutionLayer from, ConvolutionLayer to) {
    LayerSwap.copyCommon(from, to);
    to.setHasBias(from.hasBias());
    to.setConvolutionMode(from.getConvolutionMode());
    to.setKernelSize(from.getKernelSize().clone());
    to.setStride(from.getStride().clone());
    to.setPadding(from.getPadding().clone());
    to.setDilation(from.getDilation().clone());
    to.setCnn2dDataFormat(from.getCnn2dDataFormat());
    to.setCudnnAllowFallback(from.isCudnnAllowFallback());
    to.setCudnnAlgoMode(from.getCudnnAlgoMode());
    to.setCudnnFwdAlgo(from.getCudnnFwdAlgo());
    to.setCudnnBwdFilterAlgo(from.getCudnnBwdFilterAlgo());
    to.setCudnnBwdDataAlgo(from.getCudnnBwdDataAlgo());
  }

  private static LoraDense lora(DenseLayer d, Spec spec) {
    LoraDense l = new LoraDense();
    LayerSwap.copyCommon(d, l);
    l.setRank(spec.rank());
    l.setAlpha(spec.alpha());
    l.setLoraDropout(spec.dropout());
    return l;
  }

  private static DenseLayer dense(LoraDense l) {
    DenseLayer d = new DenseLayer.Builder().nIn(l.getNIn()).nOut(l.getNOut()).build();
    LayerSwap.copyCommon(l, d);
    return d;
  }
}
