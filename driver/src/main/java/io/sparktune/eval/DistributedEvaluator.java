package io.sparktune.eval;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.model.Network;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Evaluates a network on a distributed data set: each partition rebuilds the network from a broadcast
 * copy, evaluates its own examples, and the partial {@link ClassificationResult}s (exact) are merged on
 * the driver, so the result equals single-process evaluation of the same examples.
 */
public final class DistributedEvaluator {
  private DistributedEvaluator() {}

  public static ClassificationResult evaluate(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, List<String> classes, int topK) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    net.save(bytes, false, null);
    Broadcast<byte[]> model = sc.broadcast(bytes.toByteArray());
    List<String> cls = List.copyOf(classes);
    try {
      return records.mapPartitions(part -> {
        ClassificationResult e = part.hasNext()
            ? ClassificationEvaluator.evaluate(Network.restore(model.value(), false), assembler.batches(part), cls, topK)
            : new ClassificationResult(cls, topK);
        return List.of(e).iterator();
      }).reduce((a, b) -> {
        a.merge(b);
        return a;
      });
    } finally {
      model.destroy();
    }
  }
}
