package io.sparktune.model.lora;

import io.sparktune.BadInputException;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    List<String> names = net.layerNames();
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Layer conf = net.layers()[i].conf().getLayer();
      boolean chosen = spec.layers().isEmpty() ? !spec.exclude().contains(names.get(i)) : spec.layers().contains(names.get(i));
      if (chosen && conf.getClass() == DenseLayer.class && net.tunable(net.layers()[i])) {
        replace.put(i, lora((DenseLayer) conf, spec));
      }
    }
    List<String> missing = new ArrayList<>(spec.layers());
    replace.keySet().forEach(i -> missing.remove(names.get(i)));
    if (!missing.isEmpty() || replace.isEmpty()) {
      throw new BadInputException("techniques.lora.layers: " + (missing.isEmpty() ? "the network has no dense layer to "
          + "put LoRA on" : "LoRA goes on trainable dense layers, and " + missing + " is not one") + ". The network's "
          + "layers are " + names + "; dense layers: " + denseLayers(net) + ".");
    }
    Network out = substitute(net, replace);
    SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0x10_7A_5EEDL);
    for (int i : replace.keySet()) {
      INDArray a = out.layers()[i].getParam(LoraParams.DOWN);
      // Kaiming-uniform bound 1/sqrt(nIn), as common LoRA implementations initialise A; B stays zero
      double bound = 1 / Math.sqrt(a.size(0));
      float[] v = new float[(int) a.length()];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
      }
      a.assign(Nd4j.createFromArray(v).reshape('c', a.size(0), a.size(1)).castTo(a.dataType()));
    }
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
    Network out = substitute(net, replace);
    for (Map.Entry<Integer, Layer> e : replace.entrySet()) {
      org.deeplearning4j.nn.api.Layer lora = net.layers()[e.getKey()];
      double s = ((LoraDense) lora.conf().getLayer()).scale();
      INDArray w = lora.getParam(LoraParams.WEIGHT).add(
          lora.getParam(LoraParams.DOWN).mmul(lora.getParam(LoraParams.UP)).muli(s));
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

  private static List<String> denseLayers(Network net) {
    List<String> out = new ArrayList<>();
    for (org.deeplearning4j.nn.api.Layer l : net.layers()) {
      if (l.conf().getLayer().getClass() == DenseLayer.class) {
        out.add(l.conf().getLayer().getLayerName());
      }
    }
    return out;
  }

  private static LoraDense lora(DenseLayer d, Spec spec) {
    if (d.hasLayerNorm() || !d.hasBias()) {
      throw new BadInputException("LoRA needs a dense layer with a bias and without layer normalisation; '"
          + d.getLayerName() + "' is not one.");
    }
    LoraDense l = new LoraDense();
    copyCommon(d, l);
    l.setRank(spec.rank());
    l.setAlpha(spec.alpha());
    l.setLoraDropout(spec.dropout());
    return l;
  }

  private static DenseLayer dense(LoraDense l) {
    DenseLayer d = new DenseLayer.Builder().nIn(l.getNIn()).nOut(l.getNOut()).build();
    copyCommon(l, d);
    return d;
  }

  /** The settings a dense and a LoRA dense layer share. */
  private static void copyCommon(FeedForwardLayer from, FeedForwardLayer to) {
    to.setLayerName(from.getLayerName());
    to.setNIn(from.getNIn());
    to.setNOut(from.getNOut());
    to.setActivationFn(from.getActivationFn());
    to.setWeightInitFn(from.getWeightInitFn());
    to.setBiasInit(from.getBiasInit());
    to.setGainInit(from.getGainInit());
    to.setRegularization(from.getRegularization());
    to.setRegularizationBias(from.getRegularizationBias());
    to.setIUpdater(from.getIUpdater() == null ? null : from.getIUpdater().clone());
    to.setBiasUpdater(from.getBiasUpdater() == null ? null : from.getBiasUpdater().clone());
    to.setWeightNoise(from.getWeightNoise());
    to.setGradientNormalization(from.getGradientNormalization());
    to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
    to.setIDropout(from.getIDropout());
    to.setConstraints(from.getConstraints());
  }

  /**
   * A new network with the given layer configurations swapped in (by layer index) and every parameter
   * of the same name and shape copied over, the rest left as their initialiser made them.
   */
  static Network substitute(Network net, Map<Integer, Layer> replace) {
    Network out;
    if (net.isGraph()) {
      ComputationGraphConfiguration c = net.graph().getConfiguration().clone();
      for (Map.Entry<Integer, Layer> e : replace.entrySet()) {
        String name = net.layers()[e.getKey()].conf().getLayer().getLayerName();
        swap(((LayerVertex) c.getVertices().get(name)).getLayerConf(), e.getValue());
      }
      ComputationGraph g = new ComputationGraph(c);
      g.init();
      out = new Network(g);
    } else {
      MultiLayerConfiguration c = net.multiLayer().getLayerWiseConfigurations().clone();
      replace.forEach((i, layer) -> swap(c.getConf(i), layer));
      MultiLayerNetwork m = new MultiLayerNetwork(c);
      m.init();
      out = new Network(m);
    }
    for (int i = 0; i < net.layers().length; i++) {
      Map<String, INDArray> to = out.layers()[i].paramTable();
      net.layers()[i].paramTable().forEach((key, value) -> {
        INDArray target = to.get(key);
        if (target != null && java.util.Arrays.equals(target.shape(), value.shape())) {
          target.assign(value);
        }
      });
    }
    return out;
  }

  private static void swap(NeuralNetConfiguration conf, Layer layer) {
    conf.setLayer(layer);
    conf.variables(false).clear();
  }
}
