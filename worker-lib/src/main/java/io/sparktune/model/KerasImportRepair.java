package io.sparktune.model;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Keras CNNs saved channels-last run in DL4J 1.0.0-M2.
 *
 * <p>M2 imports a channels-last Keras Conv2D as an NHWC ConvolutionLayer, but puts an NCHW
 * CnnToFeedForwardPreProcessor in place of Keras' Flatten, so the forward pass fails ("expected
 * [minibatch, 32, 12, 12] but got [n, 12, 12, 32]"). Keras flattens channels-last activations in
 * (height, width, channel) order, and the dense weights after the Flatten were trained for that order;
 * an NHWC flatten reproduces it exactly, so the repair is to give the preprocessor the format of the
 * convolutional layer that feeds it.
 */
final class KerasImportRepair {
  private static final Logger log = LoggerFactory.getLogger(KerasImportRepair.class);

  private KerasImportRepair() {}

  static void repair(Network net) {
    if (net.isGraph()) {
      return;
    }
    MultiLayerConfiguration conf = net.multiLayer().getLayerWiseConfigurations();
    Map<Integer, InputPreProcessor> pre = conf.getInputPreProcessors();
    for (Map.Entry<Integer, InputPreProcessor> e : pre.entrySet()) {
      if (!(e.getValue() instanceof CnnToFeedForwardPreProcessor flatten) || flatten.getFormat() != CNN2DFormat.NCHW) {
        continue;
      }
      CNN2DFormat feeding = formatFeeding(conf, e.getKey());
      if (feeding == CNN2DFormat.NHWC) {
        e.setValue(new CnnToFeedForwardPreProcessor(flatten.getInputHeight(), flatten.getInputWidth(),
            flatten.getNumChannels(), CNN2DFormat.NHWC));
        log.info("Keras import: layer {} flattens channels-last (NHWC) activations, as Keras does.", e.getKey());
      }
    }
  }

  /** The data format of the nearest convolution or pooling layer before layer {@code index}, if any. */
  private static CNN2DFormat formatFeeding(MultiLayerConfiguration conf, int index) {
    for (int i = index - 1; i >= 0; i--) {
      Layer l = conf.getConf(i).getLayer();
      if (l instanceof ConvolutionLayer c) {
        return c.getCnn2dDataFormat();
      }
      if (l instanceof SubsamplingLayer s) {
        return s.getCnn2dDataFormat();
      }
    }
    return null;
  }
}
