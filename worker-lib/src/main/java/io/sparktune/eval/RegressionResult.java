package io.sparktune.eval;

import io.sparktune.data.TargetScale;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Regression metrics as a mergeable accumulator, in the target's own units: mean squared error, its
 * root, mean absolute error and R² (1 - SSE / SST, SST around the evaluated data's own mean). Sums of
 * doubles, so partitions merge to the single-process value up to summation order.
 */
public final class RegressionResult implements Serializable {
  private static final long serialVersionUID = 1L;

  private final TargetScale scale;
  private long n;
  private double sumSquaredError;
  private double sumAbsoluteError;
  private double sumY;
  private double sumYSquared;

  public RegressionResult(TargetScale scale) {
    this.scale = scale;
  }

  /** Adds a minibatch: standardised targets and predictions, both [n, 1]. */
  public void add(INDArray labels, INDArray predictions) {
    float[] y = labels.reshape(labels.length()).toFloatVector();
    float[] p = predictions.reshape(predictions.length()).toFloatVector();
    for (int i = 0; i < y.length; i++) {
      add(scale.unscale(y[i]), scale.unscale(p[i]));
    }
  }

  /** Adds one example in target units. */
  public void add(double y, double prediction) {
    double e = prediction - y;
    n++;
    sumSquaredError += e * e;
    sumAbsoluteError += Math.abs(e);
    sumY += y;
    sumYSquared += y * y;
  }

  public RegressionResult merge(RegressionResult o) {
    n += o.n;
    sumSquaredError += o.sumSquaredError;
    sumAbsoluteError += o.sumAbsoluteError;
    sumY += o.sumY;
    sumYSquared += o.sumYSquared;
    return this;
  }

  public long examples() {
    return n;
  }

  public double mse() {
    return sumSquaredError / n;
  }

  public double mae() {
    return sumAbsoluteError / n;
  }

  public double r2() {
    double sst = sumYSquared - sumY * sumY / n;
    return sst > 0 ? 1 - sumSquaredError / sst : Double.NaN;
  }

  /** The map written to metrics.json. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("examples", n);
    m.put("r2", r2());
    m.put("mse", mse());
    m.put("rmse", Math.sqrt(mse()));
    m.put("mae", mae());
    return m;
  }
}
