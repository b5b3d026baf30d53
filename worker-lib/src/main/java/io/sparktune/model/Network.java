package io.sparktune.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A DL4J network of either kind (MultiLayerNetwork or ComputationGraph) behind the handful of
 * operations sparktune needs, so no other class has to branch on the network type.
 */
public final class Network {
  private final Model model;

  public Network(Model model) {
    if (!(model instanceof MultiLayerNetwork) && !(model instanceof ComputationGraph)) {
      throw new IllegalArgumentException("Unsupported model type " + model.getClass().getName());
    }
    this.model = model;
  }

  public Model model() {
    return model;
  }

  public boolean isGraph() {
    return model instanceof ComputationGraph;
  }

  public MultiLayerNetwork multiLayer() {
    return (MultiLayerNetwork) model;
  }

  public ComputationGraph graph() {
    return (ComputationGraph) model;
  }

  /** Inference-mode output for a minibatch (single-output networks). */
  public INDArray output(INDArray features) {
    return isGraph() ? graph().outputSingle(false, features) : multiLayer().output(features, false);
  }

  /**
   * Inference-mode output for a minibatch with its features mask when it has one (token sequences:
   * padding must not reach the output).
   */
  public INDArray output(org.nd4j.linalg.dataset.DataSet batch) {
    if (twoInputs()) {
      org.nd4j.linalg.dataset.api.MultiDataSet m = split(batch);
      INDArray out = graph().output(false, m.getFeatures(), m.getFeaturesMaskArrays())[0];
      graph().clearLayerMaskArrays(); // else the next call without masks would meet this batch's
      return out;
    }
    INDArray mask = batch.getFeaturesMaskArray();
    if (mask == null) {
      return output(batch.getFeatures());
    }
    return isGraph() ? graph().output(false, new INDArray[] {batch.getFeatures()}, new INDArray[] {mask})[0]
        : multiLayer().output(batch.getFeatures(), false, mask, null);
  }

  public INDArray params() {
    return model.params();
  }

  public long numParams() {
    return model.numParams();
  }

  public Layer[] layers() {
    return isGraph() ? graph().getLayers() : multiLayer().getLayers();
  }

  /** Layer names in topological order (for graphs: layer vertices only). */
  public List<String> layerNames() {
    List<String> names = new ArrayList<>();
    for (Layer l : layers()) {
      names.add(l.conf().getLayer().getLayerName());
    }
    return names;
  }

  /**
   * Number of outputs of the last layer with a width, i.e. the class count of a classifier; trailing
   * parameter-free layers (Keras 1 models end Dense then Activation) keep that width.
   */
  public long numOutputs() {
    Layer[] ls = layers();
    for (int i = ls.length - 1; i >= 0; i--) {
      if (ls[i].conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff) {
        return ff.getNOut();
      }
    }
    throw new IllegalStateException("The network has no layer with a known output width.");
  }

  /** The network's inputs: 1, or 2 for a text + tabular graph. */
  public int inputCount() {
    return isGraph() ? graph().getConfiguration().getNetworkInputs().size() : 1;
  }

  /** A graph of two inputs: token ids (first) and numeric features (second). */
  public boolean twoInputs() {
    return inputCount() == 2;
  }

  /**
   * The layer the network's input {@code i} goes into (the first layer of a MultiLayerNetwork, and of a graph
   * whose first input passes a vertex first).
   */
  public org.deeplearning4j.nn.conf.layers.Layer firstLayerOf(int i) {
    if (!isGraph()) {
      return layers()[0].conf().getLayer();
    }
    String input = graph().getConfiguration().getNetworkInputs().get(i);
    for (Layer l : layers()) {
      String name = l.conf().getLayer().getLayerName();
      if (graph().getConfiguration().getVertexInputs().getOrDefault(name, List.of()).contains(input)) {
        return l.conf().getLayer();
      }
    }
    if (i == 0) {
      return layers()[0].conf().getLayer(); // the input goes through a vertex first: the first layer in order
    }
    throw new io.sparktune.BadInputException("The graph's input '" + input + "' feeds no layer directly; sparktune "
        + "needs its second input to go into a layer first.");
  }

  /** The numeric features the second input of a two-input graph takes (its first layer's width). */
  public int numericInputWidth() {
    if (!(firstLayerOf(1) instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff)) {
      throw new io.sparktune.BadInputException("The graph's second input must go into a feed-forward layer (it takes "
          + "the numeric features); it goes into " + firstLayerOf(1).getClass().getSimpleName() + ".");
    }
    return (int) ff.getNIn();
  }

  /**
   * A two-input minibatch from one whose features are token ids followed by numeric features: inputs
   * {tokens, numbers}, masks {the token mask, none}.
   */
  public org.nd4j.linalg.dataset.api.MultiDataSet split(org.nd4j.linalg.dataset.DataSet batch) {
    INDArray f = batch.getFeatures();
    long total = f.size(1);
    long numbers = numericInputWidth();
    INDArray tokens = f.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, total - numbers)).dup();
    INDArray values = f.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(total - numbers, total)).dup();
    return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {tokens, values}, new INDArray[] {batch.getLabels()},
        new INDArray[] {batch.getFeaturesMaskArray(), null}, null);
  }

  /** True when the first layer is convolutional and therefore wants image-shaped input. */
  public boolean wantsImageInput() {
    return imageFormat() != null;
  }

  /** The image format (NCHW or NHWC) the first layer wants, or null when it is not convolutional. */
  public org.deeplearning4j.nn.conf.CNN2DFormat imageFormat() {
    org.deeplearning4j.nn.conf.layers.Layer first = firstLayerOf(0);
    if (first instanceof ConvolutionLayer c) {
      return c.getCnn2dDataFormat();
    }
    if (first instanceof SubsamplingLayer s) {
      return s.getCnn2dDataFormat();
    }
    return null;
  }

  /** True when the first layer looks token ids up in an embedding (a text model). */
  public boolean wantsTokenInput() {
    return firstLayerOf(0) instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer
        || firstLayerOf(0) instanceof io.sparktune.model.layers.PrefixEmbedding;
  }

  /** Rows of the first layer's embedding (token ids must be below it); -1 when it is not an embedding. */
  public long embeddingRows() {
    return wantsTokenInput() ? ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) firstLayerOf(0)).getNIn() : -1;
  }

  /** The example layout this network wants, given the data's image dimensions {c, h, w} (null for vectors). */
  public io.sparktune.data.FeatureLayout inputLayout(int[] imageDims, int featureCount) {
    if (inputCount() > 2 || (twoInputs() && !wantsTokenInput())) {
      throw new io.sparktune.BadInputException("The graph has " + inputCount() + " inputs " + graph().getConfiguration()
          .getNetworkInputs() + "; sparktune fine-tunes graphs of one input, or of two: token ids (the first, into "
          + "an embedding) and numeric features (the second).");
    }
    if (twoInputs()) {
      int numbers = numericInputWidth();
      if (featureCount <= numbers) {
        throw new io.sparktune.BadInputException("The model's second input takes " + numbers + " numeric features, but "
            + "the examples have " + featureCount + " values in all; set data.text.numeric-fields to the " + numbers
            + " fields that feed it.");
      }
      return io.sparktune.data.FeatureLayout.sequenceWithNumbers(featureCount - numbers, numbers);
    }
    if (wantsTokenInput()) {
      return io.sparktune.data.FeatureLayout.sequence(featureCount);
    }
    if (!wantsImageInput()) {
      return io.sparktune.data.FeatureLayout.flat(featureCount);
    }
    if (imageDims == null) {
      throw new io.sparktune.BadInputException("The model's first layer is convolutional and wants images, "
          + "but the data gives plain feature vectors of " + featureCount + " values.");
    }
    return io.sparktune.data.FeatureLayout.image(imageDims,
        imageFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
  }

  /** Trainable parameter count: parameters of the layers that train (see {@link #trains}) that an updater changes. */
  public long trainableParams() {
    long n = 0;
    for (Layer l : layers()) {
      if (trains(l)) {
        for (var p : l.paramTable().entrySet()) {
          n += trainsParam(l, p.getKey()) ? p.getValue().length() : 0;
        }
      }
    }
    return n;
  }

  /**
   * False for a parameter its layer keeps fixed with DL4J's no-op updater (e.g. the frozen pre-trained
   * weights of a LoRA layer).
   */
  public static boolean trainsParam(Layer l, String param) {
    // every layer configuration with parameters answers this, wrappers (Bidirectional, LastTimeStep) included
    return !(l.conf().getLayer().getUpdaterByParam(param) instanceof org.nd4j.linalg.learning.config.NoOp);
  }

  /**
   * True when training can change the layer's parameters: it has some and is not wrapped as frozen. Unlike
   * {@link #tunable}, any kind of layer, also wrappers whose configuration is not a BaseLayer (Bidirectional,
   * LastTimeStep, as Keras recurrent models import): what data-parallel training must exchange.
   */
  public boolean changesInTraining(Layer l) {
    return !isFrozenWrapper(l) && l.numParams() > 0;
  }

  /** True for a DL4J frozen-layer wrapper (TransferLearning's feature extractor). */
  static boolean isFrozenWrapper(Layer l) {
    return l instanceof org.deeplearning4j.nn.layers.FrozenLayer
        || l instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
  }

  /**
   * True when the layer has parameters that its updater changes: not wrapped as frozen, and not paused
   * by a learning rate of 0 (progressive unfreezing pauses layers that way, see the technique package).
   */
  public boolean trains(Layer l) {
    if (!tunable(l)) {
      return false;
    }
    IUpdater u = ((BaseLayer) l.conf().getLayer()).getIUpdater();
    return u == null || !u.hasLearningRate() || u.getLearningRate(iterationCount(), epochCount()) != 0;
  }

  /**
   * The layers whose parameters an updater with a learning rate can change (frozen wrappers and
   * parameterless layers excluded), by index into {@link #layers()}, in network order. Paused layers
   * (rate 0) are included: these are the layers per-layer learning rates apply to.
   */
  public List<Integer> tunableLayerIndices() {
    List<Integer> idx = new ArrayList<>();
    Layer[] ls = layers();
    for (int i = 0; i < ls.length; i++) {
      if (tunable(ls[i]) && ((BaseLayer) ls[i].conf().getLayer()).getIUpdater() != null
          && ((BaseLayer) ls[i].conf().getLayer()).getIUpdater().hasLearningRate()) {
        idx.add(i);
      }
    }
    return idx;
  }

  /** True when the layer has parameters and is not wrapped as frozen, whatever its learning rate. */
  public boolean tunable(Layer l) {
    return !isFrozenWrapper(l) && l.conf().getLayer() instanceof BaseLayer && l.numParams() > 0;
  }

  /** The learning rate layer {@code index}'s updater applies now; NaN when it has none. */
  public double layerLearningRate(int index) {
    if (!(layers()[index].conf().getLayer() instanceof BaseLayer b) || b.getIUpdater() == null
        || !b.getIUpdater().hasLearningRate()) {
      return Double.NaN;
    }
    return b.getIUpdater().getLearningRate(iterationCount(), epochCount());
  }

  /**
   * Sets per-layer learning rates (layer index to rate) and rebuilds the updater so its state stays
   * with the parameters it belongs to (layers of different rates fall into different updater blocks,
   * which DL4J rearranges). Each layer gets its own updater configuration first: layers built by one
   * fine-tune configuration may share one, and a change to it would reach them all.
   */
  public void setLayerLearningRates(java.util.Map<Integer, Double> rates) {
    if (rates.isEmpty()) {
      return;
    }
    Layer[] ls = layers();
    int last = -1;
    for (java.util.Map.Entry<Integer, Double> e : rates.entrySet()) {
      BaseLayer b = (BaseLayer) ls[e.getKey()].conf().getLayer();
      IUpdater u = b.getIUpdater().clone();
      u.setLrAndSchedule(e.getValue(), null);
      b.setIUpdater(u);
      last = e.getKey();
    }
    // DL4J's per-layer setter rebuilds the updater from every layer's configuration: once is enough
    if (isGraph()) {
      graph().setLearningRate(ls[last].conf().getLayer().getLayerName(), rates.get(last));
    } else {
      multiLayer().setLearningRate(last, rates.get(last));
    }
  }

  /** Minibatches trained so far (the iteration count learning-rate schedules and Adam's bias correction use). */
  public int iterationCount() {
    return isGraph() ? graph().getIterationCount() : multiLayer().getIterationCount();
  }

  public int epochCount() {
    return isGraph() ? graph().getEpochCount() : multiLayer().getEpochCount();
  }

  /**
   * Moves the training counters on after training that happened on copies of this network (a distributed
   * epoch): {@code iterations} more minibatches and {@code epochs} more epochs.
   */
  public void advanceCounters(int iterations, int epochs) {
    if (isGraph()) {
      graph().getConfiguration().setIterationCount(graph().getIterationCount() + iterations);
      graph().getConfiguration().setEpochCount(graph().getEpochCount() + epochs);
    } else {
      multiLayer().setIterationCount(multiLayer().getIterationCount() + iterations);
      multiLayer().setEpochCount(multiLayer().getEpochCount() + epochs);
    }
  }

  /** The loss on a minibatch in inference mode (regularisation included, as DL4J's score). */
  public double score(org.nd4j.linalg.dataset.DataSet batch) {
    if (twoInputs()) {
      double score = graph().score(split(batch), false);
      graph().clearLayerMaskArrays();
      return score;
    }
    return isGraph() ? graph().score(batch, false) : multiLayer().score(batch, false);
  }

  /** Trains one minibatch. */
  public void fit(org.nd4j.linalg.dataset.DataSet batch) {
    if (twoInputs()) {
      graph().fit(split(batch));
    } else if (isGraph()) {
      graph().fit(batch);
    } else {
      multiLayer().fit(batch);
    }
  }

  /**
   * The updater's whole state as one view (e.g. Adam's moments), created if the network has no updater yet;
   * null when the updater keeps no state (plain SGD, or nothing trains).
   */
  public INDArray updaterState() {
    INDArray state = isGraph() ? graph().getUpdater().getStateViewArray()
        : multiLayer().getUpdater().getStateViewArray();
    return state == null || state.isEmpty() ? null : state;
  }

  /**
   * How many leading layers of a MultiLayerNetwork are frozen (0 for a graph or when the first layer
   * trains): their output never changes during training, so it can be computed once and cached.
   */
  public int frozenPrefix() {
    if (isGraph()) {
      return 0;
    }
    Layer[] ls = layers();
    int n = 0;
    while (n < ls.length && isFrozenWrapper(ls[n])) {
      n++;
    }
    return n;
  }

  /** Names (as gradient-flow statistics key them) of the layers whose parameters train. */
  public java.util.Set<String> trainableLayerNames() {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    Layer[] ls = layers();
    for (int i = 0; i < ls.length; i++) {
      Layer l = ls[i];
      if (trains(l)) {
        String prefix = isGraph() ? l.conf().getLayer().getLayerName() : Integer.toString(i);
        names.add(io.sparktune.train.ProgressListener.layerName(model(), prefix));
      }
    }
    return names;
  }

  /**
   * The learning rate the updater of the top training layer (normally the head) applies at the
   * network's current iteration and epoch (schedules included); NaN when no layer trains. With
   * layer-wise rates the layers below may learn slower.
   */
  public double learningRate() {
    Layer[] ls = layers();
    for (int i = ls.length - 1; i >= 0; i--) {
      if (trains(ls[i]) && !Double.isNaN(layerLearningRate(i))) {
        return layerLearningRate(i);
      }
    }
    return Double.NaN;
  }

  /** Sets the learning rate of every layer's updater (frozen layers have none and are left alone). */
  public void setLearningRate(double lr) {
    if (isGraph()) {
      graph().setLearningRate(lr);
    } else {
      multiLayer().setLearningRate(lr);
    }
  }

  /**
   * Sets ND4J's workspace mode (training and inference) and DL4J's cache mode on the network's
   * configuration and every layer's; they travel with the configuration to the workers.
   */
  public void setMemoryModes(org.deeplearning4j.nn.conf.WorkspaceMode workspaces,
      org.deeplearning4j.nn.conf.CacheMode cache) {
    if (isGraph()) {
      graph().getConfiguration().setTrainingWorkspaceMode(workspaces);
      graph().getConfiguration().setInferenceWorkspaceMode(workspaces);
      graph().getConfiguration().setCacheMode(cache);
    } else {
      multiLayer().getLayerWiseConfigurations().setTrainingWorkspaceMode(workspaces);
      multiLayer().getLayerWiseConfigurations().setInferenceWorkspaceMode(workspaces);
      multiLayer().getLayerWiseConfigurations().setCacheMode(cache);
    }
    for (Layer l : layers()) {
      l.conf().setCacheMode(cache);
    }
  }

  public Network copy() {
    return new Network(isGraph() ? graph().clone() : multiLayer().clone());
  }

  public String configurationJson() {
    return isGraph() ? graph().getConfiguration().toJson() : multiLayer().getLayerWiseConfigurations().toJson();
  }

  public String summary() {
    return isGraph() ? graph().summary() : multiLayer().summary();
  }

  /**
   * Writes a DL4J model zip, optionally with the updater state (so training can resume exactly) and the
   * normaliser, in the entries ModelSerializer reads back.
   *
   * <p>The normaliser is appended here rather than by ModelSerializer.writeModel, which fails with the
   * commons-io version Spark 3.5 needs (its CloseShieldOutputStream now throws on flush after close).
   */
  public void save(OutputStream out, boolean withUpdater, DataNormalization normalizer) {
    try {
      java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream(1 << 20);
      ModelSerializer.writeModel(model, plain, withUpdater);
      if (normalizer == null) {
        plain.writeTo(out);
        out.flush();
        return;
      }
      java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out);
      try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(plain.toByteArray()))) {
        for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          in.transferTo(zip);
          zip.closeEntry();
        }
      }
      java.io.ByteArrayOutputStream norm = new java.io.ByteArrayOutputStream();
      org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer.getDefault().write(normalizer, norm);
      zip.putNextEntry(new ZipEntry(ModelSerializer.NORMALIZER_BIN));
      norm.writeTo(zip);
      zip.closeEntry();
      zip.finish();
      out.flush();
    } catch (Exception e) {
      throw new IllegalStateException("Cannot serialise the model: " + e.getMessage(), e);
    }
  }

  /** Reads a DL4J model zip of either kind; the kind is taken from its stored configuration. */
  public static Network restore(byte[] zip, boolean loadUpdater) throws IOException {
    if (isGraphZip(zip)) {
      return new Network(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), loadUpdater));
    }
    return new Network(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), loadUpdater));
  }

  static boolean isGraphZip(byte[] zip) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals("configuration.json")) {
          return isGraphJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    throw new IOException("not a DL4J model zip: it has no configuration.json entry");
  }

  /** A ComputationGraph configuration names its vertices; a MultiLayerNetwork one does not. */
  static boolean isGraphJson(String json) {
    return json.contains("\"vertices\"") && json.contains("\"networkInputs\"");
  }

  public static DataNormalization restoreNormalizer(InputStream zip) throws IOException {
    try {
      return ModelSerializer.restoreNormalizerFromInputStream(zip);
    } catch (Exception e) {
      throw new IOException("cannot read the normaliser stored in the model zip: " + e.getMessage(), e);
    }
  }
}
