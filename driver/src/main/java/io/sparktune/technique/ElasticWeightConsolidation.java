package io.sparktune.technique;

import io.sparktune.data.BatchAssembler;
import io.sparktune.data.Record;
import io.sparktune.data.Splits;
import io.sparktune.eval.DistributedEvaluator;
import io.sparktune.model.Network;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017): before training, a distributed Spark pass over
 * a sample of the old task computes the diagonal Fisher information at the pre-trained weights
 * ({@link FisherInformation}, partial sums per partition merged on the driver); the weights and the
 * Fisher are broadcast once, and {@link AnchorPenalty} adds {@code lambda F (w - w*)} to every worker's
 * gradient. The old task then keeps the parameters it depends on.
 */
final class ElasticWeightConsolidation implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(ElasticWeightConsolidation.class);

  private final double lambda;
  private final JavaRDD<Record> sample;
  private final BatchAssembler assembler;
  private final long seed;
  private BroadcastAnchor anchor;

  /**
   * @param sample the old examples the Fisher is averaged over
   * @param assembler turns them into minibatches the network takes
   */
  ElasticWeightConsolidation(double lambda, JavaRDD<Record> sample, BatchAssembler assembler, long seed) {
    this.lambda = lambda;
    this.sample = sample;
    this.assembler = assembler;
    this.seed = seed;
  }

  @Override
  public String name() {
    return "ewc";
  }

  @Override
  public boolean worksOnCachedFeatures() {
    return false;
  }

  @Override
  public List<TrainingListener> workerListeners(JavaSparkContext sc, Network start) {
    long t0 = System.nanoTime();
    if (FisherInformation.hasBatchNormalization(start)) {
      log.warn("EWC: the network has batch normalisation; its Fisher information is estimated one example at a time, "
          + "so batch statistics are those of single examples.");
    }
    float[] fisher = fisher(sc, start, sample, assembler, seed);
    List<AnchorPenalty.Segment> segments = AnchorPenalty.segments(start, lambda, 0, Set.of());
    double total = 0;
    double max = 0;
    long n = 0;
    for (AnchorPenalty.Segment s : segments) {
      for (long i = s.start(); i < s.start() + s.length(); i++) {
        total += fisher[(int) i];
        max = Math.max(max, fisher[(int) i]);
        n++;
      }
    }
    log.info("EWC: Fisher information of the old task over {} parameters in {} s: mean {}, max {}; lambda {}.", n,
        String.format("%.1f", (System.nanoTime() - t0) / 1e9), String.format("%.3g", total / Math.max(1, n)),
        String.format("%.3g", max), lambda);
    anchor = BroadcastAnchor.of(sc, start.params(), fisher);
    return List.of(new AnchorPenalty(anchor, segments));
  }

  /** The old task's diagonal Fisher information of {@code net}, one partial sum per partition. */
  static float[] fisher(JavaSparkContext sc, Network net, JavaRDD<Record> records, BatchAssembler assembler, long seed) {
    Broadcast<byte[]> model = DistributedEvaluator.broadcast(sc, net);
    long parameters = net.numParams();
    long fisherSeed = Splits.mix(seed ^ 0xF15_4E2L);
    try {
      FisherInformation f = records.mapPartitionsWithIndex((partition, part) -> {
        FisherInformation partial = part.hasNext()
            ? FisherInformation.accumulate(Network.restore(model.value(), false), assembler.batches(part),
                new java.util.SplittableRandom(Splits.mix(fisherSeed + partition)))
            : new FisherInformation(parameters);
        return List.of(partial).iterator();
      }, false).reduce(FisherInformation::merge);
      return f.mean();
    } finally {
      model.destroy();
    }
  }

  @Override
  public void release() {
    if (anchor != null) {
      anchor.release();
    }
    sample.unpersist();
  }
}
