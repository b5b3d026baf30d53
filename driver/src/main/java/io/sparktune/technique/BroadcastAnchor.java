package io.sparktune.technique;

import io.sparktune.technique.AnchorPenalty.Anchor;
import io.sparktune.technique.AnchorPenalty.AnchorSource;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link AnchorPenalty}'s anchor as a Spark broadcast: sent once per executor, read by every task
 * there; {@link #release} frees it on the executors and the driver when training is over.
 */
record BroadcastAnchor(Broadcast<Anchor> broadcast) implements AnchorSource {

  /** @param importance per-parameter weights, or null for 1 everywhere */
  static BroadcastAnchor of(JavaSparkContext sc, INDArray anchor, float[] importance) {
    return new BroadcastAnchor(sc.broadcast(new Anchor(anchor.dup().castTo(DataType.FLOAT).toFloatVector(), importance)));
  }

  @Override
  public Anchor get() {
    return broadcast.value();
  }

  void release() {
    broadcast.destroy();
  }
}
