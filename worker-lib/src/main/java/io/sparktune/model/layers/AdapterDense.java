package io.sparktune.model.layers;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Configuration of a dense layer followed by a bottleneck adapter (Houlsby et al. 2019,
 * "Parameter-Efficient Transfer Learning for NLP"): {@code h = activation(x W + b)} with the pre-trained
 * {@code W}, {@code b} frozen, then {@code out = h + g(h Wd + bd) Wu + bu} with a trainable down-projection
 * {@code Wd} [nOut, bottleneck], up-projection {@code Wu} [bottleneck, nOut] and nonlinearity {@code g}.
 * {@code Wu} and the biases start at zero, so the layer starts as exactly the pre-trained one (the
 * adapter's near-identity initialisation). Unlike LoRA, the adapter's nonlinearity cannot be folded into
 * W: a network with adapters keeps these layers for serving.
 */
public class AdapterDense extends PartlyFrozenLayer {
  private static final long serialVersionUID = 1L;
  public static final String WEIGHT = "W";
  public static final String BIAS = "b";
  public static final String DOWN = "Wd";
  public static final String DOWN_BIAS = "bd";
  public static final String UP = "Wu";
  public static final String UP_BIAS = "bu";

  private int bottleneck;
  private String adapterActivation = Activation.RELU.name();

  /** For JSON deserialisation. */
  public AdapterDense() {}

  public int getBottleneck() {
    return bottleneck;
  }

  public void setBottleneck(int bottleneck) {
    this.bottleneck = bottleneck;
  }

  /** The adapter's nonlinearity, a DL4J {@link Activation} name. */
  public String getAdapterActivation() {
    return adapterActivation;
  }

  public void setAdapterActivation(String adapterActivation) {
    this.adapterActivation = adapterActivation;
  }

  IActivation adapterActivationFn() {
    return Activation.valueOf(adapterActivation).getActivationFunction();
  }

  @Override
  public List<Param> params() {
    long d = getNOut();
    return List.of(Param.matrix(WEIGHT, getNIn(), d, false), Param.bias(BIAS, d, false),
        Param.matrix(DOWN, d, bottleneck, true), Param.bias(DOWN_BIAS, bottleneck, true),
        Param.matrix(UP, bottleneck, d, true), Param.bias(UP_BIAS, d, true));
  }

  @Override
  protected org.deeplearning4j.nn.layers.BaseLayer<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
    return new AdapterDenseLayer(conf, dataType);
  }

  @Override
  public AdapterDense clone() {
    return (AdapterDense) super.clone();
  }
}
