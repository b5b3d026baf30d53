package io.sparktune.model;

import io.sparktune.BadInputException;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Adapts a pre-trained network to a new classification task with DL4J's TransferLearning: a new (or
 * kept) softmax output layer for the task's classes, frozen layers up to a given one, and the
 * fine-tuning updater.
 */
public final class ModelAdapter {
  private ModelAdapter() {}

  public static Network adapt(Network net, AdaptSpec spec) {
    return net.isGraph() ? adaptGraph(net, spec) : adaptMultiLayer(net, spec);
  }

  /**
   * The name of the last layer before the head {@code spec} puts on {@code base}: freezing up to it
   * leaves only the head to train (the head-only baseline, feature-extractor mode).
   */
  public static String lastLayerBeforeHead(Network base, AdaptSpec spec) {
    List<String> names = adapt(base, new AdaptSpec("", spec.numClasses(), spec.replaceOutput(), spec.updater(),
        spec.seed(), spec.regression())).layerNames();
    return names.get(names.size() - 2);
  }

  /** Resolves a layer name or index against the network's layers; -1 for "none". */
  public static int layerIndex(Network net, String nameOrIndex) {
    if (nameOrIndex == null || nameOrIndex.isBlank()) {
      return -1;
    }
    List<String> names = net.layerNames();
    int idx = names.indexOf(nameOrIndex);
    if (idx < 0 && nameOrIndex.matches("-?\\d+")) {
      idx = Integer.parseInt(nameOrIndex);
      if (idx < 0 || idx >= names.size() - 1) {
        throw new BadInputException(
            "model.adapt.freeze-up-to = " + idx + " is out of range: the network has layers 0.."
                + (names.size() - 1) + " and the output layer (" + (names.size() - 1)
                + ") cannot be frozen. Layers: " + names + ".");
      }
    }
    if (idx < 0) {
      throw new BadInputException(
          "model.adapt.freeze-up-to names layer '" + nameOrIndex + "', which the network does not have. "
              + "Its layers are " + names + ".");
    }
    return idx;
  }

  private static FineTuneConfiguration fineTune(AdaptSpec spec) {
    return new FineTuneConfiguration.Builder().updater(spec.updater()).seed(spec.seed()).build();
  }

  /** @param name "sparktune-output" for a new head; the pre-trained layer's name when its weights are kept */
  private static OutputLayer newHead(long nIn, AdaptSpec spec, String name) {
    if (spec.regression()) {
      return new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
          .nIn(nIn).nOut(spec.numClasses()).activation(Activation.IDENTITY).name(name).build();
    }
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nIn(nIn).nOut(spec.numClasses()).activation(Activation.SOFTMAX).name(name).build();
  }

  private static Network adaptMultiLayer(Network net, AdaptSpec spec) {
    MultiLayerNetwork mln = net.multiLayer();
    Layer[] layers = mln.getLayers();
    // The head is the last layer with weights plus any parameterless layers after it (Keras 1 models end
    // in Dense followed by a separate softmax Activation layer).
    int last = layers.length - 1;
    while (last > 0 && layers[last].numParams() == 0) {
      last--;
    }
    org.deeplearning4j.nn.conf.layers.Layer lastConf = layers[last].conf().getLayer();
    if (!(lastConf instanceof FeedForwardLayer ff)) {
      throw new BadInputException("The last layer with weights (" + lastConf.getClass().getSimpleName()
          + ") is not a dense/output layer, so sparktune cannot put a classification head on it.");
    }
    boolean keepHead = !spec.replaceOutput() && ff.getNOut() == spec.numClasses();
    int freeze = layerIndex(net, spec.freezeUpTo());
    if (freeze >= last) {
      throw new BadInputException("model.adapt.freeze-up-to = " + spec.freezeUpTo() + " would freeze the output layer "
          + "(layer " + last + "); freeze at most up to layer " + (last - 1) + ".");
    }
    TransferLearning.Builder b = new TransferLearning.Builder(mln).fineTuneConfiguration(fineTune(spec));
    if (freeze >= 0) {
      b.setFeatureExtractor(freeze);
    }
    boolean alreadyOutput = last == layers.length - 1 && lastConf instanceof BaseOutputLayer;
    INDArray keptW = null;
    INDArray keptB = null;
    if (!(keepHead && alreadyOutput)) {
      if (keepHead) {
        keptW = layers[last].getParam("W").dup();
        keptB = layers[last].getParam("b").dup();
      }
      // a kept head becomes an output layer with the pre-trained weights and keeps its name: it is not new
      b.removeLayersFromOutput(layers.length - last)
          .addLayer(newHead(ff.getNIn(), spec, keepHead ? ff.getLayerName() : "sparktune-output"));
    }
    MultiLayerNetwork adapted = b.build();
    Layer head = adapted.getLayer(adapted.getnLayers() - 1);
    if (keptW != null) {
      head.setParam("W", keptW);
      head.setParam("b", keptB);
    } else if (!keepHead) {
      seedHead(head, spec.seed());
    }
    return new Network(adapted);
  }

  private static Network adaptGraph(Network net, AdaptSpec spec) {
    ComputationGraph g = net.graph();
    String[] outputs = g.getConfiguration().getNetworkOutputs().toArray(new String[0]);
    if (outputs.length != 1) {
      throw new BadInputException("Only single-output graphs can be fine-tuned for classification; this one has "
          + outputs.length + " outputs " + java.util.Arrays.toString(outputs) + ".");
    }
    String outName = outputs[0];
    Layer outLayer = g.getLayer(outName);
    FeedForwardLayer ff = (FeedForwardLayer) outLayer.conf().getLayer();
    boolean keepHead = !spec.replaceOutput() && ff.getNOut() == spec.numClasses()
        && ff instanceof BaseOutputLayer;
    TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g).fineTuneConfiguration(fineTune(spec));
    int freeze = layerIndex(net, spec.freezeUpTo());
    if (freeze >= 0) {
      b.setFeatureExtractor(net.layerNames().get(freeze));
    }
    String headName = outName;
    if (!keepHead) {
      String[] inputs = g.getConfiguration().getVertexInputs().get(outName).toArray(new String[0]);
      headName = "sparktune-output";
      b.removeVertexAndConnections(outName)
          .addLayer(headName, newHead(ff.getNIn(), spec, headName), inputs)
          .setOutputs(headName);
    }
    ComputationGraph adapted = b.build();
    if (!keepHead) {
      seedHead(adapted.getLayer(headName), spec.seed());
    }
    return new Network(adapted);
  }

  /**
   * Initialises a new head with Xavier-uniform weights from our own seeded generator: DL4J's weight
   * init of a layer added by TransferLearning differs between JVMs even with the same seed.
   */
  static void seedHead(Layer head, long seed) {
    INDArray w = head.getParam("W");
    long nIn = w.size(0);
    long nOut = w.size(1);
    double a = Math.sqrt(6.0 / (nIn + nOut));
    SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
    float[] values = new float[(int) (nIn * nOut)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((rnd.nextDouble() * 2 - 1) * a);
    }
    w.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(values).reshape('c', nIn, nOut).castTo(w.dataType()));
    head.getParam("b").assign(0);
  }
}
