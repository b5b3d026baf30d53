package io.sparktune.data;

import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import scala.Tuple2;

/**
 * The training and validation examples of a run, cached on the executors, with everything needed to
 * turn them into minibatches: classes, the layout the model wants, the data's own image dimensions
 * {c, h, w} (null when the examples are not images), the fitted normaliser, and for regression the
 * target's standardisation (null for classification).
 */
public record PreparedData(JavaRDD<Record> train, JavaRDD<Record> validation, long trainCount,
    long validationCount, List<String> classes, FeatureLayout layout, int[] imageDims, DataNormalization normalizer,
    TargetScale targetScale,
    String fingerprint) {

  public boolean regression() {
    return targetScale != null;
  }

  public BatchAssembler assembler(int batchSize) {
    return new BatchAssembler(batchSize, classes.size(), layout, normalizer, targetScale);
  }

  /**
   * One epoch of training minibatches: examples shuffled by a seeded key (the same for a given seed and
   * epoch, whatever the partitioning or a resume), spread over {@code workers} partitions.
   */
  public JavaRDD<DataSet> trainingBatches(long seed, int epoch, int workers, int batchSize) {
    return trainingBatches(seed, epoch, workers, batchSize, EpochSampling.PLAIN);
  }

  /**
   * The same, drawn and changed by {@code sampling} on the executors: class re-sampling (each example used
   * a random number of times, each use its own shuffle key), augmentation of every drawn example, each with
   * its own generator seeded by the seed, the epoch, the example's origin and the copy, and mixup of every
   * minibatch, seeded by the epoch, the partition and the batch.
   */
  public JavaRDD<DataSet> trainingBatches(long seed, int epoch, int workers, int batchSize, EpochSampling sampling) {
    long epochSeed = Splits.mix(seed + 0x9E3779B97F4A7C15L * (epoch + 1));
    BatchAssembler assembler = assembler(batchSize);
    ClassResampling resampling = sampling.resampling();
    JavaPairRDD<Long, Record> keyed;
    if (resampling == null) {
      keyed = train.mapToPair(r -> new Tuple2<>(Splits.hash(epochSeed, r.origin()), r));
    } else {
      long drawSeed = Splits.mix(epochSeed ^ 0x5A3_9D1L);
      keyed = train.flatMapToPair(r -> {
        int n = resampling.copies(r.label(), new java.util.SplittableRandom(Splits.hash(drawSeed, r.origin())));
        List<Tuple2<Long, Record>> copies = new java.util.ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          copies.add(new Tuple2<>(Splits.hash(epochSeed, k == 0 ? r.origin() : r.origin() + "/" + k), r));
        }
        return copies.iterator();
      });
    }
    JavaPairRDD<Long, Record> shuffled = keyed.repartitionAndSortWithinPartitions(new HashPartitioner(workers));
    ExampleTransform transform = sampling.transform();
    JavaRDD<Record> examples;
    if (transform == null) {
      examples = shuffled.values();
    } else {
      long augmentSeed = Splits.mix(epochSeed ^ 0xA06_3E47L);
      examples = shuffled.map(t -> transform.apply(t._2(), new java.util.SplittableRandom(Splits.mix(augmentSeed ^ t._1()))));
    }
    JavaRDD<DataSet> batches = examples.mapPartitions(assembler::batches);
    Mixup mixup = sampling.mixup();
    if (mixup == null) {
      return batches;
    }
    long mixSeed = Splits.mix(epochSeed ^ 0x313_0F1L);
    return batches.mapPartitionsWithIndex((partition, it) -> {
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(Splits.mix(mixSeed + partition));
      List<DataSet> out = new java.util.ArrayList<>();
      it.forEachRemaining(b -> out.add(mixup.apply(b, rnd.split())));
      return out.iterator();
    }, true);
  }

  /** Minibatches for evaluation, in the data's own order. */
  public static JavaRDD<DataSet> evaluationBatches(JavaRDD<Record> records, BatchAssembler assembler) {
    return records.mapPartitions(assembler::batches);
  }
}
