package io.sparktune.model.layers;

import io.sparktune.model.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/** Puts bottleneck adapters (Houlsby et al. 2019) after a network's dense layers. */
public final class Adapters {
  private Adapters() {}

  /**
   * What to put adapters on.
   *
   * @param bottleneck the adapter's hidden width
   * @param activation its nonlinearity (a DL4J Activation name, e.g. RELU)
   * @param layers names of the dense layers to follow with an adapter; empty = every dense layer not in
   *     {@code exclude}
   * @param exclude layers never adapted (new layers, which train in full)
   * @param seed seeds the down-projections
   */
  public record Spec(int bottleneck, String activation, List<String> layers, Set<String> exclude, long seed) {}

  /** The network with each chosen dense layer followed by an adapter (starting as the identity). */
  public static Network apply(Network net, Spec spec) {
    Map<Integer, Layer> replace = new LinkedHashMap<>();
    for (int i : LayerSwap.layersOfKind(net, spec.layers(), spec.exclude(), "techniques.adapters.layers",
        Map.of("dense", DenseLayer.class))) {
      DenseLayer d = LayerSwap.plainDense(net.layers()[i].conf().getLayer(), "Adapters");
      AdapterDense a = new AdapterDense();
      LayerSwap.copyCommon(d, a);
      a.setBottleneck(spec.bottleneck());
      a.setAdapterActivation(spec.activation());
      replace.put(i, a);
    }
    Network out = LayerSwap.substitute(net, replace);
    SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0xADA9_7E45L);
    replace.keySet().forEach(i -> LayerSwap.seedUniform(out.layers()[i].getParam(AdapterDense.DOWN), rnd));
    return out;
  }
}
