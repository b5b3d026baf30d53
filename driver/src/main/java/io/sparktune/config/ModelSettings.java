package io.sparktune.config;

import com.typesafe.config.Config;
import io.sparktune.model.ModelFormat;
import java.util.Arrays;

/**
 * {@code sparktune.model}: the pre-trained model and how to adapt it.
 *
 * @param uri model file on any Hadoop FileSystem
 * @param format how to read it
 * @param weightsUri Keras weights for keras-json
 * @param freezeUpTo layer name or index to freeze up to (inclusive); "" for none
 * @param replaceOutput new output layer for the task's classes
 * @param cacheFrozenFeatures compute a frozen trunk's output once and train only the head on it
 * @param featureCacheUri where cached features go, "" = executor memory and disk
 * @param domainVocabulary new tokens for a text model's vocabulary
 */
public record ModelSettings(String uri, ModelFormat format, String weightsUri, String freezeUpTo,
    boolean replaceOutput, boolean cacheFrozenFeatures, String featureCacheUri,
    DomainVocabularySettings domainVocabulary) {
  static ModelSettings fromConfig(Config c, ConfigProblems p) {
    String base = ConfigLoader.ROOT + ".model.";
    String fmt = p.oneOf(base + "format", Arrays.stream(ModelFormat.values()).map(ModelFormat::configName).toList());
    return new ModelSettings(p.requiredString(base + "uri", "the URI of the pre-trained model"),
        ModelFormat.fromConfigName(fmt), p.string(base + "weights-uri"),
        p.string(base + "adapt.freeze-up-to"), p.bool(base + "adapt.replace-output"),
        p.bool(base + "adapt.cache-frozen-features"), p.string(base + "adapt.feature-cache-uri"),
        DomainVocabularySettings.fromConfig(c, p));
  }
}
