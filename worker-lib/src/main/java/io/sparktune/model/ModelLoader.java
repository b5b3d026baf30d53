package io.sparktune.model;

import io.sparktune.BadInputException;
import io.sparktune.io.HadoopFiles;
import java.io.File;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Loads a pre-trained network from any Hadoop FileSystem URI: a DL4J zip, a Keras model (one .h5, or
 * JSON + .h5 weights), or a DL4J JSON configuration for a new network.
 */
public final class ModelLoader {
  private ModelLoader() {}

  /**
   * @param uri the model file
   * @param format how to read it ({@link ModelFormat#AUTO} picks from the file name)
   * @param weightsUri Keras weights for {@link ModelFormat#KERAS_JSON}; empty otherwise
   * @param seed initialises a network built from a DL4J JSON configuration
   */
  public static Network load(String uri, ModelFormat format, String weightsUri, long seed) {
    boolean hasWeights = weightsUri != null && !weightsUri.isBlank();
    ModelFormat resolved = format.resolve(uri, hasWeights);
    if (resolved == null) {
      throw new BadInputException(
          "Cannot tell the format of model '" + uri + "' from its name; set model.format to one of "
              + ModelFormat.allowed() + ".");
    }
    Path path = HadoopFiles.path(uri);
    HadoopFiles.requireReadable(path, "model file (model.uri)");
    try {
      return switch (resolved) {
        case DL4J_ZIP -> Network.restore(HadoopFiles.readBytes(path, "model file"), true);
        case KERAS_H5 -> importKeras(HadoopFiles.copyToLocalTemp(path, "model file"), null);
        case KERAS_JSON -> {
          Path w = HadoopFiles.path(weightsUri);
          yield importKeras(HadoopFiles.copyToLocalTemp(path, "model file"),
              HadoopFiles.copyToLocalTemp(w, "Keras weights file (model.weights-uri)"));
        }
        case DL4J_JSON -> fromDl4jJson(HadoopFiles.readString(path, "model file"), seed);
        case AUTO -> throw new IllegalStateException("unresolved format");
      };
    } catch (BadInputException e) {
      throw e;
    } catch (Exception e) {
      throw new BadInputException(
          "Model '" + uri + "' could not be loaded as " + resolved.configName() + ": " + rootMessage(e), e);
    }
  }

  private static Network importKeras(File modelFile, File weightsFile) throws Exception {
    boolean sequential;
    if (weightsFile == null) {
      sequential = isSequentialH5(modelFile);
    } else {
      String json = java.nio.file.Files.readString(modelFile.toPath(), StandardCharsets.UTF_8);
      sequential = json.replace(" ", "").contains("\"class_name\":\"Sequential\"");
    }
    if (sequential) {
      MultiLayerNetwork net = weightsFile == null
          ? KerasModelImport.importKerasSequentialModelAndWeights(modelFile.getPath(), false)
          : KerasModelImport.importKerasSequentialModelAndWeights(modelFile.getPath(), weightsFile.getPath(), false);
      return KerasImportRepair.repair(new Network(net));
    }
    ComputationGraph graph = weightsFile == null
        ? KerasModelImport.importKerasModelAndWeights(modelFile.getPath(), false)
        : KerasModelImport.importKerasModelAndWeights(modelFile.getPath(), weightsFile.getPath(), false);
    return new Network(graph);
  }

  private static boolean isSequentialH5(File h5) throws Exception {
    try (org.deeplearning4j.nn.modelimport.keras.Hdf5Archive archive =
        new org.deeplearning4j.nn.modelimport.keras.Hdf5Archive(h5.getPath())) {
      String config = archive.readAttributeAsJson("model_config");
      return config.replace(" ", "").contains("\"class_name\":\"Sequential\"");
    }
  }

  private static Network fromDl4jJson(String json, long seed) {
    if (Network.isGraphJson(json)) {
      ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
      ComputationGraph g = new ComputationGraph(conf);
      org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(seed);
      g.init();
      return new Network(g);
    }
    MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
    MultiLayerNetwork n = new MultiLayerNetwork(conf);
    org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(seed);
    n.init();
    return new Network(n);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
