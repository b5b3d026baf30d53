package io.sparktune.model.layers;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The running {@link LoraDense} layer. Forward: {@code z = x W + b + s * x' A B} with {@code s = alpha /
 * rank} and {@code x'} the input of the low-rank branch (dropped out while training). Backward, from
 * {@code delta = dL/dz}: {@code dB = s (x' A)^T delta}, {@code dA = s x'^T (delta B^T)}, and the
 * gradient to the input {@code delta W^T + s (delta B^T) A^T} (through the dropout mask). The frozen
 * {@code W} and {@code b} get a zero gradient and their weight gradient is never computed, which is
 * what makes a LoRA step cheaper than a full one.
 */
public class LoraDenseLayer extends PartlyFrozenLayerImpl<LoraDense> {
  private static final long serialVersionUID = 1L;

  /** The low-rank branch's input in this training pass and its scaled dropout mask (null without dropout). */
  private transient INDArray branchInput;
  private transient INDArray branchMask;

  public LoraDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    super.setInput(input, workspaceMgr);
    branchInput = null;
    branchMask = null;
  }

  @Override
  public void clear() {
    super.clear();
    branchInput = null;
    branchMask = null;
  }

  @Override
  protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
      LayerWorkspaceMgr mgr) {
    assertInputSet(forBackprop);
    applyDropOutIfNecessary(training, mgr);
    INDArray w = getParam(LoraDense.WEIGHT);
    INDArray x = input.castTo(dataType);
    if (x.rank() != 2 || x.columns() != w.rows()) {
      throw new DL4JInvalidInputException("LoRA dense layer input of shape " + Arrays.toString(x.shape())
          + " does not match its " + w.rows() + " inputs " + layerId());
    }
    INDArray z = mgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), x.size(0), w.size(1));
    x.mmuli(w, z);
    z.addiRowVector(getParam(LoraDense.BIAS));
    INDArray low = branchInput(x, training, mgr).mmul(getParam(LoraDense.DOWN));
    z.addi(low.mmul(getParam(LoraDense.UP)).muli(layerConf().scale()));
    if (maskArray != null) {
      applyMask(z);
    }
    return new Pair<>(z, z);
  }

  /**
   * The branch input: the layer input, with inputs dropped while training. The mask is drawn once per
   * training pass and kept (in the workspace that lives through backpropagation) for the backward pass.
   */
  private INDArray branchInput(INDArray x, boolean training, LayerWorkspaceMgr mgr) {
    double p = layerConf().getLoraDropout();
    if (!training || p <= 0) {
      return x;
    }
    if (branchInput == null) {
      branchMask = mgr.createUninitialized(ArrayType.INPUT, x.dataType(), x.shape(), 'c');
      Nd4j.getExecutioner().exec(new BernoulliDistribution(branchMask, 1 - p));
      branchMask.divi(1 - p);
      branchInput = mgr.createUninitialized(ArrayType.INPUT, x.dataType(), x.shape(), 'c');
      branchInput.assign(x).muli(branchMask);
    }
    return branchInput;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    INDArray z = preOutputWithPreNorm(true, true, mgr).getFirst();
    INDArray delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst();
    if (maskArray != null) {
      applyMask(delta);
    }
    double s = layerConf().scale();
    INDArray x = branchInput(input.castTo(dataType), true, mgr);
    INDArray a = getParam(LoraDense.DOWN);
    INDArray b = getParam(LoraDense.UP);
    INDArray w = getParam(LoraDense.WEIGHT);

    Gradient g = new DefaultGradient();
    INDArray dW = gradientViews.get(LoraDense.WEIGHT).assign(0);
    INDArray db = gradientViews.get(LoraDense.BIAS).assign(0);
    INDArray dA = gradientViews.get(LoraDense.DOWN);
    INDArray dB = gradientViews.get(LoraDense.UP);
    INDArray deltaUp = delta.mmul(b.transpose()); // delta B^T: [batch, rank]
    Nd4j.gemm(x.mmul(a), delta, dB, true, false, s, 0.0);
    Nd4j.gemm(x, deltaUp, dA, true, false, s, 0.0);
    g.gradientForVariable().put(LoraDense.WEIGHT, dW);
    g.gradientForVariable().put(LoraDense.BIAS, db);
    g.gradientForVariable().put(LoraDense.DOWN, dA);
    g.gradientForVariable().put(LoraDense.UP, dB);

    INDArray branch = deltaUp.mmul(a.transpose()).muli(s);
    if (branchMask != null) {
      branch.muli(branchMask);
    }
    INDArray epsilonNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(), delta.size(0), w.size(0));
    delta.mmuli(w.transpose(), epsilonNext);
    epsilonNext.addi(branch);
    return new Pair<>(g, backpropDropOutIfPresent(epsilonNext));
  }
}
