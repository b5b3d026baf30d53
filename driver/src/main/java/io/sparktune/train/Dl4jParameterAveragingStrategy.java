package io.sparktune.train;

import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * Synchronous parameter averaging (DL4J's ParameterAveragingTrainingMaster): each worker fits
 * {@code averaging-frequency} minibatches from the current parameters, then parameters (and, when
 * configured, updater state) are averaged on the driver and broadcast again.
 *
 * <p>Data is passed directly as an RDD of minibatches (RDDTrainingApproach.Direct): the Export approach
 * needs a shared file system on a real cluster and was seen to hang with gradient sharing.
 */
public final class Dl4jParameterAveragingStrategy extends Dl4jMasterStrategy {

  public Dl4jParameterAveragingStrategy(JavaSparkContext sc, Network net, TrainingSettings t, int workers, long seed) {
    super(sc, net, master(t, workers, seed));
  }

  private static ParameterAveragingTrainingMaster master(TrainingSettings t, int workers, long seed) {
    return new ParameterAveragingTrainingMaster.Builder(workers, t.batchSizePerWorker())
        .batchSizePerWorker(t.batchSizePerWorker())
        .averagingFrequency(t.averagingFrequency())
        // DL4J can average the updater state or reset it every round (saveUpdater false); it has no per-worker
        // updater state, so training.parameter-averaging.average-updater-state applies to sparktune's only
        .saveUpdater(true)
        .workerPrefetchNumBatches(t.averagingPrefetch())
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .collectTrainingStats(false)
        .rngSeed(seed)
        .build();
  }

  @Override
  public String name() {
    return "parameter-averaging";
  }
}
