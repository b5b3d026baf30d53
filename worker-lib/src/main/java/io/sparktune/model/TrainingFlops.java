package io.sparktune.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Floating-point operations of one training step per example, counted from the network's weight tensors
 * and the activation shapes of one forward pass: a weight tensor of n values costs 2n per output position
 * (multiply and add; a convolution's positions are its output's height x width, a dense layer has one).
 * The backward pass adds the same again for the weight gradient of a layer that trains, and again for the
 * gradient flowing into a layer's input when any layer below it trains. Biases, activations, pooling and
 * normalisation are left out (a few per cent at most for the networks here).
 */
public final class TrainingFlops {
  private TrainingFlops() {}

  /** Forward and training FLOPs per example of {@code net}, measured on {@code example} (a batch of one or more). */
  public record Count(double forward, double training) {
    /** The training GFLOP/s reached at {@code examplesPerSecond}. */
    public double gflops(double examplesPerSecond) {
      return training * examplesPerSecond / 1e9;
    }
  }

  public static Count perExample(Network net, INDArray example) {
    List<INDArray> outputs = layerOutputs(net, example);
    Layer[] layers = net.layers();
    double forward = 0;
    double training = 0;
    boolean trainsBelow = false;
    for (int i = 0; i < layers.length; i++) {
      double f = forwardFlops(layers[i], outputs.get(i));
      boolean trains = net.trains(layers[i]);
      forward += f;
      training += f + (trains ? f : 0) + (trainsBelow ? f : 0);
      trainsBelow |= trains;
    }
    return new Count(forward, training);
  }

  private static double forwardFlops(Layer l, INDArray output) {
    double positions = output.rank() == 4 ? (double) output.size(2) * output.size(3)
        : output.rank() == 3 ? output.size(2) : 1;
    double weights = 0;
    for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
      if (p.getValue().rank() >= 2 && p.getValue().length() > 1 && !p.getKey().equals("b")) {
        weights += p.getValue().length();
      }
    }
    return 2 * weights * positions;
  }

  /** The output of every layer (network order) for one example. */
  private static List<INDArray> layerOutputs(Network net, INDArray example) {
    INDArray one = example.size(0) == 1 ? example : example.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
    List<INDArray> outputs = new ArrayList<>();
    if (net.isGraph()) {
      Map<String, INDArray> acts = net.twoInputs()
          ? net.graph().feedForward(net.split(new org.nd4j.linalg.dataset.DataSet(one, null)).getFeatures(), false)
          : net.graph().feedForward(one, false);
      for (Layer l : net.layers()) {
        outputs.add(acts.get(l.conf().getLayer().getLayerName()));
      }
    } else {
      List<INDArray> acts = net.multiLayer().feedForward(one, false);
      outputs.addAll(acts.subList(1, acts.size()));
    }
    return outputs;
  }
}
