package io.sparktune.technique;

import io.sparktune.model.Network;
import io.sparktune.model.layers.Adapters;
import io.sparktune.model.layers.Lora;
import io.sparktune.model.layers.PartlyFrozenLayer;
import io.sparktune.model.layers.PrefixTuning;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parameter-efficient fine-tuning: chosen pre-trained dense layers become layers whose pre-trained
 * weights stay frozen while a few added parameters train (LoRA, Hu et al. 2021; bottleneck adapters,
 * Houlsby et al. 2019; a trainable prefix in front of a text network's embedded sequences, Li & Liang 2021); new layers (the new head) train in full, and every other pre-trained layer with
 * parameters is paused (rate 0), so only a few percent of the parameters change.
 */
public final class ParameterEfficientTuning implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(ParameterEfficientTuning.class);

  private final String name;
  private final UnaryOperator<Network> insert;
  private final Set<String> newLayers;
  private final Set<String> adapted = new LinkedHashSet<>();

  private ParameterEfficientTuning(String name, UnaryOperator<Network> insert, Set<String> newLayers) {
    this.name = name;
    this.insert = insert;
    this.newLayers = Set.copyOf(newLayers);
  }

  public static ParameterEfficientTuning lora(Lora.Spec spec, Set<String> newLayers) {
    return new ParameterEfficientTuning("lora", net -> Lora.apply(net, spec), newLayers);
  }

  public static ParameterEfficientTuning adapters(Adapters.Spec spec, Set<String> newLayers) {
    return new ParameterEfficientTuning("adapters", net -> Adapters.apply(net, spec), newLayers);
  }

  public static ParameterEfficientTuning prefix(PrefixTuning.Spec spec, Set<String> newLayers) {
    return new ParameterEfficientTuning("prefix-tuning", net -> PrefixTuning.apply(net, spec), newLayers);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Network adapt(Network net) {
    Network out = insert.apply(net);
    adapted.clear();
    for (org.deeplearning4j.nn.api.Layer l : out.layers()) {
      if (l.conf().getLayer() instanceof PartlyFrozenLayer p) {
        adapted.add(p.getLayerName());
      }
    }
    long trainable = 0;
    for (org.deeplearning4j.nn.api.Layer l : out.layers()) {
      String layer = l.conf().getLayer().getLayerName();
      if (adapted.contains(layer) || newLayers.contains(layer)) {
        trainable += l.paramTable().entrySet().stream()
            .filter(p -> Network.trainsParam(l, p.getKey())).mapToLong(p -> p.getValue().length()).sum();
      }
    }
    log.info("{} on {}: {} of {} parameters train ({}%), the rest is paused.", name, adapted, trainable,
        out.numParams(), String.format("%.2f", 100.0 * trainable / out.numParams()));
    return out;
  }

  @Override
  public boolean setsLayerRates() {
    return true;
  }

  @Override
  public double rateFactor(TunableLayer layer, int epoch, int epochs) {
    return adapted.contains(layer.name()) || newLayers.contains(layer.name()) ? 1 : 0;
  }
}
