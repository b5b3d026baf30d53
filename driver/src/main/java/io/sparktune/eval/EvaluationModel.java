package io.sparktune.eval;

import io.sparktune.BadInputException;
import io.sparktune.config.DataSettings;
import io.sparktune.config.ModelSettings;
import io.sparktune.data.BatchAssembler;
import io.sparktune.data.FeatureLayout;
import io.sparktune.data.FeatureStatistics;
import io.sparktune.io.HadoopFiles;
import io.sparktune.io.Json;
import io.sparktune.job.RunDirectory;
import io.sparktune.model.ModelFormat;
import io.sparktune.model.ModelLoader;
import io.sparktune.model.Network;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model loaded for evaluation: a sparktune run directory or any model file, with the class names, the
 * normaliser and (regression) the target scale stored beside it when it was trained by sparktune (null /
 * empty otherwise).
 */
public record EvaluationModel(String uri, Network net, List<String> classes, DataNormalization normalizer,
    io.sparktune.data.TargetScale targetScale, io.sparktune.text.Vocabulary vocabulary) {
  private static final Logger log = LoggerFactory.getLogger(EvaluationModel.class);

  /** @param vocabularyUri data.text.vocabulary-uri: "" = vocabulary.txt beside the model (text models only) */
  public static EvaluationModel load(String uri, ModelSettings settings, String vocabularyUri, long seed) {
    Path asDir = HadoopFiles.child(uri, RunDirectory.MODEL);
    if (!uri.endsWith(".zip") && HadoopFiles.exists(asDir)) {
      uri = asDir.toString();
    }
    Network net = ModelLoader.load(uri, settings.format(), settings.weightsUri(), seed);
    Path modelPath = HadoopFiles.path(uri);
    Path infoPath = new Path(modelPath.getParent(), RunDirectory.MODEL_INFO);
    List<String> classes = List.of();
    io.sparktune.data.TargetScale targetScale = null;
    if (HadoopFiles.exists(infoPath)) {
      Map<String, Object> info = Json.readMap(HadoopFiles.readString(infoPath, "model info"));
      classes = classesOf(info);
      if (info.get("target-scale") instanceof Map<?, ?> t) {
        targetScale = io.sparktune.data.TargetScale.of(((Number) t.get("mean")).doubleValue(),
            ((Number) t.get("std")).doubleValue());
      }
    }
    DataNormalization normalizer = settings.format().resolve(uri, false) == ModelFormat.DL4J_ZIP
        ? storedNormalizer(modelPath) : null;
    io.sparktune.text.Vocabulary vocabulary = null;
    if (net.wantsTokenInput()) {
      vocabulary = io.sparktune.data.TextModel.stored(uri, vocabularyUri);
      if (vocabulary == null) {
        throw new BadInputException("The text model " + uri + " has no " + io.sparktune.data.TextModel.VOCABULARY_FILE
            + " beside it; set data.text.vocabulary-uri to the vocabulary it was trained with.");
      }
      io.sparktune.data.TextModel.requireFits(vocabulary, net, uri);
    }
    return new EvaluationModel(uri, net, classes, normalizer, targetScale, vocabulary);
  }

  /**
   * Minibatches for this model: its stored normaliser, else the configured one, fitted on the
   * evaluation data if it needs statistics.
   */
  public BatchAssembler assembler(EvaluationData data, DataSettings settings, int batchSize,
      Supplier<FeatureStatistics> statistics) {
    if (settings.regression() != (targetScale != null)) {
      throw new BadInputException("The model " + uri + " is a " + (targetScale != null ? "regression" : "classification")
          + " model but data.task = " + settings.task() + "; set data.task to match the model.");
    }
    if (net.numOutputs() != data.classes().size()) {
      throw new BadInputException("The model " + uri + " has " + net.numOutputs() + " outputs but the data has "
          + data.classes().size() + " classes " + data.classes() + "; evaluate a model trained for these classes.");
    }
    if (settings.isText()) {
      io.sparktune.data.TextModel.requireNumericFieldsFit(net, settings.text(), uri);
    }
    DataNormalization n = normalizer;
    if (n == null) {
      n = settings.normalization().build(settings.normalization().needsStatistics() ? statistics.get() : null);
    }
    FeatureLayout layout = net.inputLayout(data.imageDims(), data.featureCount());
    return new BatchAssembler(batchSize, data.classes().size(), layout, n, targetScale);
  }

  @SuppressWarnings("unchecked")
  private static List<String> classesOf(Map<String, Object> info) {
    Object c = info.get("classes");
    return c == null ? List.of() : (List<String>) c;
  }

  private static DataNormalization storedNormalizer(Path model) {
    try (InputStream in = HadoopFiles.open(model, "model file")) {
      return Network.restoreNormalizer(in);
    } catch (IOException ex) {
      log.debug("no normaliser stored in {}", model, ex);
      return null;
    }
  }
}
