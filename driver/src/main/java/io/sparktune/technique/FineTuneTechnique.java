package io.sparktune.technique;

import io.sparktune.model.Network;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.optimize.api.TrainingListener;

/**
 * One fine-tuning technique, applied to the adapted network through the single training path.
 *
 * <p>A technique acts at up to five points, each a no-op by default: it changes the network once
 * before training ({@link #adapt}), it scales each layer's learning rate per epoch
 * ({@link #rateFactor}, which the driver sets on the network before each epoch, so the rates reach the
 * workers with the network), it runs listeners inside the training loop on every worker
 * ({@link #workerListeners}), it changes the training examples on the executors
 * ({@link #resampling}, {@link #trainingTransform}, {@link #mixup}), and it changes the training set
 * ({@link #trainingData}). Implementations: {@link DiscriminativeLearningRates},
 * {@link ProgressiveUnfreezing}, {@link WeightRegularization}, {@link L2Sp},
 * {@link ParameterEfficientTuning} (LoRA, adapters), {@link DataAugmentation}, {@link ClassWeights},
 * {@link Resampling}, {@link ElasticWeightConsolidation}, {@link ExperienceReplay}.
 */
public interface FineTuneTechnique {

  /** A layer whose learning rate techniques may set; depth 0 is the top one (normally the head). */
  record TunableLayer(int index, String name, int depth) {}

  /** The technique's name in logs and results. */
  String name();

  /**
   * Changes the adapted network before training (and before baselines are measured): its structure
   * (LoRA layers) or its layer configurations (regularisation). Deterministic, so a resumed run rebuilds
   * the same network; training then continues from the checkpoint, which carries the change.
   *
   * @return the network to train (the same one, or a new one)
   */
  default Network adapt(Network net) {
    return net;
  }

  /** Factor on the learning rate of {@code layer} in {@code epoch} (1-based): 1 leaves it, 0 pauses it. */
  default double rateFactor(TunableLayer layer, int epoch, int epochs) {
    return 1;
  }

  /** True when {@link #rateFactor} changes from one epoch to the next. */
  default boolean variesByEpoch() {
    return false;
  }

  /** True when {@link #rateFactor} is not 1 for some layer, so the driver must set per-layer rates. */
  default boolean setsLayerRates() {
    return variesByEpoch();
  }

  /**
   * A random change of every training example on the executors (data augmentation), or null for none.
   * Validation examples are never changed.
   */
  default io.sparktune.data.ExampleTransform trainingTransform() {
    return null;
  }

  /** Class re-sampling of every epoch's training examples on the executors, or null for none. */
  default io.sparktune.data.ClassResampling resampling() {
    return null;
  }

  /** Mixup of every training minibatch on the executors, or null for none. */
  default io.sparktune.data.Mixup mixup() {
    return null;
  }

  /** The training set to train on instead of {@code data}'s (replay adds old examples); validation stays. */
  default io.sparktune.data.PreparedData trainingData(io.sparktune.data.PreparedData data) {
    return data;
  }

  /**
   * False when the technique needs the full network on the raw examples each epoch, so frozen-feature
   * caching must be off (augmentation changes the trunk's input; EWC penalises the whole network).
   */
  default boolean worksOnCachedFeatures() {
    return trainingTransform() == null && mixup() == null;
  }

  /** Frees what {@link #workerListeners} or the technique's set-up holds on the cluster (broadcasts, caches). */
  default void release() {
  }

  /**
   * Listeners to run inside training on every worker.
   *
   * @param start the network as training first starts, before any update (its parameters are the
   *     pre-trained ones; the same on a resumed run)
   */
  default List<TrainingListener> workerListeners(JavaSparkContext sc, Network start) {
    return List.of();
  }
}
