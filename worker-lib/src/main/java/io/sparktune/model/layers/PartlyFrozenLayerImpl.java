package io.sparktune.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the running layers of every {@link PartlyFrozenLayer} share: they train only inside a network. */
abstract class PartlyFrozenLayerImpl<T extends PartlyFrozenLayer> extends BaseLayer<T> {
  private static final long serialVersionUID = 1L;

  PartlyFrozenLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " trains inside a network, not on its own.");
  }

  /** The gradient view of {@code param}, registered in {@code g}. */
  protected INDArray put(org.deeplearning4j.nn.gradient.Gradient g, String param) {
    INDArray view = gradientViews.get(param);
    g.gradientForVariable().put(param, view);
    return view;
  }
}
