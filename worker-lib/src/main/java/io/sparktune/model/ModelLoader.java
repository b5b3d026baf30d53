package io.sparktune.model;

import io.sparktune.BadInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktune.io.HadoopFiles;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
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
    // Keras import reads local files: copies that live only as long as the import (not until the JVM exits)
    List<File> copies = new ArrayList<>();
    try {
      return switch (resolved) {
        case DL4J_ZIP -> Network.restore(HadoopFiles.readBytes(path, "model file"), true);
        case KERAS_H5 -> {
          File h5 = local(copies, path, "model file");
          requireHdf5(h5, uri, "model.uri");
          yield importKeras(h5, null);
        }
        case KERAS_JSON -> {
          Path w = HadoopFiles.path(weightsUri);
          File json = local(copies, path, "model file");
          File weights = local(copies, w, "Keras weights file (model.weights-uri)");
          requireHdf5(weights, weightsUri, "model.weights-uri");
          yield importKerasWithWeights(json, uri, weights, weightsUri);
        }
        case DL4J_JSON -> fromDl4jJson(HadoopFiles.readString(path, "model file"), uri, seed);
        case AUTO -> throw new IllegalStateException("unresolved format");
      };
    } catch (BadInputException e) {
      throw e;
    } catch (Exception e) {
      throw new BadInputException(
          "Model '" + uri + "' could not be loaded as " + resolved.configName() + ": " + rootMessage(e), e);
    } finally {
      copies.forEach(File::delete);
    }
  }

  private static File local(List<File> copies, Path p, String what) {
    File f = HadoopFiles.copyToLocalTemp(p, what);
    copies.add(f);
    return f;
  }

  private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

  /**
   * Refuses a file that is not a readable HDF5 file before Keras import sees it (whose errors, "H5Fopen
   * failed" or a NullPointerException, name neither the file nor the setting).
   */
  private static void requireHdf5(File local, String uri, String key) {
    byte[] head = new byte[HDF5_SIGNATURE.length];
    try (InputStream in = new FileInputStream(local)) {
      if (in.readNBytes(head, 0, head.length) < head.length || !Arrays.equals(head, HDF5_SIGNATURE)) {
        throw new BadInputException("'" + uri + "' (" + key + ") is not an HDF5 file (it does not start with HDF5's "
            + "signature); Keras models and weights are .h5 files saved by Keras.");
      }
    } catch (IOException e) {
      throw new BadInputException("Cannot read '" + uri + "' (" + key + "): " + e.getMessage(), e);
    }
    // the HDF5 C library prints its own error stack to the process's stderr; the exception below says it all
    org.bytedeco.hdf5.global.hdf5.H5Eset_auto2(org.bytedeco.hdf5.global.hdf5.H5E_DEFAULT(), null, null);
    try (Hdf5Archive archive = new Hdf5Archive(local.getPath())) {
      archive.getGroups(); // opens the root group: fails on a truncated or damaged file
    } catch (Exception | UnsatisfiedLinkError e) {
      throw new BadInputException("'" + uri + "' (" + key + ") is an HDF5 file that cannot be read (truncated or "
          + "damaged: " + rootMessage(e) + ").", e);
    }
  }

  /**
   * A Keras JSON model and its weights file: when the import fails, says which of the two is at fault (the
   * JSON alone is checked by importing the configuration without weights).
   */
  private static Network importKerasWithWeights(File json, String jsonUri, File weights, String weightsUri) {
    try {
      return importKeras(json, weights);
    } catch (Exception e) {
      try {
        String text = Files.readString(json.toPath(), StandardCharsets.UTF_8);
        if (text.replace(" ", "").contains("\"class_name\":\"Sequential\"")) {
          KerasModelImport.importKerasSequentialConfiguration(json.getPath());
        } else {
          KerasModelImport.importKerasModelConfiguration(json.getPath());
        }
      } catch (Exception configProblem) {
        throw new BadInputException("Model '" + jsonUri + "' (model.uri) is not a Keras model configuration that "
            + "can be imported: " + rootMessage(configProblem), configProblem);
      }
      throw new BadInputException("The Keras weights file '" + weightsUri + "' (model.weights-uri) does not fit the "
          + "model in '" + jsonUri + "' (saved from another network?): " + rootMessage(e), e);
    }
  }

  private static Network importKeras(File modelFile, File weightsFile) throws Exception {
    boolean sequential;
    if (weightsFile == null) {
      sequential = isSequentialH5(modelFile);
    } else {
      String json = Files.readString(modelFile.toPath(), StandardCharsets.UTF_8);
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
    try (Hdf5Archive archive =
        new Hdf5Archive(h5.getPath())) {
      String config = archive.readAttributeAsJson("model_config");
      return config.replace(" ", "").contains("\"class_name\":\"Sequential\"");
    }
  }

  private static Network fromDl4jJson(String json, String uri, long seed) {
    JsonNode tree;
    try {
      tree = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new BadInputException("Model '" + uri + "' (model.uri) is not valid JSON: " + rootMessage(e), e);
    }
    if (tree == null || !tree.isObject() || !(tree.has("confs") || tree.has("vertices"))) {
      throw new BadInputException("Model '" + uri + "' (model.uri) is JSON but not a DL4J network configuration (it "
          + "has neither \"confs\" nor \"vertices\"); give a DL4J zip, a Keras .h5, a Keras JSON with "
          + "model.weights-uri, or a configuration saved by MultiLayerConfiguration/ComputationGraphConfiguration.toJson.");
    }
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
