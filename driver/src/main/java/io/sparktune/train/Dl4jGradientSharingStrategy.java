package io.sparktune.train;

import io.sparktune.config.TrainingSettings;
import io.sparktune.model.Network;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * Asynchronous gradient sharing (DL4J's SharedTrainingMaster, Strom 2015): workers exchange
 * threshold-encoded sparse updates over Aeron after every minibatch instead of averaging dense
 * parameters.
 *
 * <p>Aeron needs {@code -Daeron.publication.unblock.timeout=60000000000} on every JVM (set by
 * bin/sparktune and the deploy scripts). The DataSet RDD is used directly (Export was seen to hang) and
 * must not be persisted beforehand.
 *
 * <p>Two repairs over the plain master: each executor gets its own Aeron port ({@link ExecutorPortSupplier}),
 * and after each epoch the driver takes the mean of the workers' trained parameters ({@link WorkerModels}),
 * because the master itself never copies them back and its driver-side model was seen not to learn
 * across processes.
 */
public final class Dl4jGradientSharingStrategy extends Dl4jMasterStrategy {

  public Dl4jGradientSharingStrategy(JavaSparkContext sc, Network net, TrainingSettings t, int workers, long seed) {
    super(sc, net, master(sc, t, workers, seed));
    this.sc = sc;
    this.workers = workers;
  }

  private final JavaSparkContext sc;
  private final int workers;

  @Override
  public void fitEpoch(org.apache.spark.api.java.JavaRDD<org.nd4j.linalg.dataset.DataSet> batches) {
    super.fitEpoch(batches);
    org.nd4j.linalg.api.ndarray.INDArray trained = WorkerModels.meanParameters(sc, workers);
    if (trained != null && trained.length() == network().numParams()) {
      network().model().setParams(trained);
    }
  }

  private static SharedTrainingMaster master(JavaSparkContext sc, TrainingSettings t, int workers, long seed) {
    String controller = t.controllerAddress();
    if (controller.isBlank()) {
      controller = sc.isLocal() ? "127.0.0.1" : sc.getConf().get("spark.driver.host", "127.0.0.1");
    }
    VoidConfiguration.VoidConfigurationBuilder voidConf = VoidConfiguration.builder()
        .unicastPort(t.port())
        .controllerAddress(controller)
        .portSupplier(new ExecutorPortSupplier(t.port()));
    if (!t.networkMask().isBlank()) {
      voidConf.networkMask(t.networkMask());
    }
    return new SharedTrainingMaster.Builder(voidConf.build(), workers,
            new AdaptiveThresholdAlgorithm(t.threshold()), t.batchSizePerWorker())
        .batchSizePerWorker(t.batchSizePerWorker())
        .workersPerNode(1)
        .workerPrefetchNumBatches(t.sharingPrefetch())
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .collectTrainingStats(false)
        .rngSeed(seed)
        .build();
  }

  @Override
  public String name() {
    return "gradient-sharing";
  }

  @Override
  public boolean keepsWorkersAcrossTasks() {
    return true;
  }
}
