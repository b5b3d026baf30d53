package io.sparktune.data;

import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Profiles a data set on the executors ({@link DataProfile}): a reference profile of the data a model
 * was trained on, with edges from that data, or a profile of new data on a reference's edges. The
 * embedding is the model's penultimate layer on the normalised minibatches (MultiLayerNetworks only).
 */
public final class DataProfiler {
  private DataProfiler() {}

  /** The reference profile of {@code records}: histogram edges from their own minimum and maximum. */
  public static DataProfile reference(JavaSparkContext sc, JavaRDD<Record> records, FeatureLayout layout,
      int classes, Network net, BatchAssembler assembler) {
    DataProfile empty;
    if (layout.sequence()) {
      empty = DataProfile.tokens(layout.width(), classes);
    } else {
      FeatureStatistics stats = records.aggregate(new FeatureStatistics(), FeatureStatistics::add,
          FeatureStatistics::merge);
      empty = DataProfile.features(toDouble(stats.min()), toDouble(stats.max()), classes);
    }
    return fill(sc, records, empty, net, assembler);
  }

  /** A profile of {@code records} on the edges of {@code reference}, to compare with it. */
  public static DataProfile like(JavaSparkContext sc, DataProfile reference, JavaRDD<Record> records, Network net,
      BatchAssembler assembler) {
    return fill(sc, records, reference.emptyLike(), net, assembler);
  }

  private static DataProfile fill(JavaSparkContext sc, JavaRDD<Record> records, DataProfile empty, Network net,
      BatchAssembler assembler) {
    boolean embed = !net.isGraph() && net.layers().length >= 2;
    Broadcast<byte[]> model = embed ? DistributedEvaluator.broadcast(sc, net) : null;
    try {
      return records.mapPartitions((Iterator<Record> part) -> {
        DataProfile p = empty.emptyLike();
        MultiLayerNetwork m = model == null || !part.hasNext() ? null : Network.restore(model.value(), false).multiLayer();
        for (Iterator<List<Record>> it = assembler.chunks(part); it.hasNext(); ) {
          List<Record> chunk = it.next();
          chunk.forEach(p::add);
          if (m != null) {
            p.addEmbeddings(penultimate(m, assembler.assemble(chunk)));
          }
        }
        List<DataProfile> one = new ArrayList<>(1);
        one.add(p);
        return one.iterator();
      }).reduce(DataProfile::merge);
    } finally {
      if (model != null) {
        model.destroy();
      }
    }
  }

  /** The input of the output layer, one row per example (masked for token sequences). */
  private static float[][] penultimate(MultiLayerNetwork m, org.nd4j.linalg.dataset.DataSet batch) {
    m.setMask(batch.getFeaturesMaskArray());
    try {
      List<INDArray> a = m.feedForwardToLayer(m.getnLayers() - 2, batch.getFeatures(), false);
      INDArray last = a.get(a.size() - 1);
      return last.reshape(last.size(0), -1).toFloatMatrix();
    } finally {
      m.setMask(null);
    }
  }

  private static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }
}
