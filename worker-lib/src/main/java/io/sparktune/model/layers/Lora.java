package io.sparktune.model.layers;

import io.sparktune.model.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Puts LoRA updates on a network's dense layers and folds them back. {@link #apply} replaces each
 * chosen {@link DenseLayer} by a {@link LoraDense} with the same weights, a seeded {@code A} and a zero
 * {@code B} (so the network computes exactly what it did); {@link #merge} replaces each LoRA layer by a
 * plain dense layer with {@code W + (alpha / rank) A B}, which any DL4J can load and serve.
 */
public final class Lora {
  private Lora() {}

  /**
   * What to put LoRA on.
   *
   * @param rank the rank r of A [nIn, r] and B [r, nOut]
   * @param alpha the branch is scaled by alpha / rank
   * @param dropout dropout probability on the branch input while training
   * @param layers names of the dense layers to adapt; empty = every dense layer not in {@code exclude}
   * @param exclude layers never adapted (new layers, which train in full)
   * @param seed seeds A
   */
  public record Spec(int rank, double alpha, double dropout, List<String> layers, Set<String> exclude, long seed) {}

  /** The network with LoRA on the chosen dense layers; throws BadInputException naming the layers when none fit. */
  public static Network apply(Network net, Spec spec) {
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i : LayerSwap.denseLayers(net, spec.layers(), spec.exclude(), "techniques.lora.layers")) {
      replace.put(i, lora(LayerSwap.plainDense(net.layers()[i].conf().getLayer(), "LoRA"), spec));
    }
    Network out = LayerSwap.substitute(net, replace);
    SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0x10_7A_5EEDL);
    // A from U(-1/sqrt(nIn), 1/sqrt(nIn)), as common LoRA implementations initialise it; B stays zero
    replace.keySet().forEach(i -> LayerSwap.seedUniform(out.layers()[i].getParam(LoraDense.DOWN), rnd));
    return out;
  }

  /** The network with every LoRA layer folded into a plain dense layer (W + (alpha / rank) A B). */
  public static Network merge(Network net) {
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i = 0; i < net.layers().length; i++) {
      if (net.layers()[i].conf().getLayer() instanceof LoraDense l) {
        replace.put(i, dense(l));
      }
    }
    if (replace.isEmpty()) {
      return net;
    }
    Network out = LayerSwap.substitute(net, replace);
    for (Map.Entry<Integer, Layer> e : replace.entrySet()) {
      org.deeplearning4j.nn.api.Layer lora = net.layers()[e.getKey()];
      double s = ((LoraDense) lora.conf().getLayer()).scale();
      INDArray w = lora.getParam(LoraDense.WEIGHT).add(
          lora.getParam(LoraDense.DOWN).mmul(lora.getParam(LoraDense.UP)).muli(s));
      out.layers()[e.getKey()].getParam("W").assign(w);
    }
    return out;
  }

  public static boolean hasLora(Network net) {
    for (org.deeplearning4j.nn.api.Layer l : net.layers()) {
      if (l.conf().getLayer() instanceof LoraDense) {
        return true;
      }
    }
    return false;
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
