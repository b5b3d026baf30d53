package io.sparktune.model.layers;

import io.sparktune.BadInputException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The running {@link PrefixEmbedding}. Forward: the rows of {@code W} for the token ids (plus bias,
 * through the embedding's activation, zeroed on padding like DL4J's sequence embedding), placed after the
 * prefix vectors along the time axis. Backward from {@code e = dL/dout} [n, dim, P + T]: the prefix
 * gradient is {@code e[:, :, 0:P]} summed over the minibatch, transposed to [P, dim]; the frozen rows get
 * a zero gradient and nothing flows to the (integer) input.
 */
public class PrefixEmbeddingLayer extends PartlyFrozenLayerImpl<PrefixEmbedding> {
  private static final long serialVersionUID = 1L;

  public PrefixEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.RECURRENT;
  }

  /** Token ids as [n, T], whether they came as [n, T] or [n, 1, T]. */
  private INDArray ids() {
    return input.rank() == 3 ? input.reshape(input.size(0), input.size(2)) : input;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    INDArray ids = ids();
    long n = ids.size(0);
    long t = ids.size(1);
    int p = layerConf().getPrefixLength();
    long dim = layerConf().getNOut();
    int[] idx = ids.castTo(DataType.INT).dup('c').data().asInt();
    long rows = layerConf().getNIn();
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= rows) {
        throw new BadInputException("Token id " + idx[i] + " is outside the embedding's " + rows
            + " rows (example " + (i / t) + ", position " + (i % t) + "): the data was tokenised with another "
            + "vocabulary than the model's.");
      }
    }
    INDArray looked = Nd4j.pullRows(getParam(PrefixEmbedding.WEIGHT), 1, idx);
    if (layerConf().isHasBias()) {
      looked.addiRowVector(getParam(PrefixEmbedding.BIAS));
    }
    looked = layerConf().getActivationFn().getActivation(looked, training);
    INDArray embedded = looked.reshape('c', n, t, dim).permute(0, 2, 1);
    if (maskArray != null) {
      embedded = embedded.dup('c');
      Broadcast.mul(embedded, maskArray.castTo(embedded.dataType()), embedded, 0, 2);
    }
    INDArray out = mgr.create(ArrayType.ACTIVATIONS, embedded.dataType(), new long[] {n, dim, p + t}, 'c');
    INDArray prefixT = getParam(PrefixEmbedding.PREFIX).transpose();
    for (long i = 0; i < n; i++) {
      out.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(0, p)).assign(prefixT);
    }
    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(p, p + t)).assign(embedded);
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int p = layerConf().getPrefixLength();
    Gradient g = new DefaultGradient();
    put(g, PrefixEmbedding.WEIGHT).assign(0);
    if (layerConf().isHasBias()) {
      put(g, PrefixEmbedding.BIAS).assign(0);
    }
    INDArray summed = epsilon.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, p)).sum(0);
    put(g, PrefixEmbedding.PREFIX).assign(summed.transpose());
    return new Pair<>(g, null);
  }

  /** The incoming mask covers the tokens; the layer's output also has the prefix, always visible. */
  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray mask, MaskState state, int minibatchSize) {
    this.maskArray = mask;
    this.maskState = state;
    if (mask == null) {
      return null;
    }
    INDArray tokens = mask.rank() == 3 ? mask.reshape(mask.size(0), mask.size(2)) : mask;
    INDArray grown = Nd4j.ones(tokens.dataType(), tokens.size(0), layerConf().getPrefixLength() + tokens.size(1));
    grown.get(NDArrayIndex.all(), NDArrayIndex.interval(layerConf().getPrefixLength(), grown.size(1))).assign(tokens);
    return new Pair<>(grown, state);
  }
}
