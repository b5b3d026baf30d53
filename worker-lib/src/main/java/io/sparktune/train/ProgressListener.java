package io.sparktune.train;

import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Runs inside the DL4J training loop on every executor and counts finished minibatches, examples
 * and loss into Spark accumulators. The driver reads them from executor heartbeats and task ends
 * (see the driver's TrainingMonitor), which gives progress lines during long tasks and lets a stalled
 * run be detected.
 */
public final class ProgressListener extends BaseTrainingListener implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final LongAccumulator examples;
  private final LongAccumulator minibatches;
  private final DoubleAccumulator lossSum;

  public ProgressListener(LongAccumulator examples, LongAccumulator minibatches, DoubleAccumulator lossSum) {
    this.examples = examples;
    this.minibatches = minibatches;
    this.lossSum = lossSum;
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    examples.add(model.batchSize());
    minibatches.add(1);
    double score = model.score();
    if (Double.isFinite(score)) {
      lossSum.add(score);
    }
  }
}
