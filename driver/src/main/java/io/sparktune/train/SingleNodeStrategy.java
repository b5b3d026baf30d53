package io.sparktune.train;

import io.sparktune.model.Network;
import java.util.Collection;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trains on the driver in one process: the epoch's minibatches are still read, shuffled and assembled on
 * the executors and stream to the driver one partition at a time. For work where Spark's per-round costs
 * exceed the arithmetic, such as a small head on cached frozen features, and as the in-cluster reference
 * for the distributed strategies. Each step is one minibatch of training.batch-size-per-worker examples.
 */
final class SingleNodeStrategy implements TrainingStrategy {
  private final Network net;

  SingleNodeStrategy(Network net) {
    this.net = net;
  }

  @Override
  public String name() {
    return "single-node";
  }

  @Override
  public void fitEpoch(JavaRDD<DataSet> batches) {
    for (Iterator<DataSet> it = batches.toLocalIterator(); it.hasNext(); ) {
      net.fit(it.next());
    }
  }

  @Override
  public Network network() {
    return net;
  }

  @Override
  public void setListeners(Collection<TrainingListener> listeners) {
    net.model().setListeners(listeners);
  }
}
