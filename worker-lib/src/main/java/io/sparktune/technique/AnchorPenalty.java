package io.sparktune.technique;

import io.sparktune.model.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A quadratic pull of the parameters toward an anchor {@code w0}, {@code c/2 sum_i F_i (w_i - w0_i)^2},
 * with {@code F_i = 1} or a per-parameter importance. Two techniques are this penalty:
 *
 * <ul>
 *   <li>L2-SP (Li, Grandvalet and Davoine 2018, "Explicit inductive bias for transfer learning with
 *       convolutional networks"): {@code alpha/2 ||w - w0||^2} pulls every pre-trained parameter toward its
 *       pre-trained value {@code w0} instead of toward zero, and {@code beta/2 ||w||^2} is plain L2 on new
 *       layers (the new head), whose starting values mean nothing.
 *   <li>EWC (Kirkpatrick et al. 2017, "Overcoming catastrophic forgetting in neural networks"):
 *       {@code lambda/2 sum_i F_i (w_i - w*_i)^2}, with {@code F} the diagonal Fisher information of the
 *       old task at the old weights {@code w*}: parameters the old task depends on are held, the others
 *       are free for the new task.
 * </ul>
 *
 * <p>It runs as a training listener on every worker: in {@code onGradientCalculation}, after the
 * backward pass and before DL4J divides the gradient by the minibatch size and runs the updater, it
 * adds {@code batchSize * coefficient * F * (w - w0)} to each penalised parameter's gradient, so the updater
 * sees the gradient of the mean loss plus the penalty's gradient. Keeping the anchor out of the layer
 * configurations keeps saved models plain DL4J models; the anchor travels once per executor through an
 * {@link AnchorSource} (a Spark broadcast on a cluster). Parameters DL4J does not divide by the
 * minibatch (batch-norm running statistics) and frozen layers are not penalised. The reported loss does
 * not include the penalty.
 */
public final class AnchorPenalty extends BaseTrainingListener implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The anchor: a parameter vector as flat as the network's parameters, and the per-parameter importance
   * {@code F} (null: 1 for every parameter).
   */
  public record Anchor(float[] values, float[] importance) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Where the anchor comes from on a worker (a Spark broadcast on a cluster). */
  public interface AnchorSource extends Serializable {
    Anchor get();
  }

  /** One contiguous run of the flat parameter vector with its coefficient. */
  public record Segment(long start, long length, double coefficient, boolean towardZero) implements Serializable {}

  private final AnchorSource anchor;
  private final List<Segment> segments;
  private transient INDArray anchorArray;
  private transient INDArray importanceArray;

  public AnchorPenalty(AnchorSource anchor, List<Segment> segments) {
    this.anchor = anchor;
    this.segments = List.copyOf(segments);
  }

  /**
   * The segments of {@code net}'s flat parameters that L2-SP penalises: parameters of layers that
   * train, {@code alpha} toward their current values for pre-trained layers, {@code beta} toward zero
   * for the layers named in {@code newLayers}.
   */
  public static List<Segment> segments(Network net, double alpha, double beta, java.util.Set<String> newLayers) {
    INDArray flat = net.params();
    List<Segment> out = new ArrayList<>();
    for (Layer l : net.layers()) {
      if (!net.tunable(l)) {
        continue;
      }
      BaseLayer conf = (BaseLayer) l.conf().getLayer();
      boolean isNew = newLayers.contains(conf.getLayerName());
      double c = isNew ? beta : alpha;
      if (c == 0) {
        continue;
      }
      for (var e : l.paramTable().entrySet()) {
        if (!l.updaterDivideByMinibatch(e.getKey()) || !Network.trainsParam(l, e.getKey())) {
          continue;
        }
        INDArray view = e.getValue();
        out.add(new Segment(view.offset() - flat.offset(), view.length(), c, isNew));
      }
    }
    return out;
  }

  @Override
  public void onGradientCalculation(Model model) {
    INDArray params = model.params();
    INDArray grad = gradients(model);
    INDArray w0 = anchorArray(params);
    double batch = model.batchSize();
    for (Segment s : segments) {
      INDArray p = range(params, s);
      double k = batch * s.coefficient();
      INDArray pull = s.towardZero() ? p.mul(k) : p.sub(range(w0, s)).muli(k);
      if (importanceArray != null) {
        pull.muli(range(importanceArray, s));
      }
      range(grad, s).addi(pull);
    }
  }

  /** The segment's view of a flat vector (rank 1, or DL4J's [1, n] row). */
  private static INDArray range(INDArray flat, Segment s) {
    var interval = NDArrayIndex.interval(s.start(), s.start() + s.length());
    return flat.rank() == 1 ? flat.get(interval) : flat.get(NDArrayIndex.point(0), interval);
  }

  private static INDArray gradients(Model model) {
    if (model instanceof MultiLayerNetwork m) {
      return m.getGradientsViewArray();
    }
    return ((ComputationGraph) model).getGradientsViewArray();
  }

  private synchronized INDArray anchorArray(INDArray params) {
    if (anchorArray == null) {
      Anchor a = anchor.get();
      for (float[] v : new float[][] {a.values(), a.importance()}) {
        if (v != null && v.length != params.length()) {
          throw new IllegalStateException("The penalty's anchor has " + v.length + " values but the network has "
              + params.length() + " parameters.");
        }
      }
      anchorArray = Nd4j.createFromArray(a.values()).castTo(params.dataType());
      importanceArray = a.importance() == null ? null : Nd4j.createFromArray(a.importance()).castTo(params.dataType());
    }
    return anchorArray;
  }
}
