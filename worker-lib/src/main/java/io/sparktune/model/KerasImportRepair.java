package io.sparktune.model;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Keras CNNs saved channels-last (and Keras-imported networks in general) run and train in DL4J
 * 1.0.0-M2.
 *
 * <p>M2 imports a channels-last Keras Conv2D as an NHWC ConvolutionLayer but puts an NCHW
 * CnnToFeedForwardPreProcessor in place of Keras' Flatten, so the forward pass fails ("expected
 * [minibatch, 32, 12, 12] but got [n, 12, 12, 32]"); and training NHWC layers fails in dropout's
 * backward pass (mask and gradient in different layouts). The repair rebuilds such a network in NCHW,
 * DL4J's native layout: convolution kernels are stored the same way in both layouts, so they are kept;
 * the weights of the first dense layer after the Flatten were trained for Keras' (height, width,
 * channel) flatten order and are permuted to DL4J's (channel, height, width) order. The result computes
 * exactly what the Keras model computes. No-op dropout (keep probability 1.0) that the import attaches
 * to every layer is removed.
 */
final class KerasImportRepair {
  private static final Logger log = LoggerFactory.getLogger(KerasImportRepair.class);

  private KerasImportRepair() {}

  static Network repair(Network net) {
    if (net.isGraph()) {
      return net;
    }
    MultiLayerNetwork old = net.multiLayer();
    MultiLayerConfiguration conf = old.getLayerWiseConfigurations().clone();
    boolean changed = removeNoOpDropout(conf);
    Integer flattenAt = null;
    CnnToFeedForwardPreProcessor flatten = null;
    for (NeuralNetConfiguration c : conf.getConfs()) {
      Layer l = c.getLayer();
      if (l instanceof ConvolutionLayer cl && cl.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
        cl.setCnn2dDataFormat(CNN2DFormat.NCHW);
        changed = true;
      } else if (l instanceof SubsamplingLayer sl && sl.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
        sl.setCnn2dDataFormat(CNN2DFormat.NCHW);
        changed = true;
      }
    }
    boolean convertedToNchw = changed && hasConvolution(conf);
    if (convertedToNchw) {
      for (Map.Entry<Integer, InputPreProcessor> e : conf.getInputPreProcessors().entrySet()) {
        if (e.getValue() instanceof CnnToFeedForwardPreProcessor p) {
          flattenAt = e.getKey();
          flatten = p;
          e.setValue(new CnnToFeedForwardPreProcessor(p.getInputHeight(), p.getInputWidth(), p.getNumChannels(),
              CNN2DFormat.NCHW));
        }
      }
    }
    if (!changed) {
      return net;
    }
    MultiLayerNetwork rebuilt = new MultiLayerNetwork(conf);
    rebuilt.init();
    rebuilt.setParams(old.params());
    if (flattenAt != null) {
      org.deeplearning4j.nn.api.Layer dense = rebuilt.getLayer(flattenAt);
      INDArray w = dense.getParam("W");
      long h = flatten.getInputHeight();
      long wd = flatten.getInputWidth();
      long c = flatten.getNumChannels();
      INDArray nchwOrder = w.reshape('c', h, wd, c, w.size(1)).permute(2, 0, 1, 3).dup('c')
          .reshape('c', c * h * wd, w.size(1));
      dense.setParam("W", nchwOrder);
      log.info("Keras import: channels-last CNN converted to NCHW (layer {} weights reordered for the flatten).", flattenAt);
    }
    return new Network(rebuilt);
  }

  private static boolean hasConvolution(MultiLayerConfiguration conf) {
    return conf.getConfs().stream().anyMatch(c -> c.getLayer() instanceof ConvolutionLayer);
  }

  private static boolean removeNoOpDropout(MultiLayerConfiguration conf) {
    boolean changed = false;
    for (NeuralNetConfiguration c : conf.getConfs()) {
      Layer l = c.getLayer();
      if (l.getIDropout() instanceof Dropout d && d.getP() == 1.0 && d.getPSchedule() == null
          && !(l instanceof org.deeplearning4j.nn.conf.layers.DropoutLayer)) {
        l.setIDropout(null);
        changed = true;
      }
    }
    return changed;
  }
}
