package io.sparktune.model.layers;

import io.sparktune.BadInputException;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
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

/** Swapping layer configurations of a network in place, keeping every parameter that still fits. */
final class LayerSwap {
  private LayerSwap() {}

  /**
   * Indices of the layers of the given kinds (exact classes) named in {@code names} (empty = every
   * trainable one of those kinds not in {@code exclude}); refuses, naming {@code key}, names that are not
   * trainable layers of those kinds.
   *
   * @param kinds what the layers may be, e.g. "dense" -> DenseLayer.class
   */
  static List<Integer> layersOfKind(Network net, List<String> names, Set<String> exclude, String key,
      Map<String, Class<?>> kinds) {
    List<String> all = net.layerNames();
    List<Integer> chosen = new ArrayList<>();
    List<String> fitting = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      if (kinds.containsValue(net.layers()[i].conf().getLayer().getClass()) && net.tunable(net.layers()[i])) {
        fitting.add(all.get(i));
        if (names.isEmpty() ? !exclude.contains(all.get(i)) : names.contains(all.get(i))) {
          chosen.add(i);
        }
      }
    }
    String what = "trainable " + String.join(" or ", kinds.keySet()) + " layers";
    List<String> missing = new ArrayList<>(names);
    missing.removeAll(fitting);
    if (!missing.isEmpty() || chosen.isEmpty()) {
      throw new BadInputException(key + ": " + (missing.isEmpty() ? "the network has no " + what + " for it"
          : missing + " are not " + what) + ". The network's layers are " + all + "; its " + what + ": " + fitting
          + ".");
    }
    return chosen;
  }

  /** The settings every feed-forward layer kind shares, copied from one configuration to another. */
  static void copyCommon(FeedForwardLayer from, FeedForwardLayer to) {
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

  /** Checks that a dense layer can take a frozen copy of its W and b (bias on, no layer norm). */
  static DenseLayer plainDense(Layer conf, String technique) {
    DenseLayer d = (DenseLayer) conf;
    if (d.hasLayerNorm() || !d.hasBias()) {
      throw new BadInputException(technique + " needs dense layers with a bias and without layer normalisation; '"
          + d.getLayerName() + "' is not one.");
    }
    return d;
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
        if (target != null && Arrays.equals(target.shape(), value.shape())) {
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

  /** Fills {@code a} with U(-1/sqrt(rows), 1/sqrt(rows)) from a generator seeded by {@code seed}. */
  static void seedUniform(INDArray a, SplittableRandom rnd) {
    double bound = 1 / Math.sqrt(a.size(0));
    float[] v = new float[(int) a.length()];
    for (int k = 0; k < v.length; k++) {
      v[k] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
    }
    a.assign(Nd4j.createFromArray(v).reshape('c', a.size(0), a.size(1)).castTo(a.dataType()));
  }
}
