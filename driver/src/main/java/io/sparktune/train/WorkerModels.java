package io.sparktune.train;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the parameters that gradient-sharing workers hold after a fit.
 *
 * <p>DL4J's SharedTrainingMaster returns only updater state and score to the driver and relies on its
 * Aeron root receiving every update; across processes the driver's model was seen to receive none. The
 * workers' models are the truth (they apply each other's encoded updates), so after each epoch a
 * small Spark job reads them from each executor's SharedTrainingWrapper and the driver takes their mean.
 */
final class WorkerModels {
  private WorkerModels() {}

  /** The mean of the parameter vectors found on the executors, or null if none was found. */
  static INDArray meanParameters(JavaSparkContext sc, int workers) {
    int probes = Math.max(2, workers * 2);
    List<byte[]> found = sc.parallelize(IntStream.range(0, probes).boxed().toList(), probes)
        .mapPartitions(it -> {
          List<byte[]> out = new ArrayList<>();
          INDArray p = localParameters();
          if (p != null) {
            out.add(Nd4j.toByteArray(p));
          }
          return out.iterator();
        }).collect();
    if (found.isEmpty()) {
      return null;
    }
    INDArray sum = null;
    for (byte[] b : found) {
      INDArray p = Nd4j.fromByteArray(b);
      sum = sum == null ? p : sum.addi(p);
    }
    return sum.divi(found.size());
  }

  /** This JVM's gradient-sharing worker model parameters, if it trained one. */
  static INDArray localParameters() throws ReflectiveOperationException {
    Field instance = SharedTrainingWrapper.class.getDeclaredField("INSTANCE");
    instance.setAccessible(true);
    Object wrapper = instance.get(null);
    Field model = SharedTrainingWrapper.class.getDeclaredField("originalModel");
    model.setAccessible(true);
    Model m = wrapper == null ? null : (Model) model.get(wrapper);
    return m == null || m.params() == null ? null : m.params().dup();
  }
}
