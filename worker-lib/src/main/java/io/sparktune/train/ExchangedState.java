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
  private final List<Integer> blockSizes;
  private final long length;
  private final long parameterLength;

  private ExchangedState(List<INDArray> views, List<Integer> blockSizes, long parameterLength) {
    this.views = views;
    this.blockSizes = blockSizes;
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
    List<Integer> blockSizes = new ArrayList<>();
    long params = 0;
    for (Layer l : net.layers()) {
      if (!net.changesInTraining(l)) {
        continue;
      }
      boolean batchNorm = l.conf().getLayer() instanceof BatchNormalization;
      for (var p : l.paramTable().entrySet()) {
        if (batchNorm || Network.trainsParam(l, p.getKey())) {
          views.add(p.getValue());
          blockSizes.add(batchNorm && RUNNING_STATISTICS.contains(p.getKey()) ? 1 : OneBitEncoder.BLOCK);
          params += p.getValue().length();
        }
      }
    }
    INDArray updater = withUpdater ? net.updaterState() : null;
    if (updater != null) {
      views.add(updater);
    }
    return new ExchangedState(views, blockSizes, params);
  }

  /** Batch normalisation's running mean, variance and log standard deviation (DL4J's parameter keys). */
  private static final java.util.Set<String> RUNNING_STATISTICS = java.util.Set.of("mean", "var", "log10stdev");

  /**
   * Where the changing parameters lie in the network's flattened parameter vector (the layout of its
   * flattened gradient too), and how one-bit gradient sharing groups each: in blocks of
   * {@link OneBitEncoder#BLOCK} values with one scale each, or, for batch normalisation's running
   * statistics, one value per block, i.e. exactly (a variance moved by a scale shared with larger ones could
   * go negative).
   */
  public record Segments(int[] starts, int[] lengths, int[] blockSizes) implements java.io.Serializable {
    /** Values in all segments together. */
    public int total() {
      return java.util.Arrays.stream(lengths).sum();
    }
  }

  /**
   * The {@link Segments} of the parameter views in {@code flat}, the network's flattened parameter vector, in
   * the order of {@link #gather}. Fails when a view is not a contiguous slice of {@code flat}.
   */
  public Segments parameterSegments(INDArray flat) {
    int params = 0;
    for (long n = 0; n < parameterLength; params++) {
      n += views.get(params).length();
    }
    int[][] segments = {new int[params], new int[params], new int[params]};
    for (int k = 0; k < params; k++) {
      INDArray v = views.get(k);
      boolean slice = v.data().originalDataBuffer() == flat.data() || v.data() == flat.data();
      if (!slice || v.elementWiseStride() != 1 || !v.isView()) {
        throw new IllegalStateException("A parameter of the network is not a slice of its flattened parameters; "
            + "compressed gradient sharing cannot address it.");
      }
      segments[0][k] = Math.toIntExact(v.offset() - flat.offset());
      segments[1][k] = Math.toIntExact(v.length());
      segments[2][k] = blockSizes.get(k);
    }
    return new Segments(segments[0], segments[1], segments[2]);
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
