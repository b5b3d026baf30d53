package io.sparktune.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The running {@link AdapterDense} layer. Forward: {@code z = x W + b}, {@code h = act(z)},
 * {@code u = h Wd + bd}, {@code out = h + g(u) Wu + bu}. Backward from {@code e = dL/dout}:
 * {@code dWu = g(u)^T e}, {@code dbu = sum(e)}, {@code du = g'(u) * (e Wu^T)}, {@code dWd = h^T du},
 * {@code dbd = sum(du)}, {@code dh = e + du Wd^T}, {@code dz = act'(z) * dh}, and to the input
 * {@code dz W^T}. The frozen W and b get a zero gradient; their weight gradient is never computed.
 */
public class AdapterDenseLayer extends PartlyFrozenLayerImpl<AdapterDense> {
  private static final long serialVersionUID = 1L;

  public AdapterDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    INDArray h = layerConf().getActivationFn().getActivation(preOutput(training, mgr), training);
    INDArray a = adapterActivation().getActivation(down(h), training);
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, h.dataType(), h.size(0), h.size(1));
    a.mmuli(getParam(AdapterDense.UP), out);
    out.addiRowVector(getParam(AdapterDense.UP_BIAS)).addi(h);
    if (maskArray != null) {
      applyMask(out);
    }
    return out;
  }

  private IActivation adapterActivation() {
    return layerConf().adapterActivationFn();
  }

  /** {@code u = h Wd + bd}. */
  private INDArray down(INDArray h) {
    return h.mmul(getParam(AdapterDense.DOWN)).addiRowVector(getParam(AdapterDense.DOWN_BIAS));
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    INDArray z = preOutputWithPreNorm(true, true, mgr).getFirst();
    INDArray h = layerConf().getActivationFn().getActivation(z.dup(), true);
    INDArray u = down(h);
    INDArray a = adapterActivation().getActivation(u.dup(), true);
    INDArray e = epsilon;
    if (maskArray != null) {
      e = e.dup();
      applyMask(e);
    }
    INDArray wd = getParam(AdapterDense.DOWN);
    INDArray wu = getParam(AdapterDense.UP);
    INDArray w = getParam(AdapterDense.WEIGHT);

    Gradient g = new DefaultGradient();
    put(g, AdapterDense.WEIGHT).assign(0);
    put(g, AdapterDense.BIAS).assign(0);
    Nd4j.gemm(a, e, put(g, AdapterDense.UP), true, false, 1.0, 0.0);
    e.sum(put(g, AdapterDense.UP_BIAS), 0);
    INDArray du = adapterActivation().backprop(u, e.mmul(wu.transpose())).getFirst();
    Nd4j.gemm(h, du, put(g, AdapterDense.DOWN), true, false, 1.0, 0.0);
    du.sum(put(g, AdapterDense.DOWN_BIAS), 0);
    INDArray dh = du.mmul(wd.transpose()).addi(e);
    INDArray dz = layerConf().getActivationFn().backprop(z, dh).getFirst();

    INDArray epsilonNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dz.dataType(), dz.size(0), w.size(0));
    dz.mmuli(w.transpose(), epsilonNext);
    return new Pair<>(g, backpropDropOutIfPresent(epsilonNext));
  }
}
