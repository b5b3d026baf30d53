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
 * Evaluates networks on a distributed data set: each partition rebuilds the networks from broadcast
 * copies, scores its own examples into an exactly mergeable accumulator, and the partial results are
 * merged on the driver, so the result equals single-process evaluation of the same examples.
 */
public final class DistributedEvaluator {
  private DistributedEvaluator() {}

  public static ClassificationResult evaluate(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, List<String> classes, int topK) {
    Broadcast<byte[]> model = broadcast(sc, net);
    List<String> cls = List.copyOf(classes);
    try {
      return records.mapPartitions(part -> {
        ClassificationResult e = part.hasNext()
            ? ClassificationEvaluator.evaluate(Network.restore(model.value(), false), assembler.batches(part), cls, topK)
            : new ClassificationResult(cls, topK);
        return List.of(e).iterator();
      }).reduce(ClassificationResult::merge);
    } finally {
      model.destroy();
    }
  }

  /** Regression metrics of a network on the records, in the target's units (see {@link RegressionResult}). */
  public static RegressionResult evaluateRegression(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler) {
    Broadcast<byte[]> model = broadcast(sc, net);
    try {
      return records.mapPartitions(part -> {
        RegressionResult r = new RegressionResult(assembler.targetScale());
        if (part.hasNext()) {
          Network n = Network.restore(model.value(), false);
          for (java.util.Iterator<org.nd4j.linalg.dataset.DataSet> it = assembler.batches(part); it.hasNext(); ) {
            org.nd4j.linalg.dataset.DataSet ds = it.next();
            r.add(ds.getLabels(), n.output(ds));
          }
        }
        return List.of(r).iterator();
      }).reduce(RegressionResult::merge);
    } finally {
      model.destroy();
    }
  }

  /** Scores models A and B on the same records (see {@link PairedComparison}). */
  public static PairedComparison compare(JavaSparkContext sc, Network a, BatchAssembler assemblerA, Network b,
      BatchAssembler assemblerB, JavaRDD<Record> records, List<String> classes, int topK, int replicates,
      long seed) {
    Broadcast<byte[]> modelA = broadcast(sc, a);
    Broadcast<byte[]> modelB = broadcast(sc, b);
    List<String> cls = List.copyOf(classes);
    try {
      return records.mapPartitions(part -> {
        PairedComparison c = new PairedComparison(cls, topK, replicates, seed);
        if (part.hasNext()) {
          PairedEvaluator.compare(Network.restore(modelA.value(), false), assemblerA,
              Network.restore(modelB.value(), false), assemblerB, part, c);
        }
        return List.of(c).iterator();
      }).reduce(PairedComparison::merge);
    } finally {
      modelA.destroy();
      modelB.destroy();
    }
  }

  /** The worst-predicted examples and per-slice results of a network on the records (see {@link ErrorAnalysis}). */
  public static ErrorAnalysis analyseErrors(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, List<String> classes, int topK, int keepWorst) {
    Broadcast<byte[]> model = broadcast(sc, net);
    List<String> cls = List.copyOf(classes);
    try {
      return records.mapPartitions(part -> {
        ErrorAnalysis e = new ErrorAnalysis(cls, topK, keepWorst);
        if (part.hasNext()) {
          Network n = Network.restore(model.value(), false);
          for (java.util.Iterator<List<Record>> it = assembler.chunks(part); it.hasNext(); ) {
            List<Record> chunk = it.next();
            org.nd4j.linalg.dataset.DataSet ds = assembler.assemble(chunk);
            e.add(chunk, n.output(ds), ds.getLabels());
          }
        }
        return List.of(e).iterator();
      }).reduce(ErrorAnalysis::merge);
    } finally {
      model.destroy();
    }
  }

  /** Permutation importance of every feature on at most {@code maxExamples} of the records. */
  public static PermutationImportance permutationImportance(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, int features, int repeats, int maxExamples, long seed) {
    Broadcast<byte[]> model = broadcast(sc, net);
    try {
      return first(records, maxExamples).mapPartitions(part -> {
        List<Record> rs = new java.util.ArrayList<>();
        part.forEachRemaining(rs::add);
        PermutationImportance p = new PermutationImportance(features, repeats);
        if (!rs.isEmpty()) {
          p.add(Network.restore(model.value(), false), assembler, rs, seed);
        }
        return List.of(p).iterator();
      }).reduce(PermutationImportance::merge);
    } finally {
      model.destroy();
    }
  }

  /** Per-class occlusion maps over at most {@code maxExamples} of the image records. */
  public static OcclusionMaps occlusionMaps(JavaSparkContext sc, Network net, JavaRDD<Record> records,
      BatchAssembler assembler, int classes, int[] chw, int patch, int maxExamples) {
    Broadcast<byte[]> model = broadcast(sc, net);
    try {
      return first(records, maxExamples).mapPartitions(part -> {
        OcclusionMaps m = new OcclusionMaps(classes, chw, patch);
        if (part.hasNext()) {
          Network n = Network.restore(model.value(), false);
          part.forEachRemaining(r -> m.add(n, assembler, r));
        }
        return List.of(m).iterator();
      }).reduce(OcclusionMaps::merge);
    } finally {
      model.destroy();
    }
  }

  /** The first {@code max} records in the data's order (deterministic), keeping the partitioning. */
  private static JavaRDD<Record> first(JavaRDD<Record> records, int max) {
    long limit = max;
    return records.zipWithIndex().filter(t -> t._2() < limit).keys();
  }

  /** The network (without updater state) as a broadcast model zip; {@link Network#restore} rebuilds it. */
  public static Broadcast<byte[]> broadcast(JavaSparkContext sc, Network net) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
    net.save(bytes, false, null);
    return sc.broadcast(bytes.toByteArray());
  }
}
