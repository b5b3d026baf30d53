package io.sparktune.technique;

import io.sparktune.model.Network;
import io.sparktune.model.lora.Lora;
import io.sparktune.model.lora.LoraDense;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LoRA (Hu et al. 2021): the chosen pre-trained dense layers become {@link LoraDense} layers whose
 * weights stay frozen while a low-rank update trains; new layers (the new head) train in full; every
 * other pre-trained layer with parameters is paused (rate 0), so only a few percent of the parameters
 * change. {@link Lora#merge} folds the update back for serving.
 */
public final class LowRankAdaptation implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(LowRankAdaptation.class);

  private final Lora.Spec spec;
  private final Set<String> newLayers;
  private final Set<String> adapted = new HashSet<>();

  public LowRankAdaptation(Lora.Spec spec, Set<String> newLayers) {
    this.spec = spec;
    this.newLayers = Set.copyOf(newLayers);
  }

  @Override
  public String name() {
    return "lora";
  }

  @Override
  public Network adapt(Network net) {
    Network out = Lora.apply(net, spec);
    for (org.deeplearning4j.nn.api.Layer l : out.layers()) {
      if (l.conf().getLayer() instanceof LoraDense d) {
        adapted.add(d.getLayerName());
      }
    }
    log.info("LoRA rank {} (alpha {}, dropout {}) on {}: {} of {} parameters train ({}%).", spec.rank(), spec.alpha(),
        spec.dropout(), adapted, out.trainableParams(), out.numParams(),
        String.format("%.2f", 100.0 * out.trainableParams() / out.numParams()));
    return out;
  }

  @Override
  public double rateFactor(TunableLayer layer, int epoch, int epochs) {
    return adapted.contains(layer.name()) || newLayers.contains(layer.name()) ? 1 : 0;
  }
}
