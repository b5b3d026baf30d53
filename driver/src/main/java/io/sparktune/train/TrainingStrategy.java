package io.sparktune.train;

import io.sparktune.model.Network;
import java.util.Collection;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;

/**
 * How one epoch of data-parallel training is carried out on the executors.
 *
 * <p>This seam exists because DL4J's training masters are parts to wrap and verify, not to trust: the
 * fine-tune job only sees this interface, so a strategy can be replaced by our own implementation
 * without touching the job. Implementations: {@link HubStrategy} (sparktune's own parameter averaging and
 * gradient sharing, long-lived tasks), {@link Dl4jParameterAveragingStrategy} and {@link Dl4jGradientSharingStrategy} (DL4J's training masters,
 * wrapped and repaired) and {@link SingleNodeStrategy}.
 */
public interface TrainingStrategy extends AutoCloseable {

  /** The config name of the strategy, e.g. "parameter-averaging". */
  String name();

  /** Trains one pass over {@code batches}; the network afterwards holds the new parameters and updater state. */
  void fitEpoch(JavaRDD<DataSet> batches);

  /** The network being trained (parameters and updater state as of the last finished epoch). */
  Network network();

  /**
   * True when executors keep one training worker (and its listeners) across tasks, as DL4J's gradient
   * sharing does; listeners must then report into the running task's accumulators (see ProgressListener).
   */
  default boolean keepsWorkersAcrossTasks() {
    return false;
  }

  /**
   * Where the last epoch's time went and what it sent, as this strategy can measure it (seconds, bytes);
   * empty when it cannot.
   */
  default java.util.Map<String, Object> epochBreakdown() {
    return java.util.Map.of();
  }

  /** Listeners that run inside the training loop on every executor. */
  void setListeners(Collection<TrainingListener> listeners);

  @Override
  default void close() {}
}
