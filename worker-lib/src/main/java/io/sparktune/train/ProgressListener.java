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
 *
 * <p>DL4J's gradient sharing keeps one training wrapper per executor JVM across fit() calls, and with it
 * the listener of the first task, whose accumulators belong to a task that has ended. So every
 * deserialised listener makes itself the JVM's current one, and all instances report into the current
 * one's accumulators, which belong to the running task.
 */
public final class ProgressListener extends BaseTrainingListener implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final LongAccumulator examples;
  private final LongAccumulator minibatches;
  private final DoubleAccumulator lossSum;

  private static volatile ProgressListener current;

  public ProgressListener(LongAccumulator examples, LongAccumulator minibatches, DoubleAccumulator lossSum) {
    this.examples = examples;
    this.minibatches = minibatches;
    this.lossSum = lossSum;
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    current = this;
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    ProgressListener sink = current != null ? current : this;
    sink.examples.add(model.batchSize());
    sink.minibatches.add(1);
    double score = model.score();
    if (Double.isFinite(score)) {
      sink.lossSum.add(score);
    }
  }
}
