package io.sparktune.technique;

import io.sparktune.BadInputException;
import io.sparktune.config.TechniqueSettings;
import io.sparktune.config.TrainingSettings;
import io.sparktune.data.ExampleTransform;
import io.sparktune.data.ImageAugmentation;
import io.sparktune.data.Mixup;
import io.sparktune.model.Network;
import io.sparktune.model.layers.Adapters;
import io.sparktune.model.layers.Lora;
import io.sparktune.model.layers.PrefixTuning;
import io.sparktune.technique.FineTuneTechnique.TunableLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The techniques of one training run and the per-layer learning rates they lead to: each tunable
 * layer's rate in an epoch is training.learning-rate × the schedule's factor for the epoch × every
 * technique's factor for the layer. The epoch loop sets these on the network before each epoch.
 */
public final class TechniquePlan {
  private final List<FineTuneTechnique> techniques;
  private final TrainingSettings training;
  private final List<TrainingListener> workerListeners;
  /** Composed once from the techniques: read every epoch. */
  private final io.sparktune.data.EpochSampling sampling;

  private TechniquePlan(List<FineTuneTechnique> techniques, TrainingSettings training,
      List<TrainingListener> workerListeners) {
    this.techniques = List.copyOf(techniques);
    this.training = training;
    this.workerListeners = List.copyOf(workerListeners);
    io.sparktune.data.ClassResampling resampling = this.techniques.stream().map(FineTuneTechnique::resampling)
        .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    this.sampling = new io.sparktune.data.EpochSampling(resampling, trainingTransform(), mixup());
  }

  /** Only the learning-rate schedule (baselines, which measure the plain path). */
  public static TechniquePlan scheduleOnly(TrainingSettings training) {
    return new TechniquePlan(List.of(), training, List.of());
  }

  /**
   * The configured techniques for {@code adapted}; layer multipliers given by index are resolved to
   * names, and unknown layers are refused.
   *
   * @param newLayers names of layers the adaptation added (not pre-trained)
   * @param seed seeds what techniques initialise (LoRA's A)
   * @param data the prepared data (image size for augmentation, class counts for class weights); null
   *     when neither is configured
   * @param oldTask the old task of continual learning (EWC, replay), or null
   */
  public static TechniquePlan of(TechniqueSettings t, TrainingSettings training, Network adapted, Set<String> newLayers,
      long seed, io.sparktune.data.PreparedData data, OldTask oldTask) {
    List<FineTuneTechnique> list = new ArrayList<>();
    if (t.lrDecay() != 1 || !t.lrMultipliers().isEmpty()) {
      list.add(new DiscriminativeLearningRates(t.lrDecay(), resolve(t.lrMultipliers(), adapted)));
    }
    if (t.progressiveUnfreezing()) {
      list.add(new ProgressiveUnfreezing(t.unfreezeGroupSize(), t.epochsPerGroup()));
    }
    switch (t.regularization()) {
      case "l2", "weight-decay" -> list.add(new WeightRegularization(t.regularization(), t.coefficient()));
      case "l2-sp" -> list.add(new L2Sp(t.coefficient(), t.newLayerCoefficient(), newLayers));
      default -> { }
    }
    if (t.lora()) {
      list.add(0, ParameterEfficientTuning.lora(new Lora.Spec(t.loraRank(), t.loraAlpha(), t.loraDropout(),
          t.loraLayers(), newLayers, seed), newLayers));
    }
    if (t.adapters()) {
      list.add(0, ParameterEfficientTuning.adapters(new Adapters.Spec(t.adapterBottleneck(), t.adapterActivation(),
          t.adapterLayers(), newLayers, seed), newLayers));
    }
    if (t.prefixTuning()) {
      list.add(0, ParameterEfficientTuning.prefix(new PrefixTuning.Spec(t.prefixLength()), newLayers));
    }
    if (t.augmentation()) {
      list.add(augmentation(t, data));
    }
    if (t.classWeights().equals("balanced")) {
      list.add(new ClassWeights(classCounts(data, "techniques.class-weights = balanced")));
    }
    if (!t.resampling().equals("none")) {
      list.add(new Resampling(t.resampling(), classCounts(data, "techniques.resampling = " + t.resampling())));
    }
    var continual = t.continual();
    if (continual.ewcLambda() > 0 || continual.replayExamples() > 0) {
      if (oldTask == null || data == null) {
        throw new IllegalArgumentException("EWC and replay need the old task and the data");
      }
      if (continual.ewcLambda() > 0) {
        list.add(new ElasticWeightConsolidation(continual.ewcLambda(), oldTask.sample(continual.fisherExamples(), 1),
            data.assembler(32), seed));
      }
      if (continual.replayExamples() > 0) {
        list.add(new ExperienceReplay(oldTask.sample(continual.replayExamples(), 2)));
      }
    }
    return new TechniquePlan(list, training, List.of());
  }

  /** Training examples per class, from a distributed count. */
  private static long[] classCounts(io.sparktune.data.PreparedData data, String setting) {
    if (data == null || data.regression()) {
      throw new BadInputException(setting + " applies to classification only.");
    }
    long[] counts = new long[data.classes().size()];
    data.train().map(io.sparktune.data.Record::label).countByValue().forEach((c, n) -> counts[c] = n);
    return counts;
  }

  private static DataAugmentation augmentation(TechniqueSettings t, io.sparktune.data.PreparedData data) {
    Mixup mixup = t.mixupAlpha() > 0 ? new Mixup(t.mixupAlpha()) : null;
    if (data != null && data.imageDims() != null) {
      int[] d = data.imageDims();
      return new DataAugmentation(new ImageAugmentation(d[0], d[1], d[2], t.maxShift(), t.maxRotationDegrees(),
          t.flip(), t.cutout(), t.noiseStd()), mixup);
    }
    if (data == null || (t.tabularNoise() == 0 && mixup == null)) {
      throw new BadInputException("techniques.augmentation.enabled = true on tabular data needs "
          + "techniques.augmentation.tabular-noise > 0 or techniques.augmentation.mixup-alpha > 0 (the image "
          + "settings apply to images only).");
    }
    ExampleTransform noise = null;
    if (t.tabularNoise() > 0) {
      io.sparktune.data.FeatureStatistics stats = data.train().aggregate(new io.sparktune.data.FeatureStatistics(),
          io.sparktune.data.FeatureStatistics::add, io.sparktune.data.FeatureStatistics::merge);
      noise = new io.sparktune.data.TabularNoise(stats.std(), t.tabularNoise());
    }
    return new DataAugmentation(noise, mixup);
  }

  private static Map<String, Double> resolve(Map<String, Double> multipliers, Network net) {
    List<String> names = net.layerNames();
    List<String> tunable = net.tunableLayerIndices().stream().map(names::get).toList();
    Map<String, Double> byName = new LinkedHashMap<>();
    multipliers.forEach((key, m) -> {
      String name = key.matches("\\d+") && Integer.parseInt(key) < names.size() ? names.get(Integer.parseInt(key)) : key;
      if (!tunable.contains(name)) {
        throw new BadInputException("techniques.layer-learning-rates.multipliers names layer '" + key + "', which is "
            + "not a tunable layer of the adapted network. Its tunable layers (with parameters, not frozen) are "
            + tunable + " (all layers: " + names + ").");
      }
      byName.put(name, m);
    });
    return byName;
  }

  public List<String> names() {
    return techniques.stream().map(FineTuneTechnique::name).toList();
  }

  /** How every epoch's training examples are drawn and changed on the executors. */
  public io.sparktune.data.EpochSampling sampling() {
    return sampling;
  }

  /** The augmentation of training examples on the executors, or null for none. */
  private ExampleTransform trainingTransform() {
    ExampleTransform combined = null;
    for (FineTuneTechnique t : techniques) {
      ExampleTransform next = t.trainingTransform();
      if (next != null) {
        ExampleTransform first = combined;
        combined = first == null ? next : (r, rnd) -> next.apply(first.apply(r, rnd), rnd);
      }
    }
    return combined;
  }

  /** Mixup of training minibatches, or null for none. */
  private Mixup mixup() {
    return techniques.stream().map(FineTuneTechnique::mixup).filter(java.util.Objects::nonNull).findFirst()
        .orElse(null);
  }

  /** False when a technique needs the full network on raw examples (no frozen-feature caching). */
  public boolean worksOnCachedFeatures() {
    return techniques.stream().allMatch(FineTuneTechnique::worksOnCachedFeatures);
  }

  /** The training set after every technique's change (replay); validation stays. */
  public io.sparktune.data.PreparedData trainingData(io.sparktune.data.PreparedData data) {
    io.sparktune.data.PreparedData out = data;
    for (FineTuneTechnique t : techniques) {
      out = t.trainingData(out);
    }
    return out;
  }

  /** Frees what the techniques hold on the cluster; call when training is over. */
  public void release() {
    techniques.forEach(FineTuneTechnique::release);
  }

  /** True when per-layer rates must be set on the network before every epoch. */
  public boolean variesByEpoch() {
    return !training.lrSchedule().isConstant() || techniques.stream().anyMatch(FineTuneTechnique::variesByEpoch);
  }

  /** True when the rates differ from the updater's own constant rate on every layer. */
  public boolean setsRates() {
    return variesByEpoch() || techniques.stream().anyMatch(FineTuneTechnique::setsLayerRates);
  }

  /** The adapted network changed by each technique in turn (see {@link FineTuneTechnique#adapt}). */
  public Network adapt(Network net) {
    Network out = net;
    for (FineTuneTechnique t : techniques) {
      out = t.adapt(out);
    }
    return out;
  }

  /**
   * This plan with its techniques' worker listeners made for training that starts from {@code start}
   * (the pre-trained network in the layout that trains: the head alone when frozen features are
   * cached), also when a run resumes from a later checkpoint.
   */
  public TechniquePlan bind(JavaSparkContext sc, Network start) {
    List<TrainingListener> all = new ArrayList<>();
    techniques.forEach(t -> all.addAll(t.workerListeners(sc, start)));
    return new TechniquePlan(techniques, training, all);
  }

  /** Listeners that run inside training on every worker, before sparktune's monitoring listener. */
  public List<TrainingListener> workerListeners() {
    return workerListeners;
  }

  /**
   * Copies of the parameters of the layers paused (rate 0) in the network now, by layer index, for
   * {@link #restorePaused} after the epoch.
   */
  public Map<Integer, INDArray> pausedParameters(Network net) {
    Map<Integer, INDArray> paused = new LinkedHashMap<>();
    for (int i : net.tunableLayerIndices()) {
      if (net.layerLearningRate(i) == 0) {
        paused.put(i, net.layers()[i].params().dup());
      }
    }
    return paused;
  }

  /**
   * Puts the paused layers' parameters back exactly. Their workers never changed them, but parameter
   * averaging divides a sum of N identical copies by N, which can round by one unit in the last place
   * when N is not a power of two; a paused layer must keep its pre-trained values bit for bit.
   *
   * @return the number of paused layers that averaging had changed
   */
  public int restorePaused(Network net, Map<Integer, INDArray> paused) {
    int changed = 0;
    for (Map.Entry<Integer, INDArray> e : paused.entrySet()) {
      INDArray now = net.layers()[e.getKey()].params();
      if (!now.equals(e.getValue())) {
        now.assign(e.getValue());
        changed++;
      }
    }
    return changed;
  }

  /**
   * Sets every tunable layer's learning rate for {@code epoch} (1-based) of {@code epochs} on the network.
   *
   * @return layer name to rate, top layer last (network order)
   */
  public Map<String, Double> applyRates(Network net, int epoch, int epochs) {
    double base = training.lrSchedule().at(epoch, epochs, training.learningRate());
    List<Integer> tunable = net.tunableLayerIndices();
    List<String> names = net.layerNames();
    Map<Integer, Double> rates = new LinkedHashMap<>();
    Map<String, Double> byName = new LinkedHashMap<>();
    for (int k = 0; k < tunable.size(); k++) {
      int index = tunable.get(k);
      TunableLayer layer = new TunableLayer(index, names.get(index), tunable.size() - 1 - k);
      double rate = base;
      for (FineTuneTechnique t : techniques) {
        rate *= t.rateFactor(layer, epoch, epochs);
      }
      rates.put(index, rate);
      byName.put(layer.name(), rate);
    }
    net.setLayerLearningRates(rates);
    return byName;
  }
}
