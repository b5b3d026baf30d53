package io.sparktune.technique;

import io.sparktune.model.Network;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L2-SP (Li, Grandvalet and Davoine 2018): regularise toward the pre-trained weights, not toward zero.
 * The pre-trained parameters are broadcast once and {@link AnchorPenalty} adds the penalty's gradient on
 * every worker; new layers (the new head) get plain L2 with their own coefficient.
 */
public final class L2Sp implements FineTuneTechnique {
  private static final Logger log = LoggerFactory.getLogger(L2Sp.class);

  private final double alpha;
  private final double beta;
  private final Set<String> newLayers;
  private BroadcastAnchor anchor;

  /** @param newLayers names of the layers that did not come from the pre-trained model */
  public L2Sp(double alpha, double beta, Set<String> newLayers) {
    this.alpha = alpha;
    this.beta = beta;
    this.newLayers = Set.copyOf(newLayers);
  }

  @Override
  public String name() {
    return "l2-sp";
  }

  @Override
  public List<TrainingListener> workerListeners(JavaSparkContext sc, Network start) {
    List<AnchorPenalty.Segment> segments = AnchorPenalty.segments(start, alpha, beta, newLayers);
    long anchored = segments.stream().filter(s -> !s.towardZero()).mapToLong(AnchorPenalty.Segment::length).sum();
    long toZero = segments.stream().filter(AnchorPenalty.Segment::towardZero).mapToLong(AnchorPenalty.Segment::length).sum();
    log.info("L2-SP: {} pre-trained parameters pulled toward their pre-trained values (alpha {}), {} new-layer "
        + "parameters toward zero (beta {}).", anchored, alpha, toZero, beta);
    anchor = BroadcastAnchor.of(sc, start.params(), null);
    return List.of(new AnchorPenalty(anchor, segments));
  }

  @Override
  public void release() {
    if (anchor != null) {
      anchor.release();
    }
  }
}
