package io.sparktune.train;

import io.sparktune.model.Network;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The part of a network's state that data-parallel workers average: the parameters that can change in
 * training and, optionally, the updater state (Adam's moments), as one float vector.
 *
 * <p>Parameters that never change are left out, which is what makes averaging cheap in fine-tuning: the
 * layers of a frozen trunk (DL4J frozen wrappers) and parameters a layer keeps fixed with the no-op
 * updater (the pre-trained weights inside a LoRA layer). Batch normalisation's running mean and variance
 * also have the no-op updater but do change (DL4J writes them in the forward pass), so they are kept.
 * Paused layers (learning rate 0) are kept: averaging equal values returns them exactly.
 */
public final class ExchangedState {
  private final List<INDArray> views;
  private final long length;
  private final long parameterLength;

  private ExchangedState(List<INDArray> views, long parameterLength) {
    this.views = views;
    this.parameterLength = parameterLength;
    long n = 0;
    for (INDArray v : views) {
      n += v.length();
    }
    this.length = n;
  }

  /** The state of {@code net} to exchange: its changing parameters, then its updater state when {@code withUpdater}. */
  public static ExchangedState of(Network net, boolean withUpdater) {
    List<INDArray> views = new ArrayList<>();
    long params = 0;
    for (Layer l : net.layers()) {
      if (!net.tunable(l)) {
        continue;
      }
      boolean batchNorm = l.conf().getLayer() instanceof BatchNormalization;
      for (var p : l.paramTable().entrySet()) {
        if (batchNorm || Network.trainsParam(l, p.getKey())) {
          views.add(p.getValue());
          params += p.getValue().length();
        }
      }
    }
    INDArray updater = withUpdater ? net.updaterState() : null;
    if (updater != null) {
      views.add(updater);
    }
    return new ExchangedState(views, params);
  }

  /**
   * Where each parameter view lies in {@code flat}, the network's flattened parameter vector (the layout of
   * its flattened gradient too): the views' starts and lengths, in the order of {@link #gather}. Fails when a
   * view is not a contiguous slice of {@code flat}.
   */
  public int[][] parameterSegments(INDArray flat) {
    int params = 0;
    for (long n = 0; n < parameterLength; params++) {
      n += views.get(params).length();
    }
    int[][] segments = {new int[params], new int[params]};
    for (int k = 0; k < params; k++) {
      INDArray v = views.get(k);
      boolean slice = v.data().originalDataBuffer() == flat.data() || v.data() == flat.data();
      if (!slice || v.elementWiseStride() != 1 || !v.isView()) {
        throw new IllegalStateException("A parameter of the network is not a slice of its flattened parameters; "
            + "compressed gradient sharing cannot address it.");
      }
      segments[0][k] = Math.toIntExact(v.offset() - flat.offset());
      segments[1][k] = Math.toIntExact(v.length());
    }
    return segments;
  }

  /** Values in the vector. */
  public int length() {
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("The network's trainable state (" + length + " values) is too large to "
          + "average in one vector.");
    }
    return (int) length;
  }

  /** Values that are parameters (the rest is updater state). */
  public long parameterLength() {
    return parameterLength;
  }

  /** Copies the state into {@code into} (of {@link #length()} values) and returns it. */
  public float[] gather(float[] into) {
    int at = 0;
    for (INDArray v : views) {
      float[] part = v.reshape(v.ordering(), new long[] {v.length()}).toFloatVector();
      System.arraycopy(part, 0, into, at, part.length);
      at += part.length;
    }
    return into;
  }

  /** Writes {@code values} (as {@link #gather} lays them out) back into the network. */
  public void scatter(float[] values) {
    int at = 0;
    for (INDArray v : views) {
      int n = (int) v.length();
      float[] part = java.util.Arrays.copyOfRange(values, at, at + n);
      v.assign(Nd4j.createFromArray(part).reshape(v.ordering(), v.shape()).castTo(v.dataType()));
      at += n;
    }
  }
}
