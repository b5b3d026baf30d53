package io.sparktune.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sparktune.techniques}: fine-tuning techniques beyond freezing and a new head.
 *
 * @param lrDecay discriminative fine-tuning: each tunable layer learns at the rate of the one above it
 *     divided by this (1 = all layers at training.learning-rate)
 * @param lrMultipliers explicit rate multipliers by layer name or index, applied on top of the decay
 * @param progressiveUnfreezing whether layers start paused and are unfrozen group by group from the top
 * @param unfreezeGroupSize tunable layers per unfrozen group
 * @param epochsPerGroup epochs between two unfreezings
 * @param regularization none, l2, weight-decay or l2-sp
 * @param coefficient the regularisation coefficient (l2-sp: alpha, toward the pre-trained weights)
 * @param newLayerCoefficient l2-sp only: beta, plain L2 on new layers
 * @param lora whether LoRA goes on the dense layers
 * @param loraRank rank of the LoRA factors
 * @param loraAlpha LoRA scale numerator (the branch is scaled by alpha / rank)
 * @param loraDropout dropout on the LoRA branch input
 * @param loraLayers dense layers to put LoRA on; empty = all pre-trained dense layers
 * @param adapters whether bottleneck adapters follow the dense layers
 * @param adapterBottleneck the adapters' hidden width
 * @param adapterActivation the adapters' nonlinearity (a DL4J Activation name)
 * @param adapterLayers dense layers to follow with an adapter; empty = all pre-trained dense layers
 * @param prefixTuning whether a text network's embedded sequences get a trainable prefix
 * @param prefixLength prefix vectors
 * @param augmentation whether training images are augmented on the executors
 * @param maxShift largest random shift in pixels
 * @param maxRotationDegrees largest random rotation
 * @param flip random left-right flips
 * @param cutout side of the zeroed square (0 = none)
 * @param noiseStd Gaussian noise in raw pixel units (0 = none)
 * @param tabularNoise tabular data: Gaussian noise as a fraction of each feature's standard deviation
 * @param mixupAlpha mixup's Beta parameter (0 = no mixup)
 * @param classWeights none or balanced
 * @param resampling none, oversample or undersample (classes, every epoch)
 * @param continual keeping an old task: forgetting measured, EWC, replay
 */
public record TechniqueSettings(double lrDecay, Map<String, Double> lrMultipliers, boolean progressiveUnfreezing,
    int unfreezeGroupSize, int epochsPerGroup, String regularization, double coefficient,
    double newLayerCoefficient, boolean lora, int loraRank, double loraAlpha, double loraDropout,
    List<String> loraLayers, boolean adapters, int adapterBottleneck, String adapterActivation,
    List<String> adapterLayers, boolean prefixTuning, int prefixLength, boolean augmentation, int maxShift, double maxRotationDegrees, boolean flip,
    int cutout, double noiseStd, double tabularNoise, double mixupAlpha, String classWeights, String resampling, ContinualSettings continual) {

  public static final List<String> ADAPTER_ACTIVATIONS = List.of("relu", "gelu", "tanh", "sigmoid", "identity");

  public static final List<String> REGULARIZATIONS = List.of("none", "l2", "weight-decay", "l2-sp");
  static final String MULTIPLIERS = ConfigLoader.ROOT + ".techniques.layer-learning-rates.multipliers";

  static TechniqueSettings fromConfig(Config c, ConfigProblems p) {
    String b = ConfigLoader.ROOT + ".techniques.";
    boolean progressive = p.bool(b + "progressive-unfreezing.enabled");
    if (progressive && TrainingSettings.dl4jGradientSharing(p, ConfigLoader.ROOT + ".training.")) {
      p.add(b + "progressive-unfreezing.enabled", "is true, which DL4J's gradient-sharing cannot apply (DL4J keeps each "
          + "worker's model across epochs, so a layer unfrozen later would never reach it); use parameter-averaging, "
          + "training.gradient-sharing.implementation = sparktune or single-node.");
    }
    return new TechniqueSettings(p.doubleIn(b + "layer-learning-rates.decay", 1, 100, false), multipliers(c, p),
        progressive, p.intIn(b + "progressive-unfreezing.group-size", 1, 10_000),
        p.intIn(b + "progressive-unfreezing.epochs-per-group", 1, 10_000),
        p.oneOf(b + "regularization.type", REGULARIZATIONS), p.doubleIn(b + "regularization.coefficient", 0, 10, false),
        p.doubleIn(b + "regularization.new-layer-coefficient", 0, 10, false), p.bool(b + "lora.enabled"),
        p.intIn(b + "lora.rank", 1, 4096), p.doubleIn(b + "lora.alpha", 0, 1e6, true),
        p.doubleIn(b + "lora.dropout", 0, 0.95, false), p.stringList(b + "lora.layers"), adapters(p, b),
        p.intIn(b + "adapters.bottleneck", 1, 65_536),
        p.oneOf(b + "adapters.activation", ADAPTER_ACTIVATIONS).toUpperCase(java.util.Locale.ROOT),
        p.stringList(b + "adapters.layers"), prefixTuning(p, b), p.intIn(b + "prefix-tuning.length", 1, 1000),
        augmentation(p, b),
        p.intIn(b + "augmentation.max-shift", 0, 1000), p.doubleIn(b + "augmentation.max-rotation-degrees", 0, 180, false),
        p.bool(b + "augmentation.flip"), p.intIn(b + "augmentation.cutout", 0, 10_000),
        p.doubleIn(b + "augmentation.noise-std", 0, 1e6, false), p.doubleIn(b + "augmentation.tabular-noise", 0, 10, false),
        p.doubleIn(b + "augmentation.mixup-alpha", 0, 100, false), p.oneOf(b + "class-weights", List.of("none", "balanced")),
        p.oneOf(b + "resampling", io.sparktune.data.ClassResampling.MODES),
        ContinualSettings.fromConfig(p, p.string(ConfigLoader.ROOT + ".data.format")));
  }

  private static boolean adapters(ConfigProblems p, String b) {
    boolean on = p.bool(b + "adapters.enabled");
    if (on && p.bool(b + "lora.enabled")) {
      p.add(b + "adapters.enabled", "is true together with techniques.lora.enabled; both replace the same dense "
          + "layers, so choose one.");
    }
    return on;
  }

  private static boolean prefixTuning(ConfigProblems p, String b) {
    boolean on = p.bool(b + "prefix-tuning.enabled");
    if (on && (p.bool(b + "lora.enabled") || p.bool(b + "adapters.enabled"))) {
      p.add(b + "prefix-tuning.enabled", "is true together with techniques.lora.enabled or "
          + "techniques.adapters.enabled; each decides alone which parameters train, so choose one.");
    }
    if (on && !p.string(ConfigLoader.ROOT + ".data.format").equals("text")) {
      p.add(b + "prefix-tuning.enabled", "is true, which needs a text network and data.format = text.");
    }
    return on;
  }

  private static boolean augmentation(ConfigProblems p, String b) {
    boolean on = p.bool(b + "augmentation.enabled");
    if (on && p.string(ConfigLoader.ROOT + ".data.format").equals("text")) {
      p.add(b + "augmentation.enabled", "is true, but its transforms are for images and tabular features, not "
          + "token ids (data.format = text); set it to false.");
    }
    return on;
  }

  private static Map<String, Double> multipliers(Config c, ConfigProblems p) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (!c.hasPath(MULTIPLIERS)) {
      return m;
    }
    for (Map.Entry<String, ConfigValue> e : c.getConfig(MULTIPLIERS).root().entrySet()) {
      String key = MULTIPLIERS + ".\"" + e.getKey() + "\"";
      try {
        double v = c.getConfig(MULTIPLIERS).getDouble("\"" + e.getKey() + "\"");
        if (!(v >= 0 && v <= 100)) {
          p.add(key, "must be a number in [0, 100] (0 pauses the layer).");
        }
        m.put(e.getKey(), v);
      } catch (ConfigException ex) {
        p.add(key, "must be a number in [0, 100] (a learning-rate multiplier for that layer).");
      }
    }
    return m;
  }

  /** True when no technique of this section is switched on. */
  public boolean none() {
    return lrDecay == 1 && lrMultipliers.isEmpty() && !progressiveUnfreezing && regularization.equals("none") && !lora
        && !adapters && !prefixTuning && !augmentation && classWeights.equals("none") && resampling.equals("none") && continual.ewcLambda() == 0
        && continual.replayExamples() == 0;
  }
}
